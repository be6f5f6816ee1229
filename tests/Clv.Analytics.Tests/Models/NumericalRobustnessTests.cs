using Clv.Analytics.Models;

namespace Clv.Analytics.Tests.Models;

/// <summary>
/// The likelihoods and predictions stay finite far from typical data and parameters: wherever the
/// parameters are positive and finite, a log-likelihood or an expected number of purchases is a
/// finite number, and NaN is a failure.
/// </summary>
public class NumericalRobustnessTests
{
    private static readonly double[] Extremes = [1e-6, 1, 1e6];

    private static readonly (double X, double Tx, double Age)[] Histories =
    [
        (0, 0, 38.86), (0, 0, 1e-3), (2, 30.43, 38.86), (26, 30.86, 31), (500, 30, 39), (3, 10, 10), (5000, 300, 310),
    ];

    public static TheoryData<double, double, double, double> ParameterGrid()
    {
        var data = new TheoryData<double, double, double, double>();
        foreach (var p1 in Extremes)
        {
            foreach (var p2 in Extremes)
            {
                foreach (var p3 in Extremes)
                {
                    foreach (var p4 in Extremes)
                    {
                        data.Add(p1, p2, p3, p4);
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ParameterGrid))]
    public void BgNbd_values_are_finite_for_extreme_parameters(double r, double alpha, double a, double b)
    {
        var model = new BgNbdParameters(r, alpha, a, b);
        AssertFiniteOverHistories(model, model.LogLikelihood);
    }

    [Theory]
    [MemberData(nameof(ParameterGrid))]
    public void ModifiedBgNbd_values_are_finite_for_extreme_parameters(double r, double alpha, double a, double b)
    {
        var model = new ModifiedBgNbdParameters(r, alpha, a, b);
        AssertFiniteOverHistories(model, model.LogLikelihood);
    }

    [Theory]
    [MemberData(nameof(ParameterGrid))]
    public void ParetoNbd_values_are_finite_for_extreme_parameters(double r, double alpha, double s, double beta)
    {
        var model = new ParetoNbdParameters(r, alpha, s, beta);
        AssertFiniteOverHistories(model, model.LogLikelihood);
    }

    private static void AssertFiniteOverHistories(IPurchaseModel model, Func<double, double, double, double> logLikelihood)
    {
        foreach (var (x, tx, age) in Histories)
        {
            AssertFinite(logLikelihood(x, tx, age), $"LL {model} {(x, tx, age)}");
            AssertProbability(model.ProbabilityAlive(x, tx, age), $"P(alive) {model} {(x, tx, age)}");
            AssertNonNegativeFinite(model.ConditionalExpectedPurchases(39, x, tx, age), $"E {model} {(x, tx, age)}");
        }
    }

    /// <summary>
    /// Where the BG/NBD series does not converge (r = 10⁶, or z = t/(α+T+t) within 10⁻⁵ of 1), the
    /// expectation is still right: the values are the beta average of [1 − (1 + p·t/(α+T))^{−r}]/p
    /// over p ~ beta(a, b), taken by mpmath 1.3.0's quad at 30 digits (a customer with no repeat
    /// purchase, P(alive) = 1, t = 39).
    /// </summary>
    [Theory]
    [InlineData(1e6, 1, 0.5, 1, 38.86, 1752.22856693)]
    [InlineData(1, 1e-6, 0.5, 1, 1e-3, 309.052440251)]
    [InlineData(1e6, 1e-6, 2, 3, 1e-3, 3.99999999969)]
    public void Where_the_series_does_not_converge_the_bg_nbd_expectation_is_the_beta_average(double r, double alpha, double a, double b, double age, double expected)
    {
        var value = new BgNbdParameters(r, alpha, a, b).ConditionalExpectedPurchases(39, 0, 0, age);

        Assert.Equal(expected, value, expected * 1e-9);
    }

    [Fact]
    public void Large_frequency_gives_sensible_bg_nbd_predictions()
    {
        // A customer with 500 repeat purchases in 39 weeks, the last just now, buys at about their own rate
        // (r+x)/(α+T) ≈ 11.6 a week and is almost surely alive:
        // P(alive) = 1/(1 + 0.793/501.426 · (43.274/43.214)^500.243) = 1/(1 + 0.00158149 · 2.00186) = 0.996844.
        var model = new BgNbdParameters(0.243, 4.414, 0.793, 2.426);

        Assert.Equal(0.996844, model.ProbabilityAlive(500, 38.8, 38.86), 5);
        Assert.InRange(model.ConditionalExpectedPurchases(1, 500, 38.8, 38.86), 10, 11.9);
    }

    private static void AssertFinite(double value, string what) => Assert.True(double.IsFinite(value), $"{what} = {value}");

    private static void AssertProbability(double value, string what) => Assert.True(value is >= 0 and <= 1, $"{what} = {value}");

    private static void AssertNonNegativeFinite(double value, string what) => Assert.True(double.IsFinite(value) && value >= 0, $"{what} = {value}");
}
