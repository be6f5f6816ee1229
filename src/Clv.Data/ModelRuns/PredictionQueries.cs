using Microsoft.EntityFrameworkCore;

namespace Clv.Data.ModelRuns;

/// <summary>A customer's prediction from the active run, with the run's options.</summary>
public sealed record ActivePrediction(CustomerPrediction Prediction, ModelRun Run);

/// <summary>Reads predictions of the active run.</summary>
public static class PredictionQueries
{
    /// <summary>The customer's prediction from the active run, or null before any run or for a customer it did not predict.</summary>
    public static async Task<ActivePrediction?> ActivePredictionAsync(this ClvDbContext db, long customerId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var found = await (
            from run in db.ModelRuns.AsNoTracking()
            where run.IsActive
            join prediction in db.CustomerPredictions.AsNoTracking() on run.Id equals prediction.RunId
            where prediction.CustomerId == customerId
            select new { prediction, run }).FirstOrDefaultAsync(cancellationToken);
        return found is null ? null : new ActivePrediction(found.prediction, found.run);
    }
}
