using System.Globalization;
using Clv.Analytics.Historical;
using Clv.Api.Errors;
using Microsoft.Extensions.Options;

namespace Clv.Api.ModelRuns;

/// <summary>Settings under <c>Clv:ModelRuns</c>.</summary>
public sealed class ModelRunScheduleOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Clv:ModelRuns";

    /// <summary>
    /// A time of day, <c>HH:mm</c> in the reporting time zone, at which a run with the default
    /// options is started every day; empty (the default) turns the schedule off.
    /// </summary>
    public string? Schedule { get; set; }
}

/// <summary>Starts a default model run every day at <see cref="ModelRunScheduleOptions.Schedule"/>.</summary>
internal sealed class ModelRunScheduler(
    IOptions<ModelRunScheduleOptions> schedule,
    IOptions<ClvOptions> clv,
    IServiceScopeFactory scopes,
    TimeProvider time,
    ILogger<ModelRunScheduler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (string.IsNullOrWhiteSpace(schedule.Value.Schedule))
        {
            return;
        }

        if (!TimeOnly.TryParseExact(schedule.Value.Schedule, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
        {
            logger.LogError("Clv:ModelRuns:Schedule {Schedule} is not a time as HH:mm; scheduled runs are off", schedule.Value.Schedule);
            return;
        }

        var last = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            // From the slot just taken at the earliest: a delay that ends a little before its slot
            // by the clock must not take the same slot twice.
            var next = NextOccurrence(now > last ? now : last, at, clv.Value.TimeZone);
            last = next;
            logger.LogInformation("Next scheduled model run at {Next:O}", next);
            await Task.Delay(next - now, time, stoppingToken);
            try
            {
                await QueueRunAsync(stoppingToken);
            }
            catch (ClvProblemException e)
            {
                // The queue is full (Clv:ModelRuns:MaxQueued): the runs in it are as recent.
                logger.LogWarning("Scheduled model run skipped: {Detail}", e.Detail);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // An exception leaving ExecuteAsync stops the whole host (.NET's default), so a
                // database down at the scheduled minute would take every endpoint with it. This
                // slot is lost; the next one tries again.
                logger.LogError(e, "Could not queue the scheduled model run; the next slot tries again");
            }
        }
    }

    private async Task QueueRunAsync(CancellationToken stoppingToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var launcher = scope.ServiceProvider.GetRequiredService<ModelRunLauncher>();
        var (options, errors) = launcher.Resolve(new ModelRunRequest());
        if (errors.Count == 0)
        {
            var id = await launcher.StartAsync(options with { Trigger = ModelRunTriggers.Schedule }, stoppingToken);
            logger.LogInformation("Scheduled model run {RunId} queued", id);
        }
    }

    /// <summary>The next instant after <paramref name="now"/> whose local time in the zone is <paramref name="at"/>.</summary>
    public static DateTimeOffset NextOccurrence(DateTimeOffset now, TimeOnly at, TimeZoneInfo zone)
    {
        var day = HistoricalClvCalculator.LocalDate(now, zone);
        for (var i = 0; i < 3; i++, day = day.AddDays(1))
        {
            var local = day.ToDateTime(at, DateTimeKind.Unspecified);
            var candidate = new DateTimeOffset(local, zone.GetUtcOffset(local));
            if (candidate > now)
            {
                return candidate;
            }
        }

        return now.AddDays(1);
    }
}
