using Clv.Analytics.ModelRuns;
using Clv.Analytics.Models;
using Clv.Analytics.Predictions;
using Clv.Analytics.Tests.Models;

namespace Clv.Analytics.Tests.Predictions;

/// <summary>
/// The bootstrap evaluates a model's expectation if alive once per (x, T) and draw, each pattern's forecast being
/// that times its P(alive). Its intervals must be the ones a forecast of every pattern on its own gives, to the bit:
/// the same models, wrapped so that they do not offer the factored form, take the pattern-by-pattern path.
/// </summary>
public class FactoredIntervalsTests
{
    public static TheoryData<string> Models => [ModelNames.BgNbd, ModelNames.ModifiedBgNbd, ModelNames.ParetoNbd];

    [Theory]
    [MemberData(nameof(Models))]
    public void Intervals_shared_by_x_and_T_equal_those_of_each_pattern_alone(string model)
    {
        // CDNOW_sample in weeks: 2,357 customers, most of whom share x and T with others of another t_x.
        var portfolio = new ModelRunPortfolio(TimeUnit.Weeks);
        foreach (var (id, c) in CdnowSample.ById)
        {
            portfolio.Add(id, c.Frequency, c.Recency, c.Age, (double)c.MonetaryValue, double.NaN);
        }

        var shared = portfolio.Patterns().Select(p => (p.Frequency, p.Age)).Distinct().Count();
        Assert.InRange(shared, 100, portfolio.Patterns().Count / 2);

        var fits = ModelRunFits.Fit(portfolio, [model, ModelNames.GammaGamma], model, penalizer: 0);
        var projection = new ClvProjection(12, 0.01, TimeUnit.Weeks);
        var settings = new IntervalSettings(0.9, 50, Seed: 7);
        var factored = fits.Bootstrap(projection, settings)!;
        var purchases = fits.PrimaryUncertainty!;
        var alone = PredictionBootstrap.Draw(
            purchases with { Create = theta => new PatternByPattern(purchases.Create(theta)) }, fits.SpendUncertainty!, projection, settings)!;
        Assert.True(factored.Purchases[0].TryExpectedPurchasesIfAlive([1.0], 1, 10, new double[1]));
        Assert.False(alone.Purchases[0].TryExpectedPurchasesIfAlive([1.0], 1, 10, new double[1]));

        CustomerGrouping[] groupings = [new("parity", id => (id % 2).ToString(System.Globalization.CultureInfo.InvariantCulture))];
        var expected = portfolio.Intervals(alone, groupings);
        var actual = portfolio.Intervals(factored, groupings);

        Assert.Equal(expected.ClvLower, actual.ClvLower);
        Assert.Equal(expected.ClvUpper, actual.ClvUpper);
        Assert.Equal(expected.PurchasesLower, actual.PurchasesLower);
        Assert.Equal(expected.PurchasesUpper, actual.PurchasesUpper);
        Assert.Equal(expected.AliveLower, actual.AliveLower);
        Assert.Equal(expected.AliveUpper, actual.AliveUpper);
        Assert.Equal(expected.Equity, actual.Equity);
        Assert.Equal(3, actual.Equity.Count);
        Assert.All(actual.ClvUpper, upper => Assert.True(upper > 0));
    }

    // The model, less its factored form: every forecast is made pattern by pattern.
    private sealed class PatternByPattern(IPurchaseModel model) : IPurchaseModel
    {
        public double ConditionalExpectedPurchases(double t, double frequency, double recency, double age) =>
            model.ConditionalExpectedPurchases(t, frequency, recency, age);

        public double ProbabilityAlive(double frequency, double recency, double age) => model.ProbabilityAlive(frequency, recency, age);

        public void CumulativeExpectedPurchases(ReadOnlySpan<double> times, double frequency, double recency, double age, Span<double> destination) =>
            model.CumulativeExpectedPurchases(times, frequency, recency, age, destination);
    }
}
