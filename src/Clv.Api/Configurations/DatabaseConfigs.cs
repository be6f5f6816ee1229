using Clv.Data;
using Clv.Data.Infrastructure;
using Clv.Data.Rollups;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Clv.Api.Configurations;

internal static class DatabaseConfigs
{
    public static IServiceCollection AddClvDatabase(this IServiceCollection services)
    {
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddDbContextPool<ClvDbContext>((provider, options) =>
        {
            var connectionString = provider.GetRequiredService<IConfiguration>().GetConnectionString("Clv");
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException("ConnectionStrings:Clv is not set (environment variable ConnectionStrings__Clv).");
            }

            var database = provider.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            ClvDbContext.Configure(options, connectionString, database.CommandTimeoutSeconds, database.MaxPoolSize);
        });
        services.AddSingleton(provider =>
        {
            var database = provider.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            return new TransientRetry(
                new TransientRetrySettings(database.RetryAttempts, TimeSpan.FromMilliseconds(database.RetryBaseDelayMilliseconds)),
                provider.GetRequiredService<ILogger<TransientRetry>>(),
                provider.GetRequiredService<TimeProvider>());
        });
        return services;
    }

    /// <summary>
    /// Applies pending migrations when <c>Database:MigrateOnStartup</c> is set, then partitions the
    /// customer-keyed tables when <c>Database:CustomerPartitions</c> asks for it.
    /// </summary>
    public static async Task MigrateIfConfiguredAsync(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        if (!options.MigrateOnStartup)
        {
            return;
        }

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ClvDbContext>();
        await db.Database.MigrateAsync();
        if (options.CustomerPartitions >= 2)
        {
            await db.Database.OpenConnectionAsync();
            try
            {
                var partitioned = await CustomerPartitioning.EnsureAsync((NpgsqlConnection)db.Database.GetDbConnection(), options.CustomerPartitions, CancellationToken.None);
                if (partitioned.Count > 0)
                {
                    app.Logger.LogWarning("Partitioned {Tables} into {Partitions} hash partitions by customer id", partitioned, options.CustomerPartitions);
                }
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        }
    }

    /// <summary>
    /// Rebuilds the day rollup and the summaries when they were computed in another time zone
    /// than <c>Clv:ReportingTimeZone</c> (the setting was changed), before requests are served.
    /// </summary>
    public static async Task EnsureRollupTimeZoneAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var rebuilder = scope.ServiceProvider.GetRequiredService<RollupRebuilder>();
        var timeZone = app.Services.GetRequiredService<IOptions<ClvOptions>>().Value.ReportingTimeZone;
        var logger = app.Services.GetRequiredService<ILogger<RollupRebuilder>>();
        try
        {
            if (await rebuilder.EnsureTimeZoneAsync(timeZone, app.Services.GetRequiredService<TimeProvider>().GetUtcNow(), CancellationToken.None))
            {
                logger.LogWarning("Rebuilt the day rollup and customer summaries for reporting time zone {TimeZone}", timeZone);
            }

            if (await rebuilder.EnsurePeriodRollupsAsync(app.Services.GetRequiredService<IOptions<ClvOptions>>().Value.ChurnWindowDays, CancellationToken.None))
            {
                logger.LogWarning("Built the group rollup of cohorts and periods");
            }
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            logger.LogWarning("The database is not migrated; the rollup time zone is checked at the next start");
        }
    }
}
