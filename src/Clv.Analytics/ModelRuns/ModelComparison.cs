using Clv.Analytics.Models;
using Clv.Analytics.Predictions;

namespace Clv.Analytics.ModelRuns;

/// <summary>
/// Every converged purchase model of a run against the same holdout, so that models are compared on
/// what they predicted and not only on their fit: the best is the one with the lowest mean absolute
/// error per customer (<see cref="HoldoutComparison.MeanAbsoluteError"/>).
/// </summary>
/// <param name="Holdouts">Each converged purchase model's holdout comparison, in the order the models were asked.</param>
/// <param name="BestModel">The model with the lowest holdout mean absolute error; the first asked on a tie.</param>
public sealed record ModelComparison(IReadOnlyList<KeyValuePair<string, HoldoutComparison>> Holdouts, string BestModel)
{
    /// <summary>Compares the purchase models of <paramref name="fits"/> over a holdout of <paramref name="length"/>.</summary>
    /// <param name="portfolio">The calibration portfolio the models were fitted on.</param>
    /// <param name="fits">The run's fits; at least its primary model converged.</param>
    /// <param name="projection">The run's projection.</param>
    /// <param name="actual">Purchases per customer in the holdout, counted as the models count them.</param>
    /// <param name="length">The holdout's length in the run's unit.</param>
    /// <param name="cancellationToken">Stops the comparison within <see cref="ModelRunPortfolio.CancellationStride"/> customers.</param>
    public static ModelComparison Holdout(
        ModelRunPortfolio portfolio, ModelRunFits fits, ClvProjection projection, IReadOnlyDictionary<long, int> actual, double length,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(portfolio);
        ArgumentNullException.ThrowIfNull(fits);
        List<KeyValuePair<string, HoldoutComparison>> holdouts = [.. fits.PurchaseModels.Select(model => KeyValuePair.Create(
            model.Key,
            portfolio.Holdout(new PortfolioPredictor(model.Value, fits.Spend, projection), actual, length, cancellationToken)))];
        return new ModelComparison(holdouts, Best(holdouts.Select(h => KeyValuePair.Create(h.Key, h.Value.MeanAbsoluteError)))!);
    }

    /// <summary>The model with the lowest mean absolute error, the first on a tie; null when there is none.</summary>
    /// <param name="meanAbsoluteErrors">Models and their holdout mean absolute errors, in the order asked.</param>
    public static string? Best(IEnumerable<KeyValuePair<string, double>> meanAbsoluteErrors)
    {
        ArgumentNullException.ThrowIfNull(meanAbsoluteErrors);
        string? best = null;
        var lowest = double.PositiveInfinity;
        foreach (var (model, error) in meanAbsoluteErrors)
        {
            if (error < lowest)
            {
                (best, lowest) = (model, error);
            }
        }

        return best;
    }

    /// <summary>The holdout comparison of <paramref name="model"/>; null when it did not converge or was not asked.</summary>
    public HoldoutComparison? Of(string model) => Holdouts.FirstOrDefault(h => h.Key == model).Value;
}
