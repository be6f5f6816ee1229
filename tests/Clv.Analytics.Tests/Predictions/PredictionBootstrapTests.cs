using Clv.Analytics.Predictions;

namespace Clv.Analytics.Tests.Predictions;

/// <summary>The bootstrap's pieces against hand computation: the quantile rule and the draws' distribution.</summary>
public sealed class PredictionBootstrapTests
{
    [Theory]
    [InlineData(0.05, 1.45)] // h = 9 × 0.05 = 0.45: 1 + 0.45 × (2 − 1); numpy.percentile(range(1, 11), 5) = 1.45
    [InlineData(0.95, 9.55)] // h = 8.55: 9 + 0.55 × (10 − 9)
    [InlineData(0.5, 5.5)]
    [InlineData(0, 1)]
    [InlineData(1, 10)]
    public void Quantiles_interpolate_between_order_statistics(double probability, double expected)
    {
        double[] sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

        Assert.Equal(expected, PredictionBootstrap.Quantile(sorted, probability), 12);
    }

    [Theory]
    [InlineData(0.90, 200, 0)]
    [InlineData(0.90, 200, 17)] // NaN draws left out
    [InlineData(0.50, 7, 2)]
    [InlineData(0.99, 1, 0)]
    [InlineData(0.95, 40, 39)]
    public void Percentiles_by_selection_are_the_sorted_values_quantiles(double level, int draws, int notANumber)
    {
        var random = new Random(draws + notANumber);
        for (var trial = 0; trial < 50; trial++)
        {
            // Ties too: values on a coarse grid.
            var values = Enumerable.Range(0, draws).Select(i => i < notANumber ? double.NaN : Math.Round(random.NextDouble() * 20) / 4).ToArray();
            var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();

            var (lower, upper) = PredictionBootstrap.Percentiles(values.OrderBy(_ => random.Next()).ToArray(), level);

            Assert.Equal(PredictionBootstrap.Quantile(sorted, (1 - level) / 2), lower);
            Assert.Equal(PredictionBootstrap.Quantile(sorted, (1 + level) / 2), upper);
        }
    }

    [Fact]
    public void Draws_are_lognormal_with_the_fits_covariance_on_the_log_scale()
    {
        // Σ = [[0.04, 0.012], [0.012, 0.09]] on ln θ around θ̂ = (2, 0.5): ln θ has means ln 2 and ln 0.5, standard
        // deviations 0.2 and 0.3 and correlation 0.012 / (0.2 × 0.3) = 0.2.
        var sampler = ParameterSampler.Create([2.0, 0.5], new double[,] { { 0.04, 0.012 }, { 0.012, 0.09 } })!;
        var random = new Random(5);
        const int n = 40_000;
        var logs = new double[n, 2];
        var theta = new double[2];
        for (var i = 0; i < n; i++)
        {
            sampler.Draw(random, theta);
            (logs[i, 0], logs[i, 1]) = (Math.Log(theta[0]), Math.Log(theta[1]));
        }

        var mean0 = Enumerable.Range(0, n).Average(i => logs[i, 0]);
        var mean1 = Enumerable.Range(0, n).Average(i => logs[i, 1]);
        var sd0 = Math.Sqrt(Enumerable.Range(0, n).Average(i => Math.Pow(logs[i, 0] - mean0, 2)));
        var sd1 = Math.Sqrt(Enumerable.Range(0, n).Average(i => Math.Pow(logs[i, 1] - mean1, 2)));
        var correlation = Enumerable.Range(0, n).Average(i => (logs[i, 0] - mean0) * (logs[i, 1] - mean1)) / (sd0 * sd1);
        // Tolerances of about four standard errors at n = 40,000.
        Assert.Equal(Math.Log(2), mean0, 0.005);
        Assert.Equal(Math.Log(0.5), mean1, 0.007);
        Assert.Equal(0.2, sd0, 0.003);
        Assert.Equal(0.3, sd1, 0.005);
        Assert.Equal(0.2, correlation, 0.02);
    }

    [Fact]
    public void A_covariance_that_is_not_positive_definite_gives_no_sampler()
    {
        Assert.Null(ParameterSampler.Create([1.0, 1.0], new double[,] { { 0.04, 0.1 }, { 0.1, 0.04 } }));
    }
}
