using Clv.Analytics.Models;
using Clv.Analytics.Predictions;

namespace Clv.Analytics.Tests.Models;

/// <summary>
/// The monthly expectations a CLV sums, taken in one pass over the series, equal the expectation at each time
/// taken on its own, to the last bit: the one-pass form only shares the terms' ratio between the times.
/// </summary>
public class CumulativeExpectationTests
{
    // Monthly points of a year in weeks and a very long time (z near 1); and the same with a zero first, which
    // is taken time by time.
    private static readonly double[] Months = [.. Enumerable.Range(1, 12).Select(k => k * 30.436875 / 7), 5_000];

    private static readonly double[][] TimeSets = [Months, [0, .. Months]];

    public static TheoryData<double, double, double, double> Parameters => new()
    {
        { 0.243, 4.414, 0.793, 2.426 }, // CDNOW, Fader, Hardie & Lee (2005): the scaled-series branch
        { 0.525, 6.183, 0.891, 1.614 }, // the modified model's CDNOW fit
        { 2.0, 10.0, 1.4, 0.3 },
        { 0.1, 1.0, 0.55, 40.0 },
        { 1.0, 3.0, 1.0, 2.0 }, // a = 1 exactly
        { 0.3, 5.0, 2.5, 3.0 }, // a far from 1: the original bracket's series
        { 0.9, 4.0, 0.3, 1.2 },
        { 60.0, 2.0, 0.9, 0.05 }, // A = a + b − 1 − r far below zero: the original bracket
        { 60.0, 2.0, 1.0002, 0.05 }, // and a within 10⁻³ of 1 there: time by time
    };

    [Theory]
    [MemberData(nameof(Parameters))]
    public void One_pass_equals_each_time_on_its_own(double r, double alpha, double a, double b)
    {
        IPurchaseModel[] models = [new BgNbdParameters(r, alpha, a, b), new ModifiedBgNbdParameters(r, alpha, a, b)];
        var patterns = new (double X, double Tx, double T)[] { (0, 0, 38), (1, 2, 38), (2, 30.43, 38.86), (7, 35, 39), (40, 70, 78) };
        foreach (var model in models)
        {
            foreach (var ((x, tx, age), times) in patterns.SelectMany(p => TimeSets.Select(t => (p, t))))
            {
                var together = new double[times.Length];
                model.CumulativeExpectedPurchases(times, x, tx, age, together);
                for (var i = 0; i < times.Length; i++)
                {
                    var alone = model.ConditionalExpectedPurchases(times[i], x, tx, age);
                    Assert.True(
                        BitConverter.DoubleToInt64Bits(alone) == BitConverter.DoubleToInt64Bits(together[i]),
                        $"{model.GetType().Name} ({r}, {alpha}, {a}, {b}) at x={x}, t_x={tx}, T={age}, t={times[i]}: {alone:R} alone, {together[i]:R} in one pass");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Parameters))]
    public void A_forecast_takes_the_horizon_with_the_months_and_gives_what_each_gives_alone(double r, double alpha, double a, double b)
    {
        var model = new BgNbdParameters(r, alpha, a, b);
        var projection = new ClvProjection(12, 0.01, TimeUnit.Weeks);
        var horizon = PortfolioPredictor.HorizonOf(projection);
        foreach (var (x, tx, age) in new (double, double, double)[] { (0, 0, 38), (2, 30.43, 38.86), (40, 70, 78) })
        {
            var (purchases, alive, discounted) = PortfolioPredictor.Forecast(model, horizon, x, tx, age, projection);
            Assert.Equal(model.ConditionalExpectedPurchases(horizon, x, tx, age), purchases);
            Assert.Equal(model.ProbabilityAlive(x, tx, age), alive);
            Assert.Equal(ClvCalculator.PredictedRevenue(model, 1.0, x, tx, age, projection), discounted);
        }
    }
}
