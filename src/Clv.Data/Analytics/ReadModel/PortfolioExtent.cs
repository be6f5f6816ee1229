using Clv.Data.Rollups;
using Npgsql;

namespace Clv.Data.Analytics.ReadModel;

/// <summary>Portfolio-wide bounds an answer needs before it is computed: how many groups, and since when.</summary>
public static class PortfolioExtent
{
    /// <summary>
    /// Distinct acquisition channels among every customer and every spend row (<c>unattributed</c>
    /// counting as one): the groups of <c>by=acquisitionChannel</c>. Every customer is a member of
    /// one month cell of their channel in the group rollup, so once it is built the channels with
    /// members are counted there, from a few thousand cells instead of every customer.
    /// </summary>
    public static async Task<int> ChannelCountAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"""
            SELECT CASE WHEN {PeriodRollupCells.HoldsEveryCustomerSql}
                THEN (SELECT count(*)::int FROM (
                    SELECT channel FROM period_rollups WHERE period_kind = {PeriodRollups.Month} GROUP BY channel HAVING sum(members) <> 0
                    UNION SELECT channel FROM acquisition_spend) AS channels)
                ELSE (SELECT count(*)::int FROM (
                    SELECT DISTINCT coalesce(acquisition_channel, '{AnalyticsScope.Unattributed}') FROM customers
                    UNION SELECT channel FROM acquisition_spend) AS channels)
            END
            """,
            connection);
        return (int)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Distinct values of a free attribute among every customer (<c>unknown</c>, for customers without it, counting as one).</summary>
    public static async Task<int> AttributeValueCountAsync(NpgsqlConnection connection, string key, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT count(DISTINCT coalesce(attributes ->> @key, '{AnalyticsScope.Unknown}'))::int FROM customers", connection);
        command.Parameters.Add(new NpgsqlParameter("key", key));
        return (int)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The earliest day of any activity or acquisition (in the reporting zone); null for an empty portfolio.</summary>
    public static async Task<DateOnly?> FirstDayAsync(NpgsqlConnection connection, string timeZone, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT least((SELECT min(day) FROM customer_days), (SELECT min({AnalyticsScope.AcquiredDaySql}) FROM customers c))", connection);
        command.Parameters.Add(new NpgsqlParameter("zone", timeZone));
        return await command.ExecuteScalarAsync(ct) is DateOnly day ? day : null;
    }

    /// <summary>The distinct plans of all subscriptions, plus one for customers without a plan: the most groups <c>by=plan</c> can show.</summary>
    public static async Task<int> PlanCountAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT count(DISTINCT plan) + 1 FROM subscriptions", connection);
        return Convert.ToInt32(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }
}
