using Clv.Analytics.Models;
using Clv.Analytics.Predictions;

namespace Clv.Analytics.Tests.Models;

/// <summary>
/// A forecast takes E[X] at the horizon in the same call as the monthly expectations of the CLV, and gives what
/// each figure gives when asked on its own, to the bit.
/// </summary>
public class ForecastTests
{
    public static TheoryData<double, double, double, double> Parameters => new()
    {
        { 0.243, 4.414, 0.793, 2.426 }, // CDNOW, Fader, Hardie & Lee (2005)
        { 0.3, 5.0, 2.5, 3.0 },
        { 60.0, 2.0, 0.9, 0.05 },
    };

    [Theory]
    [MemberData(nameof(Parameters))]
    public void A_forecast_gives_what_each_figure_gives_alone(double r, double alpha, double a, double b)
    {
        var model = new BgNbdParameters(r, alpha, a, b);
        var projection = new ClvProjection(12, 0.01, TimeUnit.Weeks);
        var horizon = PortfolioPredictor.HorizonOf(projection);
        foreach (var (x, tx, age) in new (double, double, double)[] { (0, 0, 38), (2, 30.43, 38.86), (40, 70, 78) })
        {
            var (purchases, alive, discounted) = PortfolioPredictor.Forecast(model, x, tx, age, projection);
            Assert.Equal(model.ConditionalExpectedPurchases(horizon, x, tx, age), purchases);
            Assert.Equal(model.ProbabilityAlive(x, tx, age), alive);
            Assert.Equal(ClvCalculator.PredictedRevenue(model, 1.0, x, tx, age, projection), discounted);
        }
    }
}
