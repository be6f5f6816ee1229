using Clv.Analytics.Cohorts;

namespace Clv.Analytics.Tests.Cohorts;

public sealed class CalendarPeriodsTests
{
    [Theory]
    [InlineData("2023-11-30", "2024-01-01", CalendarPeriod.Month, 2)] // Nov → Dec → Jan
    [InlineData("2023-11-01", "2023-11-30", CalendarPeriod.Month, 0)]
    [InlineData("2023-12-31", "2024-01-01", CalendarPeriod.Quarter, 1)] // Q4 → Q1
    [InlineData("2023-10-01", "2023-12-31", CalendarPeriod.Quarter, 0)]
    [InlineData("2023-03-31", "2024-04-01", CalendarPeriod.Quarter, 5)] // 2023-Q1 → 2024-Q2
    public void Periods_between_count_calendar_periods_not_elapsed_days(string from, string to, CalendarPeriod period, int expected)
    {
        Assert.Equal(expected, CalendarPeriods.Between(DateOnly.Parse(from, System.Globalization.CultureInfo.InvariantCulture), DateOnly.Parse(to, System.Globalization.CultureInfo.InvariantCulture), period));
    }

    [Fact]
    public void Labels_name_months_and_quarters()
    {
        Assert.Equal("1997-01", CalendarPeriods.Label(new DateOnly(1997, 1, 1), CalendarPeriod.Month));
        Assert.Equal("1997-Q3", CalendarPeriods.Label(CalendarPeriods.Start(new DateOnly(1997, 8, 15), CalendarPeriod.Quarter), CalendarPeriod.Quarter));
    }

    [Fact]
    public void A_cohort_with_no_activity_still_has_a_column_per_period_up_to_the_as_of_date()
    {
        var rows = CohortMatrix.Build(new Dictionary<DateOnly, int> { [new DateOnly(2024, 1, 1)] = 2 }, [], [], new DateOnly(2024, 3, 5), CalendarPeriod.Month, onOrAfter: false);

        var row = Assert.Single(rows);
        Assert.Equal([0, 0, 0], row.ActiveCustomers);
        Assert.Equal([0m, 0m, 0m], row.CumulativeNetRevenuePerCustomer);
    }
}
