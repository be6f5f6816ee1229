using System.Globalization;
using Clv.Api.ModelRuns;

namespace Clv.Api.Tests.ModelRuns;

public sealed class ModelRunSchedulerTests
{
    private static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture);

    [Fact]
    public void Next_run_is_later_today_when_the_time_has_not_passed()
    {
        Assert.Equal(At("2024-05-01T02:00:00Z"), ModelRunScheduler.NextOccurrence(At("2024-05-01T01:30:00Z"), new TimeOnly(2, 0), TimeZoneInfo.Utc));
    }

    [Fact]
    public void Next_run_is_tomorrow_once_the_time_has_passed()
    {
        Assert.Equal(At("2024-05-02T02:00:00Z"), ModelRunScheduler.NextOccurrence(At("2024-05-01T02:00:00Z"), new TimeOnly(2, 0), TimeZoneInfo.Utc));
    }

    [Fact]
    public void Next_run_follows_the_reporting_time_zone()
    {
        // 02:00 in New York on 2024-05-01 (EDT, UTC-4) is 06:00Z.
        var newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        Assert.Equal(At("2024-05-01T06:00:00Z"), ModelRunScheduler.NextOccurrence(At("2024-05-01T05:00:00Z"), new TimeOnly(2, 0), newYork));
    }
}
