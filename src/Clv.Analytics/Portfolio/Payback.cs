namespace Clv.Analytics.Portfolio;

/// <summary>The payback period of a group of new customers, from their gross profit by month since acquisition.</summary>
public static class Payback
{
    /// <summary>
    /// The first month m ≥ 1 at which Σ_{k&lt;m} (gross profit in month k ÷ customers observed in
    /// month k) reaches <paramref name="cac"/>, and how many months were observed. A customer
    /// observed for n months (months begun by the reference day, the acquisition month first) saw
    /// months 0..n − 1.
    /// </summary>
    /// <param name="monthProfit">Gross profit by month since acquisition (0 = the acquisition month).</param>
    /// <param name="observedFor">Customers observed for exactly k + 1 months, at index k; as long as <paramref name="monthProfit"/>.</param>
    /// <param name="cac">The acquisition cost per customer.</param>
    public static (int? Months, int Observed) Months(IReadOnlyList<decimal> monthProfit, IReadOnlyList<int> observedFor, decimal cac)
    {
        ArgumentNullException.ThrowIfNull(monthProfit);
        ArgumentNullException.ThrowIfNull(observedFor);
        var cumulative = 0m;
        var observedInMonth = observedFor.Sum();
        for (var m = 0; m < monthProfit.Count; m++)
        {
            // Customers observed for more than m months saw month m.
            cumulative += observedInMonth == 0 ? 0 : monthProfit[m] / observedInMonth;
            observedInMonth -= observedFor[m];
            if (cumulative >= cac)
            {
                return (m + 1, monthProfit.Count);
            }
        }

        return (null, monthProfit.Count);
    }
}
