using Clv.Analytics.Cohorts;

namespace Clv.Analytics.Portfolio;

/// <summary>
/// The simple CLV of subscription tools and the field's articles, ARPU per month × gross margin ÷
/// monthly churn rate, over the 12 complete calendar months up to the as-of day (docs/metrics.md,
/// "Formula CLV"). Both rates are over the same customer-months, those of the customer churn rate:
/// a customer counts in month m when not churned at its start.
/// </summary>
public static class FormulaClv
{
    /// <summary>How many complete months the inputs are measured over.</summary>
    public const int Months = 12;

    /// <summary>The 12 complete months ending on or before <paramref name="reference"/>: their first days, oldest first, and the last day of the latest.</summary>
    /// <param name="reference">The as-of day.</param>
    public static (int[] Starts, int Last) Window(DateOnly reference)
    {
        var (first, last) = CustomerActivity.LastCompletePeriod(reference, CalendarPeriod.Month);
        var latest = DateOnly.FromDayNumber(first);
        var starts = new int[Months];
        for (var k = 0; k < Months; k++)
        {
            starts[k] = CalendarPeriods.Add(latest, k - (Months - 1), CalendarPeriod.Month).DayNumber;
        }

        return (starts, last);
    }

    /// <summary>
    /// One customer's part of the inputs: their net revenue on the window's days, the months of it
    /// they were not churned at the start of, and those months in which they became churned
    /// (<see cref="CustomerActivity.ChurnIn"/>, month by month).
    /// </summary>
    /// <param name="facts">The portfolio.</param>
    /// <param name="customer">The customer's index.</param>
    /// <param name="cutoff">The last day whose rows count.</param>
    /// <param name="window">The window, from <see cref="Window"/>.</param>
    /// <param name="churnWindowDays">Days without activity after which a customer is churned.</param>
    public static FormulaClvInputs Of(PortfolioFacts facts, int customer, int cutoff, (int[] Starts, int Last) window, int churnWindowDays)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var net = 0m;
        for (var d = facts.DayStart[customer]; d < facts.DayStart[customer + 1]; d++)
        {
            if (facts.Day[d] >= window.Starts[0] && facts.Day[d] <= window.Last && facts.Day[d] <= cutoff)
            {
                net += facts.NetRevenue[d];
            }
        }

        var (atRisk, churned) = (0, 0);
        for (var k = 0; k < window.Starts.Length; k++)
        {
            var last = k + 1 < window.Starts.Length ? window.Starts[k + 1] - 1 : window.Last;
            var outcome = CustomerActivity.ChurnIn(facts, customer, window.Starts[k], last, churnWindowDays);
            atRisk += outcome == ChurnOutcome.NotAtRisk ? 0 : 1;
            churned += outcome == ChurnOutcome.Churned ? 1 : 0;
        }

        return new FormulaClvInputs(net, atRisk, churned);
    }
}

/// <summary>
/// The sums behind a segment's formula CLV over the 12 complete months up to the as-of day
/// (<see cref="FormulaClv"/>).
/// </summary>
/// <param name="NetRevenue">Net revenue (purchases − refunds) on the window's days.</param>
/// <param name="CustomerMonths">Σ over the months of the customers not churned at the month's start: the customer churn rate's denominators.</param>
/// <param name="ChurnedCustomers">Σ over the months of those who became churned during it: its numerators.</param>
public sealed record FormulaClvInputs(decimal NetRevenue, long CustomerMonths, long ChurnedCustomers)
{
    /// <summary>No customer-month.</summary>
    public static FormulaClvInputs None { get; } = new(0m, 0, 0);

    /// <summary>ARPU per month: net revenue ÷ customer-months, 4 decimals; null without a customer-month.</summary>
    public decimal? ArpuMonthly => CustomerMonths == 0 ? null : Math.Round(NetRevenue / CustomerMonths, 4, MidpointRounding.AwayFromZero);

    /// <summary>The monthly churn rate: customers who became churned ÷ customer-months; null without a customer-month.</summary>
    public double? MonthlyChurnRate => CustomerMonths == 0 ? null : (double)ChurnedCustomers / CustomerMonths;

    /// <summary>
    /// ARPU per month × <paramref name="grossMargin"/> ÷ monthly churn rate, that is net revenue ×
    /// margin ÷ churned customers, computed exactly and rounded to 4 decimals; null when the churn
    /// rate is 0 or unknown.
    /// </summary>
    /// <param name="grossMargin">The gross margin, in (0, 1].</param>
    public decimal? Clv(decimal grossMargin) =>
        CustomerMonths == 0 || ChurnedCustomers == 0 ? null : Math.Round(NetRevenue * grossMargin / ChurnedCustomers, 4, MidpointRounding.AwayFromZero);

    /// <summary>The sums of two parts.</summary>
    public static FormulaClvInputs operator +(FormulaClvInputs a, FormulaClvInputs b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return new FormulaClvInputs(a.NetRevenue + b.NetRevenue, a.CustomerMonths + b.CustomerMonths, a.ChurnedCustomers + b.ChurnedCustomers);
    }

    /// <summary>The sums of two parts.</summary>
    public static FormulaClvInputs Add(FormulaClvInputs a, FormulaClvInputs b) => a + b;
}
