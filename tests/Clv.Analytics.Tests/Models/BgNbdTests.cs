using Clv.Analytics.Models;

namespace Clv.Analytics.Tests.Models;

public class BgNbdTests
{
    private static readonly RfmPattern[] SmallData =
    [
        new(0, 0, 30, 40), new(1, 5, 30, 10), new(3, 20, 25, 6), new(10, 24, 26, 2), new(2, 8, 9, 3), new(0, 0, 12, 20),
    ];

    [Fact]
    public void Log_likelihood_without_repeat_purchases_is_r_ln_alpha_over_alpha_plus_T()
    {
        // x = 0: only A1 + A3 remain, L = (α/(α+T))^r; r = 2, α = 3, T = 1: 2 ln(3/4) = −0.575364144903562.
        var model = new BgNbdParameters(2, 3, 0.7, 1.9);

        Assert.Equal(-0.575364144903562, model.LogLikelihood(0, 0, 1), 12);
    }

    [Fact]
    public void Log_likelihood_with_a_repeat_purchase_matches_hand_computation()
    {
        // r = α = a = b = 1, x = 1, t_x = 1, T = 2: Γ(r+x)α^r/Γ(r) = 1, B(a, b+x)/B(a, b) = 1/2,
        // L = 1/2 · [(1/(α+T))^2 + (a/(b+x−1)) (1/(α+t_x))^2] = 1/2 · (1/9 + 1/4) = 13/72.
        var model = new BgNbdParameters(1, 1, 1, 1);

        Assert.Equal(Math.Log(13.0 / 72), model.LogLikelihood(1, 1, 2), 12);
    }

    [Fact]
    public void Log_likelihood_when_the_last_purchase_is_at_T_matches_hand_computation()
    {
        // As above with t_x = T = 2: L = 1/2 · (1/9 + 1/9) = 1/9.
        var model = new BgNbdParameters(1, 1, 1, 1);

        Assert.Equal(Math.Log(1.0 / 9), model.LogLikelihood(1, 2, 2), 12);
        Assert.Equal(0.5, model.ProbabilityAlive(1, 2, 2), 12);
    }

    [Fact]
    public void Customers_without_repeat_purchases_are_certainly_alive()
    {
        Assert.Equal(1.0, new BgNbdParameters(0.243, 4.414, 0.793, 2.426).ProbabilityAlive(0, 0, 38.86));
    }

    [Fact]
    public void Expected_purchases_over_a_short_period_approach_the_mean_rate_r_over_alpha()
    {
        var model = new BgNbdParameters(0.243, 4.414, 0.793, 2.426);

        Assert.Equal(0.243 / 4.414 * 1e-4, model.ExpectedPurchases(1e-4), 1e-9);
    }

    [Fact]
    public void Conditional_expectation_is_continuous_at_a_equal_to_one()
    {
        var below = new BgNbdParameters(0.5, 4, 1 - 1e-7, 2).ConditionalExpectedPurchases(39, 2, 30, 38);
        var at = new BgNbdParameters(0.5, 4, 1, 2).ConditionalExpectedPurchases(39, 2, 30, 38);
        var above = new BgNbdParameters(0.5, 4, 1 + 1e-7, 2).ConditionalExpectedPurchases(39, 2, 30, 38);

        Assert.True(double.IsFinite(at));
        Assert.Equal(below, at, 1e-5);
        Assert.Equal(above, at, 1e-5);
    }

