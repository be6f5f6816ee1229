namespace Clv.Data.Analytics.ReadModel;

/// <summary>
/// The parts of a segments computation that read more than each customer's totals, where
/// segments read every customer (<see cref="SegmentQueries.ComputeAsync"/>): a question that shows
/// none of a part's figures leaves it out (the API's <c>fields</c>), and those figures are then
/// meaningless: the API does not show them. Every other figure is the same either way. The group
/// rollup's cells answer every part at little cost, so they compute them all.
/// </summary>
[Flags]
public enum SegmentParts
{
    /// <summary>Each customer's totals only: customers, net revenue and predictions.</summary>
    None = 0,

    /// <summary>The last complete period's days: active customers, retention and the churn rate.</summary>
    Activity = 1,

    /// <summary>The middle net revenues: the median historical CLV, a sort per group.</summary>
    Middles = 2,

    /// <summary>The formula CLV's sums over the 12 complete months: their days and alive spells.</summary>
    Formula = 4,

    /// <summary>
    /// What each customer's totals say of them beyond the sums: repeat buyers, churned customers
    /// (by the churn window and by the model), and new customers with their gross profit and
    /// predictions (CAC, CLV:CAC, payback). Segments compute it wherever spend is recorded, as
    /// the health bands, always shown, need it there.
    /// </summary>
    Lifecycle = 8,

    /// <summary>Every figure.</summary>
    All = Activity | Middles | Formula | Lifecycle,
}
