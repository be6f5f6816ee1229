namespace Clv.Analytics.Models;

/// <summary>
/// A recency-frequency pattern shared by <see cref="Weight"/> customers: the sufficient statistic of the
/// "buy till you die" purchase models. Times are in the run's time unit (see <see cref="TimeUnit"/>).
/// </summary>
/// <param name="Frequency">x: repeat purchases (distinct purchase days minus one).</param>
/// <param name="Recency">t_x: time from the first to the last purchase; 0 when x = 0.</param>
/// <param name="Age">T: time from the first purchase to the end of the calibration period.</param>
/// <param name="Weight">How many customers share the pattern (1 for a single customer).</param>
public readonly record struct RfmPattern(double Frequency, double Recency, double Age, double Weight)
{
    /// <summary>
    /// Collapses customers into distinct weighted patterns, summing the weights of identical
    /// (x, t_x, T), so that fitting costs grow with distinct patterns rather than customers.
    /// Patterns keep the order in which they are first seen.
    /// </summary>
    /// <param name="customers">One entry per customer (weight 1) or already weighted patterns.</param>
    public static IReadOnlyList<RfmPattern> Collapse(IEnumerable<RfmPattern> customers)
    {
        ArgumentNullException.ThrowIfNull(customers);
        var index = new Dictionary<(double, double, double), int>();
        var result = new List<RfmPattern>();
        foreach (var c in customers)
        {
            var key = (c.Frequency, c.Recency, c.Age);
            if (index.TryGetValue(key, out var i))
            {
                result[i] = result[i] with { Weight = result[i].Weight + c.Weight };
            }
            else
            {
                index.Add(key, result.Count);
                result.Add(c);
            }
        }

        return result;
    }

    /// <summary>Collapses customer summaries (each of weight 1) into distinct weighted patterns.</summary>
    /// <param name="customers">The customers' summaries.</param>
    public static IReadOnlyList<RfmPattern> Collapse(IEnumerable<RfmSummary> customers)
    {
        ArgumentNullException.ThrowIfNull(customers);
        return Collapse(customers.Select(c => c.ToPattern()));
    }
}
