using Npgsql;

namespace Clv.Data.Analytics.ReadModel;

/// <summary>Portfolio-wide bounds an answer needs before it is computed: how many groups, and since when.</summary>
public static class PortfolioExtent
{
    /// <summary>
    /// Distinct acquisition channels among every customer and every spend row (<c>unattributed</c>
    /// counting as one): the groups of <c>by=acquisitionChannel</c>.
    /// </summary>
    public static async Task<int> ChannelCountAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"""
            SELECT count(*)::int FROM (
                SELECT DISTINCT coalesce(acquisition_channel, '{AnalyticsScope.Unattributed}') FROM customers
                UNION SELECT channel FROM acquisition_spend) AS channels
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
}
