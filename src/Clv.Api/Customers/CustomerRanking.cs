using Clv.Analytics.Portfolio;
using Clv.Data.Analytics.ReadModel;

namespace Clv.Api.Customers;

/// <summary>One customer's churn, spend trend and RFM scores, from their own days and the portfolio's rankings.</summary>
internal static class CustomerRanking
{
    /// <summary>
    /// The standing of <paramref name="customer"/> at <paramref name="cutoff"/> (null: every day),
    /// measured to <paramref name="reference"/>: churn and trend from <paramref name="days"/>, and the
    /// RFM scores of those figures against <paramref name="rankings"/>' quintile thresholds.
    /// </summary>
    public static CustomerStanding Standing(
        CustomerFact customer, IEnumerable<DayFact> days, DateOnly? cutoff, DateOnly reference, PortfolioSettings settings, Rankings rankings)
    {
        var own = CustomerStates.Compute(PortfolioFacts.Create(0, [customer], days, [], null), cutoff, reference, settings);
        var standing = own.Standing(0);
        if (standing.RfmSegment < 0)
        {
            return standing;
        }

        var (r, f, m) = rankings.Score(own.RecencyDays(0), own.PurchaseDays[0], own.NetRevenue[0]);
        return standing with { Recency = (byte)r, Frequency = (byte)f, Monetary = (byte)m, RfmSegment = (sbyte)Rfm.Segment(r, f, m) };
    }
}
