using Clv.Analytics.Models;

namespace Clv.Analytics.Tests.Models;

public class ParetoNbdTests
{
    // Hand computations below use L = α^r β^s Γ(r+x)/Γ(r) · [(α+T)^{−(r+x)} (β+T)^{−s}
    //                                    + s ∫_{t_x}^{T} (β+τ)^{−(s+1)} (α+τ)^{−(r+x)} dτ], with r = s = 1, x = 0, T = 1.

    [Fact]
    public void Log_likelihood_without_repeat_purchases_and_equal_scales_matches_hand_computation()
    {
        // α = β = 1: 1/4 + ∫_0^1 (1+τ)^{−3} dτ = 1/4 + (1 − 1/4)/2 = 0.625.
        Assert.Equal(Math.Log(0.625), new ParetoNbdParameters(1, 1, 1, 1).LogLikelihood(0, 0, 1), 12);
    }

    [Fact]
    public void Log_likelihood_with_alpha_below_beta_matches_hand_computation()
    {
        // α = 1, β = 2: 2 · [1/6 + ∫_0^1 (2+τ)^{−2}(1+τ)^{−1} dτ]; partial fractions give
        // ∫ = ln 2 − ln(3/2) − 1/6, so L = 2 ln(4/3).
        Assert.Equal(Math.Log(2 * Math.Log(4.0 / 3)), new ParetoNbdParameters(1, 1, 1, 2).LogLikelihood(0, 0, 1), 12);
    }

    [Fact]
    public void Log_likelihood_with_alpha_above_beta_matches_hand_computation()
    {
        // α = 2, β = 1: 2 · [1/6 + ∫_0^1 (1+τ)^{−2}(2+τ)^{−1} dτ], ∫ = ln(3/2) − ln 2 + 1/2.
        var expected = Math.Log(2 * ((1.0 / 6) + Math.Log(1.5) - Math.Log(2) + 0.5));

        Assert.Equal(expected, new ParetoNbdParameters(1, 2, 1, 1).LogLikelihood(0, 0, 1), 12);
    }

    [Fact]
    public void Log_likelihood_when_the_last_purchase_is_at_T_has_no_dropout_term()
    {
        // t_x = T: L = Γ(r+x)/Γ(r) α^r β^s / ((α+T)^{r+x} (β+T)^s) = 1/(2^2 · 2) = 1/8 for r = s = α = β = 1, x = 1, T = 1.
        var model = new ParetoNbdParameters(1, 1, 1, 1);

        Assert.Equal(Math.Log(1.0 / 8), model.LogLikelihood(1, 1, 1), 12);
        Assert.Equal(1.0, model.ProbabilityAlive(1, 1, 1));
    }

    [Fact]
    public void Unconditional_expectation_matches_the_closed_form()
    {
        // rβ/(α(s−1)) · [1 − (β/(β+t))^{s−1}] = 1 · (1 − 1/2) for r = α = β = t = 1, s = 2.
        Assert.Equal(0.5, new ParetoNbdParameters(1, 1, 2, 1).ExpectedPurchases(1), 12);
    }

    [Fact]
    public void Conditional_expectation_is_continuous_at_s_equal_to_one()
    {
        var at = new ParetoNbdParameters(0.55, 10.6, 1, 11.7).ConditionalExpectedPurchases(52, 3, 20, 31);
        var near = new ParetoNbdParameters(0.55, 10.6, 1 + 1e-8, 11.7).ConditionalExpectedPurchases(52, 3, 20, 31);

        Assert.Equal(near, at, 1e-6);
    }

    [Theory]
    [InlineData(0.55, 10.6, 0.6, 11.7, 2, 10, 30)]
    [InlineData(0.55, 30.0, 0.6, 2.0, 2, 10, 30)]
    [InlineData(3.0, 2.0, 0.6, 40.0, 40, 25, 30)]
    [InlineData(0.2, 5.0, 2.5, 0.5, 500, 29, 39)]
    public void Hypergeometric_series_agree_with_direct_quadrature_of_the_dropout_integral(double r, double alpha, double s, double beta, double x, double tx, double age)
    {
        ParetoNbd.LogTerms(r, alpha, s, beta, x, tx, age, out _, out var logDead);

        var quadrature = Math.Log(s) + ParetoNbd.LogDropoutIntegral(r + x, alpha, s, beta, tx, age);

        Assert.Equal(quadrature, logDead, 1e-8);
    }

    [Fact]
    public void Fit_on_no_customers_is_reported_as_failed()
    {
        var fit = ParetoNbd.Fit([]);

        Assert.False(fit.Converged);
        Assert.Null(fit.Parameters);
    }

    [Fact]
    public void Fit_on_data_with_recency_after_age_is_reported_as_failed()
    {
        var fit = ParetoNbd.Fit([new RfmPattern(2, 40, 30, 1)]);

        Assert.False(fit.Converged);
        Assert.Contains("invalid", fit.FailureReason, StringComparison.OrdinalIgnoreCase);
    }
}
