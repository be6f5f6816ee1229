using Clv.Analytics.Cohorts;

namespace Clv.Analytics.Portfolio;

/// <summary>
/// Per customer: active in the last complete period of a kind (on or before the states'
/// reference day), active in the one before it, and what happened to their churn status in it.
/// </summary>
public sealed class PeriodActivity
{
    private PeriodActivity(int customers)
    {
        Active = new bool[customers];
        ActiveBefore = new bool[customers];
        Churn = new ChurnOutcome[customers];
    }

    /// <summary>Purchased in the last complete period.</summary>
    public bool[] Active { get; }

    /// <summary>Purchased in the period before it.</summary>
    public bool[] ActiveBefore { get; }

    /// <summary>Churn over the last complete period.</summary>
    public ChurnOutcome[] Churn { get; }

    /// <summary>Computes the activity of the included customers.</summary>
    public static PeriodActivity Compute(CustomerStates states, CalendarPeriod period)
    {
        ArgumentNullException.ThrowIfNull(states);
        var facts = states.Facts;
        var (first, last) = CustomerActivity.LastCompletePeriod(DateOnly.FromDayNumber(states.Reference), period);
        var (previousFirst, previousLast) = CustomerActivity.PreviousPeriod(first, period);
        var activity = new PeriodActivity(facts.Count);
        for (var i = 0; i < facts.Count; i++)
        {
            if (states.Included[i])
            {
                activity.Active[i] = CustomerActivity.PurchasedIn(facts, i, first, last);
                activity.ActiveBefore[i] = CustomerActivity.PurchasedIn(facts, i, previousFirst, previousLast);
                activity.Churn[i] = CustomerActivity.ChurnIn(facts, i, first, last, states.Settings.ChurnWindowDays);
            }
        }

        return activity;
    }
}
