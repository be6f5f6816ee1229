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

    [Theory]
    [InlineData(0.001, 50.0, 0.0, 1557.0)]
    [InlineData(0.001, 50.0, 12.5, 1557.0)]
    [InlineData(2.0, 3e6, 0.0, 1557.0)]
    [InlineData(50.0, 0.001, 0.0, 1557.0)]
    [InlineData(50.0, 0.001, 12.5, 1557.0)]
    [InlineData(3e6, 2.0, 0.0, 1557.0)]
    public void Dropout_integral_far_outside_the_series_range_matches_the_closed_form(double alpha, double beta, double tx, double age)
    {
        // r + x = 1, s = 1: ∫ (β+τ)^{−2} (α+τ)^{−1} dτ, with d = |α−β| and w = min(α, β) + τ. For α < β the integrand
        // is 1/(w(d+w)²), whose antiderivative is [ln(w/(d+w)) + d/(d+w)]/d²; for α > β it is 1/(w²(d+w)), with
        // −1/(d·w) + ln((d+w)/w)/d². z = d/(max(α, β)+t_x) is above 0.999, where the series needs thousands of terms.
        var (m, d) = (Math.Min(alpha, beta), Math.Abs(alpha - beta));
        double F(double w) => alpha < beta
            ? (Math.Log(w / (d + w)) + (d / (d + w))) / (d * d)
            : (-1 / (d * w)) + (Math.Log((d + w) / w) / (d * d));
        var expected = Math.Log(F(m + age) - F(m + tx));

        Assert.Equal(expected, ParetoNbd.LogDropoutIntegral(1, alpha, 1, beta, tx, age), 1e-9);
    }

    [Theory]
    [InlineData(0.6, 0.0, 0.0)]
    [InlineData(0.6, 3.0, 10.0)]
    [InlineData(0.6, 40.0, 700.0)]
    public void Dropout_integral_at_a_dropout_shape_in_the_tens_of_thousands_agrees_with_the_series(double r, double x, double tx)
    {
        // Where a fit of a book read decades after its purchases wandered (s ≈ 4.8·10⁴, β ≈ 1.9·10⁶): q ln(d+e^v) is
        // near 10⁶ there. z ≈ 1 − 7·10⁻⁶ is still within the series' budget, so the series is an independent check.
        const double alpha = 14, s = 47_730, beta = 1.927e6, age = 1557;
        var series = ParetoNbd.LogDropoutSeries(r + x, alpha, s, beta, tx, age);

        var quadrature = Math.Log(s) + ParetoNbd.LogDropoutIntegral(r + x, alpha, s, beta, tx, age);

        Assert.Equal(series, quadrature, 1e-8);
    }

    [Fact]
    public void Fit_on_a_book_read_decades_after_its_purchases_fails_as_not_identified()
    {
        // A quarter of CDNOW_sample's customers as of 2026-12-05, 29 years after their last purchase. The likelihood
        // keeps rising as s and β grow together (dropout rates ever less heterogeneous), so it has no maximum: the fit
        // must say so rather than creep along that ridge (it ran for hours before the optimizer's stall and budget).
        var customers = CdnowSample.SummariesUpTo(new DateOnly(2026, 12, 5)).Where(c => c.Key % 4 == 1).Select(c => c.Value).ToList();
        var patterns = RfmPattern.Collapse(customers);
        double MeanLogLikelihood(double k) =>
            customers.Average(c => new ParetoNbdParameters(0.6, 14, 0.6 * k, 24 * k).LogLikelihood(c.Frequency, c.Recency, c.Age));

        var fit = ParetoNbd.Fit(patterns);

        Assert.True(MeanLogLikelihood(10) < MeanLogLikelihood(100) && MeanLogLikelihood(100) < MeanLogLikelihood(1000));
        Assert.False(fit.Converged);
        Assert.Matches("stationary|not identified|not positive definite", fit.FailureReason);
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
