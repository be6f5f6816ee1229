using Clv.Analytics.Models;

namespace Clv.Analytics.Tests.Models;

public class GammaGammaTests
{
    [Fact]
    public void Log_likelihood_matches_hand_computation()
    {
        // p = q = γ = 1, x = 1, m = 1: Γ(2)/(Γ(1)Γ(1)) · γ^q m^0 x^1 / (γ + x m)^2 = 1/4.
        Assert.Equal(Math.Log(0.25), new GammaGammaParameters(1, 1, 1).LogLikelihood(1, 1), 12);
    }

    [Fact]
    public void Conditional_expected_spend_weighs_population_mean_and_customer_mean()
    {
        // p(γ + x m)/(px + q − 1) = 2 · 30 / 4 = 15 for p = 2, q = 3, γ = 10, x = 1, m = 20;
        // equivalently (q−1)/(px+q−1) · pγ/(q−1) + px/(px+q−1) · m = 1/2 · 10 + 1/2 · 20.
        var model = new GammaGammaParameters(2, 3, 10);

        Assert.Equal(15, model.ConditionalExpectedAverageSpend(1, 20), 12);
        Assert.Equal(10, model.PopulationMeanSpend, 12);
    }

    [Fact]
    public void Analytic_gradient_matches_central_differences()
    {
        var data = new GammaGamma.SpendSet([new(1, 20, 3), new(2, 35.5, 1), new(7, 12.25, 2), new(1, 80, 1)]);
        double[] theta = [4.0, 2.5, 12.0];
        var analytic = new double[3];
        GammaGamma.MeanNegativeLogLikelihood(data, theta, analytic);

        for (var i = 0; i < 3; i++)
        {
            var numeric = BgNbdTests.CentralDifference(t => GammaGamma.MeanNegativeLogLikelihood(data, t, []), theta, i);
            Assert.Equal(numeric, analytic[i], 1e-7);
        }
    }

    [Fact]
    public void Fit_without_repeat_customers_is_reported_as_failed()
    {
        var fit = GammaGamma.Fit([new SpendPattern(0, 0, 5), new SpendPattern(2, 0, 1)]);

        Assert.False(fit.Converged);
        Assert.Null(fit.Parameters);
        Assert.Equal(0, fit.Observations);
    }

    [Fact]
    public void Fit_on_nan_data_is_reported_as_failed()
    {
        var fit = GammaGamma.Fit([new SpendPattern(double.NaN, double.NaN, 1), new SpendPattern(2, 30, 1)]);

        Assert.False(fit.Converged);
        Assert.Null(fit.Parameters);
    }
}
