namespace Clv.Analytics.Cohorts;

/// <summary>Activity of one cohort in one calendar period.</summary>
/// <param name="Cohort">Start of the cohort's period.</param>
/// <param name="Period">Start of the calendar period.</param>
/// <param name="ActiveCustomers">Customers of the cohort with a purchase in the period.</param>
/// <param name="NetRevenue">The cohort's purchases less refunds in the period.</param>
public readonly record struct CohortActivity(DateOnly Cohort, DateOnly Period, int ActiveCustomers, decimal NetRevenue);

/// <summary>How many customers of a cohort made their last purchase in a period (null: never purchased).</summary>
public readonly record struct CohortLastPurchase(DateOnly Cohort, DateOnly? Period, int Customers);

/// <summary>One row of the cohort matrix: columns are periods k = 0, 1, … since acquisition.</summary>
/// <param name="Cohort">Start of the cohort's period.</param>
/// <param name="Size">Customers acquired in it.</param>
/// <param name="ActiveCustomers">Customers with a purchase in period k (or in k or later, for the on-or-after variant).</param>
/// <param name="Retention">ActiveCustomers[k] / Size.</param>
/// <param name="NetRevenue">Net revenue in period k.</param>
/// <param name="CumulativeNetRevenuePerCustomer">Σ NetRevenue[0..k] / Size: the cohort's CLV curve.</param>
public sealed record CohortRow(
    DateOnly Cohort,
    int Size,
    int[] ActiveCustomers,
    double[] Retention,
    decimal[] NetRevenue,
    decimal[] CumulativeNetRevenuePerCustomer);

/// <summary>Builds the cohort matrix (rows: cohorts; columns: periods since acquisition) from set-based counts.</summary>
public static class CohortMatrix
{
    /// <summary>
    /// Builds one row per cohort with columns k = 0 .. (period of <paramref name="asOf"/> − cohort).
    /// Activity before a customer's acquisition period (k &lt; 0) is left out.
    /// </summary>
    /// <param name="sizes">Customers per cohort.</param>
    /// <param name="activity">Active customers and net revenue per cohort and period.</param>
    /// <param name="lastPurchases">Customers per cohort and period of last purchase, for the on-or-after variant.</param>
    /// <param name="asOf">The last day counted; its period is the last column.</param>
    /// <param name="period">Months or quarters.</param>
    /// <param name="onOrAfter">Count a customer as retained in k when they purchased in k or any later period.</param>
    public static List<CohortRow> Build(
        IReadOnlyDictionary<DateOnly, int> sizes,
        IEnumerable<CohortActivity> activity,
        IEnumerable<CohortLastPurchase> lastPurchases,
        DateOnly asOf,
        CalendarPeriod period,
        bool onOrAfter)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        ArgumentNullException.ThrowIfNull(activity);
        ArgumentNullException.ThrowIfNull(lastPurchases);
        var rows = new Dictionary<DateOnly, (int[] Active, decimal[] Net)>();
        foreach (var (cohort, _) in sizes)
        {
            var columns = Math.Max(CalendarPeriods.Between(cohort, asOf, period) + 1, 0);
            rows[cohort] = (new int[columns], new decimal[columns]);
        }

        foreach (var a in activity)
        {
            var k = CalendarPeriods.Between(a.Cohort, a.Period, period);
            if (rows.TryGetValue(a.Cohort, out var row) && k >= 0 && k < row.Net.Length)
            {
                row.Net[k] += a.NetRevenue;
                if (!onOrAfter)
                {
                    row.Active[k] += a.ActiveCustomers;
                }
            }
        }

        if (onOrAfter)
        {
            // Retained in k when the last purchase is in k or later: suffix sums of last-purchase counts.
            foreach (var last in lastPurchases)
            {
                if (last.Period is not { } p || !rows.TryGetValue(last.Cohort, out var row))
                {
                    continue;
                }

                var k = Math.Min(CalendarPeriods.Between(last.Cohort, p, period), row.Active.Length - 1);
                for (var j = 0; j <= k; j++)
                {
                    row.Active[j] += last.Customers;
                }
            }
        }

        return sizes.OrderBy(s => s.Key).Select(s =>
        {
            var (active, net) = rows[s.Key];
            var cumulative = new decimal[net.Length];
            decimal sum = 0;
            for (var k = 0; k < net.Length; k++)
            {
                sum += net[k];
                cumulative[k] = s.Value == 0 ? 0 : Math.Round(sum / s.Value, 4, MidpointRounding.AwayFromZero);
            }

            return new CohortRow(s.Key, s.Value, active, active.Select(a => s.Value == 0 ? 0 : (double)a / s.Value).ToArray(), net, cumulative);
        }).ToList();
    }
}
