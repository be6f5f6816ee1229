using Clv.Analytics.ModelRuns;
using Clv.Analytics.Models;
using Clv.Analytics.Predictions;

namespace Clv.Analytics.Tests.ModelRuns;

/// <summary>
/// The start-up warm-up goes through every stage of a model run's computation that the first run
/// would otherwise compile: it fits, predicts, and draws intervals for each of its made-up customers.
/// A book the bootstrap cannot draw from (a covariance that is not positive definite) would give none.
/// </summary>
public sealed class ModelRunWarmupTests
{
    [Fact]
    public void The_warm_up_fits_predicts_and_gives_every_made_up_customer_intervals()
    {
        var projection = new ClvProjection(HorizonMonths: 12, MonthlyDiscountRate: 0.01, TimeUnit.Weeks);

        Assert.Equal(
            ModelRunWarmup.Customers,
            ModelRunWarmup.Run([ModelNames.BgNbd, ModelNames.GammaGamma], ModelNames.BgNbd, projection, new IntervalSettings(Level: 0.9, Draws: 200, Seed: 1)));
    }
}
