using System.Globalization;
using Clv.Analytics.Models;
using Clv.Analytics.Predictions;

namespace Clv.Analytics.ModelRuns;

/// <summary>
/// A model run's computation (the BG/NBD and Gamma-Gamma fits, the predictions and the bootstrap's
/// intervals), run once over a small made-up book when the service starts, with a default run's
/// projection and interval settings, so that the process's first run executes code already compiled
/// and optimized instead of paying for that itself: about a second of the first run after a ×40
/// import went there (docs/benchmarks.md). Nothing is read or stored.
/// </summary>
public static class ModelRunWarmup
{
    /// <summary>The made-up book's customers: enough distinct patterns to call each per-pattern method far more often than tiered compilation's 30 calls.</summary>
    public const int Customers = 2_000;

    /// <summary>Runs the computation of a run of <paramref name="models"/>; returns the customers given intervals (all of them, unless the bootstrap could not draw).</summary>
    public static int Run(
        IReadOnlyList<string> models, string primaryModel, ClvProjection projection, IntervalSettings intervals, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(projection);
        var portfolio = new ModelRunPortfolio(projection.TimeUnit);
        var random = new Random(20_261_206);
        for (var id = 1; id <= Customers; id++)
        {
            // Ages of 8 to 78 weeks; two in five customers come back, on up to 20 days, the last of them anywhere in their age.
            var age = random.Next(56, 547);
            var days = random.NextDouble() < 0.6 ? 1 : random.Next(2, 21);
            var recency = days == 1 ? 0 : random.Next(days - 1, age + 1);
            var spend = days == 1 ? 0 : 10 + (90 * random.NextDouble());
            portfolio.Add(new ModelInput(id, days, recency, age, spend, double.NaN));
        }

        var fits = ModelRunFits.Fit(portfolio, models, primaryModel, penalizer: 0, cancellationToken);
        portfolio.Predict(new PortfolioPredictor(fits.Primary, fits.Spend, projection), cancellationToken);
        if (fits.Bootstrap(projection, intervals) is not { } bootstrap)
        {
            return 0;
        }

        CustomerGrouping[] groupings = [new("acquisitionChannel", id => (id % 3).ToString(CultureInfo.InvariantCulture))];
        return portfolio.Intervals(bootstrap, groupings, cancellationToken).ClvLower.Count(double.IsFinite);
    }
}
