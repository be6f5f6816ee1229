using System.Globalization;
using Clv.Analytics.ModelRuns;
using Clv.Analytics.Models;

namespace Clv.Analytics.Tests.ModelRuns;

/// <summary>Calendar periods as BG/BB counts them, on dates whose weekdays and month ends are known.</summary>
public sealed class OpportunitiesTests
{
    [Theory]
    // 2024-01-01 is a Monday and 2024-01-07 a Sunday: one week; Monday 8 January starts the next.
    [InlineData("2024-01-01", "2024-01-07", 0)]
    [InlineData("2024-01-07", "2024-01-08", 1)]
    [InlineData("2023-12-31", "2024-01-01", 1)]
    public void Weeks_run_from_monday_to_sunday(string first, string second, long apart) =>
        Assert.Equal(apart, Opportunities.Period(Day(second), TimeUnit.Weeks) - Opportunities.Period(Day(first), TimeUnit.Weeks));

    [Theory]
    [InlineData("2001-12-31", "years", "2001-12-31")]  // the last day of 2001 makes 2001 whole
    [InlineData("2002-06-30", "years", "2001-12-31")]
    [InlineData("2024-02-28", "months", "2024-01-31")] // 2024 is a leap year: February is whole on the 29th
    [InlineData("2024-02-29", "months", "2024-02-29")]
    [InlineData("2024-01-31", "weeks", "2024-01-28")]  // Wednesday: the whole week before ends on Sunday the 28th
    [InlineData("2024-01-28", "weeks", "2024-01-28")]
    [InlineData("2024-01-31", "days", "2024-01-31")]
    public void The_last_whole_period_ends_on_or_before_the_end(string end, string unit, string lastDay)
    {
        var timeUnit = Enum.Parse<TimeUnit>(unit, ignoreCase: true);
        var last = Opportunities.LastWhole(Day(end), timeUnit);

        Assert.Equal(Day(lastDay), Opportunities.LastDay(last, timeUnit));
        Assert.Equal(last, Opportunities.Period(Day(lastDay), timeUnit));
    }

    [Fact]
    public void Consecutive_months_and_years_differ_by_one()
    {
        Assert.Equal(1, Opportunities.Period(new DateOnly(2024, 1, 1), TimeUnit.Months) - Opportunities.Period(new DateOnly(2023, 12, 31), TimeUnit.Months));
        Assert.Equal(1, Opportunities.Period(new DateOnly(2024, 1, 1), TimeUnit.Years) - Opportunities.Period(new DateOnly(2023, 12, 31), TimeUnit.Years));
    }

    private static DateOnly Day(string iso) => DateOnly.Parse(iso, CultureInfo.InvariantCulture);
}
