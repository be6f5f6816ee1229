namespace Clv.Api.Tests.Infrastructure;

/// <summary>
/// A clock that always says <paramref name="now"/>, so that "today" (the reporting day, the day
/// windows, what a future timestamp is) does not move while a test runs. Timers and timestamps stay
/// the system's: background services keep their pace.
/// </summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
