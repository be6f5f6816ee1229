using Clv.Analytics.Models;

namespace Clv.Analytics.Tests.Models;

/// <summary>
/// Reproduces the published CDNOW sample estimates: BG/NBD and its conditional expectation from Fader, Hardie &amp;
/// Lee (2005a), the Pareto/NBD values from Fader &amp; Hardie's notes, Gamma-Gamma from Fader, Hardie &amp; Lee (2005b).
/// </summary>
public class CdnowPublishedResultsTests
{
    internal static void AssertWithinRelative(double expected, double actual, double relative)
    {
        Assert.True(Math.Abs(actual - expected) <= relative * Math.Abs(expected), $"expected {expected} ± {relative:P1}, got {actual}");
    }

    private static IReadOnlyList<RfmPattern> Patterns => RfmPattern.Collapse(CdnowSample.Customers);

    [Fact]
    public void Cdnow_sample_has_the_2357_customers_of_the_literature()
    {
        Assert.Equal(2357, CdnowSample.Customers.Count);
    }

    [Fact]
    public void BgNbd_fit_on_cdnow_sample_reproduces_published_parameters()
    {
        var fit = BgNbd.Fit(Patterns);

        Assert.True(fit.Converged, fit.FailureReason);
        AssertWithinRelative(0.243, fit.Parameters.R, 0.005);
        AssertWithinRelative(4.414, fit.Parameters.Alpha, 0.005);
        AssertWithinRelative(0.793, fit.Parameters.A, 0.005);
        AssertWithinRelative(2.426, fit.Parameters.B, 0.005);
    }

    [Fact]
    public void BgNbd_fit_on_cdnow_sample_reproduces_published_log_likelihood()
    {
        var fit = BgNbd.Fit(Patterns);

        Assert.Equal(-9582.4, fit.LogLikelihood, 0.1);
    }

    [Fact]
    public void BgNbd_conditional_expectation_reproduces_published_value()
    {
        var fit = BgNbd.Fit(Patterns);
        Assert.True(fit.Converged, fit.FailureReason);

        var expected = fit.Parameters.ConditionalExpectedPurchases(39, 2, 30.43, 38.86);

        Assert.Equal(1.226, expected, 0.001);
    }

    [Fact]
    public void ParetoNbd_fit_on_cdnow_sample_reproduces_published_parameters()
    {
        var fit = ParetoNbd.Fit(Patterns);

        Assert.True(fit.Converged, fit.FailureReason);
        AssertWithinRelative(0.553, fit.Parameters.R, 0.005);
        AssertWithinRelative(10.578, fit.Parameters.Alpha, 0.005);
        AssertWithinRelative(0.606, fit.Parameters.S, 0.005);
        AssertWithinRelative(11.669, fit.Parameters.Beta, 0.005);
        Assert.Equal(-9595.0, fit.LogLikelihood, 0.1);
    }

    [Fact]
    public void ParetoNbd_conditional_expectation_reproduces_published_value()
    {
        var fit = ParetoNbd.Fit(Patterns);
        Assert.True(fit.Converged, fit.FailureReason);

        var expected = fit.Parameters.ConditionalExpectedPurchases(52, 26, 30.86, 31);

        Assert.Equal(25.46, expected, 0.01);
    }

    [Fact]
    public void GammaGamma_fit_on_cdnow_sample_uses_the_946_repeat_customers()
    {
        var fit = GammaGamma.Fit(CdnowSample.Customers.Select(c => c.ToSpendPattern()).ToList());

        Assert.Equal(946, fit.Observations);
    }

    [Fact]
    public void GammaGamma_fit_on_cdnow_sample_reproduces_published_parameters()
    {
        var fit = GammaGamma.Fit(CdnowSample.Customers.Select(c => c.ToSpendPattern()).ToList());

        Assert.True(fit.Converged, fit.FailureReason);
        AssertWithinRelative(6.25, fit.Parameters.P, 0.005);
        AssertWithinRelative(3.74, fit.Parameters.Q, 0.005);
        AssertWithinRelative(15.44, fit.Parameters.Gamma, 0.005);
        Assert.Equal(-4055.9, fit.LogLikelihood, 0.1);
    }
}
