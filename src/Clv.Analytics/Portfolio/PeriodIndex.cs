using Clv.Analytics.Cohorts;

namespace Clv.Analytics.Portfolio;

/// <summary>
/// Maps day numbers to calendar period indexes (0 = the period holding the first day) by table
/// lookup, and period indexes back to their first days.
/// </summary>
public sealed class PeriodIndex
{
    private readonly int _firstDay;
    private readonly int[] _index;

    /// <summary>Covers the periods from the one holding <paramref name="first"/> to the one holding <paramref name="last"/>.</summary>
    public PeriodIndex(DateOnly first, DateOnly last, CalendarPeriod period)
    {
        var start = CalendarPeriods.Start(first, period);
        Count = Math.Max(0, CalendarPeriods.Between(start, last, period) + 1);
        Starts = new int[Count + 1];
        for (var k = 0; k <= Count; k++)
        {
            Starts[k] = CalendarPeriods.Add(start, k, period).DayNumber;
        }

        _firstDay = Starts[0];
        _index = new int[Starts[Count] - _firstDay];
        for (var k = 0; k < Count; k++)
        {
            Array.Fill(_index, k, Starts[k] - _firstDay, Starts[k + 1] - Starts[k]);
        }
    }

    /// <summary>Periods covered.</summary>
    public int Count { get; }

    /// <summary>First day number of period k; <c>Starts[Count]</c> is the day after the last period.</summary>
    public int[] Starts { get; }

    /// <summary>The index of the period holding <paramref name="day"/>; −1 before the first, <see cref="Count"/> after the last.</summary>
    public int Of(int day)
    {
        var offset = day - _firstDay;
        return offset < 0 ? -1 : offset >= _index.Length ? Count : _index[offset];
    }
}