    [Fact]
    public void Both_series_for_the_conditional_expectation_agree_around_a_equal_to_two()
    {
        // a ≥ 2 sums the original series, a < 2 the Euler-transformed one; the expectation is smooth in a.
        var below = new BgNbdParameters(0.5, 4, 2 - 1e-9, 2).ConditionalExpectedPurchases(39, 5, 30, 38);
        var above = new BgNbdParameters(0.5, 4, 2, 2).ConditionalExpectedPurchases(39, 5, 30, 38);

        Assert.Equal(above, below, 1e-7);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Analytic_gradient_matches_central_differences(int modifiedShift)
    {
        // Shift 0 is BG/NBD, 1 the modified BG/NBD.
        var data = PatternSet.Create(SmallData);
        double[] theta = [0.7, 3.1, 0.8, 2.4];
        var analytic = new double[4];
        BetaGeometricFamily.MeanNegativeLogLikelihood(data, modifiedShift, theta, analytic);

        for (var i = 0; i < 4; i++)
        {
            var numeric = CentralDifference(t => BetaGeometricFamily.MeanNegativeLogLikelihood(data, modifiedShift, t, []), theta, i);
            Assert.Equal(numeric, analytic[i], 1e-7);
        }
    }

    [Fact]
    public void Fitting_distinct_weighted_patterns_equals_fitting_every_customer()
    {
        var customers = CdnowSample.Customers.Select(c => c.ToPattern()).ToList();

        var perCustomer = BgNbd.Fit(customers);
        var collapsed = BgNbd.Fit(RfmPattern.Collapse(customers));

        Assert.True(perCustomer.Converged && collapsed.Converged);
        Assert.Equal(perCustomer.LogLikelihood, collapsed.LogLikelihood, 1e-6);
        Assert.Equal(perCustomer.Parameters.R, collapsed.Parameters.R, 1e-4);
    }

    [Fact]
    public void Penalizer_shrinks_the_parameters()
    {
        var patterns = RfmPattern.Collapse(CdnowSample.Customers);
        var plain = BgNbd.Fit(patterns);
        var penalized = BgNbd.Fit(patterns, penalizer: 0.01);

        Assert.True(plain.Converged && penalized.Converged);
        static double Norm(BgNbdParameters p) => (p.R * p.R) + (p.Alpha * p.Alpha) + (p.A * p.A) + (p.B * p.B);
        Assert.True(Norm(penalized.Parameters) < Norm(plain.Parameters));
        Assert.True(penalized.LogLikelihood < plain.LogLikelihood);
    }

    [Fact]
    public void Fit_reports_standard_errors_for_every_parameter()
    {
        var fit = BgNbd.Fit(RfmPattern.Collapse(CdnowSample.Customers));

        Assert.True(fit.Converged);
        Assert.All(
            new[] { fit.StandardErrors.R, fit.StandardErrors.Alpha, fit.StandardErrors.A, fit.StandardErrors.B },
            se => Assert.True(se > 0 && double.IsFinite(se)));
    }

    [Fact]
    public void Fit_on_no_customers_is_reported_as_failed()
    {
        var fit = BgNbd.Fit([]);

        Assert.False(fit.Converged);
        Assert.Null(fit.Parameters);
        Assert.NotNull(fit.FailureReason);
    }

    [Fact]
    public void Fit_on_nan_data_is_reported_as_failed()
    {
        var fit = BgNbd.Fit([new RfmPattern(double.NaN, double.NaN, double.NaN, 1), new RfmPattern(double.NaN, 1, 2, 1)]);

        Assert.False(fit.Converged);
        Assert.Null(fit.Parameters);
        Assert.True(double.IsNaN(fit.LogLikelihood));
    }

    [Fact]
    public void Fit_when_nobody_buys_again_is_reported_as_failed()
    {
        // With x = 0 for all, L = (α/(α+T))^r rises towards 1 as α grows: there is no maximum to find.
        var fit = BgNbd.Fit([new RfmPattern(0, 0, 30, 10), new RfmPattern(0, 0, 20, 5)]);

        Assert.False(fit.Converged);
        Assert.Null(fit.Parameters);
    }

    /// <summary>Each component of a likelihood's analytic gradient equals the central difference of its value.</summary>
    internal static void AssertGradientMatchesCentralDifferences(MeanNegativeLogLikelihood meanNll, double[] theta, double precision)
    {
        var analytic = new double[theta.Length];
        meanNll(theta, analytic);

        for (var i = 0; i < theta.Length; i++)
        {
            var numeric = CentralDifference(t => meanNll(t, []), theta, i);
            Assert.Equal(numeric, analytic[i], precision);
        }
    }

    internal static double CentralDifference(Func<double[], double> f, double[] theta, int i)
    {
        const double H = 1e-6;
        var up = (double[])theta.Clone();
        var down = (double[])theta.Clone();
        up[i] += H * theta[i];
        down[i] -= H * theta[i];
        return (f(up) - f(down)) / (2 * H * theta[i]);
    }
}
