using Clv.Analytics.Models;

namespace Clv.Analytics.Tests.Models;

public class ModifiedBgNbdTests
{
    [Fact]
    public void Log_likelihood_without_repeat_purchases_allows_dropout_after_the_first_purchase()
    {
        // x = 0, t_x = 0: L = B(a, b+1)/B(a, b) (α/(α+T))^r + B(a+1, b)/B(a, b) = b/(a+b) (α/(α+T))^r + a/(a+b);
        // r = α = a = b = T = 1: 1/2 · 1/2 + 1/2 = 3/4.
        var model = new ModifiedBgNbdParameters(1, 1, 1, 1);

        Assert.Equal(Math.Log(0.75), model.LogLikelihood(0, 0, 1), 12);
    }

    [Fact]
    public void Customers_without_repeat_purchases_may_be_dead()
    {
        // P(alive | x = 0) = 1/(1 + (a/b)((α+T)/α)^r) = 1/(1 + 2) for r = α = a = b = T = 1.
        Assert.Equal(1.0 / 3, new ModifiedBgNbdParameters(1, 1, 1, 1).ProbabilityAlive(0, 0, 1), 12);
    }

    [Fact]
    public void Fit_on_cdnow_sample_reproduces_the_estimates_of_lifetimes_and_btydplus()
    {
        // lifetimes' ModifiedBetaGeoFitter on the same summary (its test_params_out_is_close_to_BTYDplus):
        // r 0.525, α 6.183, a 0.891, b 1.614, to the three decimals published (±0.0005).
        var fit = ModifiedBgNbd.Fit(RfmPattern.Collapse(CdnowSample.Customers));

        Assert.True(fit.Converged, fit.FailureReason);
        Assert.Equal(0.525, fit.Parameters.R, 0.0005);
        Assert.Equal(6.183, fit.Parameters.Alpha, 0.0005);
        Assert.Equal(0.891, fit.Parameters.A, 0.0005);
        Assert.Equal(1.614, fit.Parameters.B, 0.0005);
    }
}
