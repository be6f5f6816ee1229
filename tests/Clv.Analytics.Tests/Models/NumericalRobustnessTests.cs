using Clv.Analytics.Models;

namespace Clv.Analytics.Tests.Models;

/// <summary>The likelihoods and predictions stay finite far from typical data and parameters.</summary>
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
        AssertFiniteOverHistories(model, model.LogLikelihood, r, alpha);
    }

    [Theory]
    [MemberData(nameof(ParameterGrid))]
    public void ModifiedBgNbd_values_are_finite_for_extreme_parameters(double r, double alpha, double a, double b)
    {
        var model = new ModifiedBgNbdParameters(r, alpha, a, b);
        AssertFiniteOverHistories(model, model.LogLikelihood, r, alpha);
    }

    [Theory]
    [MemberData(nameof(ParameterGrid))]
    public void ParetoNbd_values_are_finite_for_extreme_parameters(double r, double alpha, double s, double beta)
    {
        var model = new ParetoNbdParameters(r, alpha, s, beta);
        AssertFiniteOverHistories(model, model.LogLikelihood, r, alpha);
    }

    private static void AssertFiniteOverHistories(IPurchaseModel model, Func<double, double, double, double> logLikelihood, double r, double alpha)
    {
        foreach (var (x, tx, age) in Histories)
        {
            AssertFinite(logLikelihood(x, tx, age), $"LL {model} {(x, tx, age)}");
            AssertProbability(model.ProbabilityAlive(x, tx, age), $"P(alive) {model} {(x, tx, age)}");
            AssertExpectation(model.ConditionalExpectedPurchases(39, x, tx, age), r, alpha, $"E {model} {(x, tx, age)}");
        }
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

    /// <summary>
    /// The BG/NBD-family expectation is a ₂F₁ series; with a purchase-rate shape r near 10⁶, or z = t/(α+T+t)
    /// within about 10⁻⁵ of 1 (α = 10⁻⁶ with T = 10⁻³), it needs more terms than its budget, and then says NaN
    /// rather than a wrong number. Elsewhere on the grid it must be a finite, non-negative number.
    /// </summary>
    private static void AssertExpectation(double value, double r, double alpha, string what)
    {
        if (r < 1e6 && alpha > 1e-6)
        {
            AssertNonNegativeFinite(value, what);
        }
        else
        {
            Assert.True(double.IsNaN(value) || (double.IsFinite(value) && value >= 0), $"{what} = {value}");
        }
    }

    private static void AssertFinite(double value, string what) => Assert.True(double.IsFinite(value), $"{what} = {value}");

    private static void AssertProbability(double value, string what) => Assert.True(value is >= 0 and <= 1, $"{what} = {value}");

    private static void AssertNonNegativeFinite(double value, string what) => Assert.True(double.IsFinite(value) && value >= 0, $"{what} = {value}");
}
