using System.Globalization;
using Npgsql;
using NpgsqlTypes;

namespace Clv.Data.Analytics.ReadModel;

/// <summary>
/// The rankings of each scope, stored in <c>analytics_rankings</c> with the data version they
/// were computed at, so that every instance scores customers against the same ones. A row is a
/// few dozen values, whatever the portfolio's size; rows not refreshed for a day are dropped.
/// </summary>
public static class RankingStore
{
    /// <summary>The stored key of a scope: its cutoff (<c>now</c> without one) and reference day.</summary>
    public static string Key(DateOnly? cutoff, DateOnly reference) =>
        string.Create(CultureInfo.InvariantCulture, $"{(cutoff is { } day ? day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "now")}|{reference:yyyy-MM-dd}");

    /// <summary>The stored rankings of a scope and the data version they were computed at; null when none are stored.</summary>
    public static async Task<StoredRankings?> ReadAsync(NpgsqlConnection connection, string key, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT data_version, buyers, recency, frequency, monetary, tier_values, tier_ids, by_prediction
            FROM analytics_rankings WHERE scope = @scope
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter("scope", key));
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        return new StoredRankings(
            new Rankings(
                reader.GetInt64(1),
                reader.GetFieldValue<int[]>(2),
                reader.GetFieldValue<int[]>(3),
                reader.GetFieldValue<decimal[]>(4),
                reader.GetFieldValue<decimal[]>(5),
                reader.GetFieldValue<long[]>(6),
                reader.GetBoolean(7)),
            reader.GetInt64(0));
    }

    /// <summary>Stores a scope's rankings unless newer ones are stored already, and drops rows not refreshed for a day.</summary>
    public static async Task SaveAsync(NpgsqlConnection connection, string key, StoredRankings stored, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var rankings = stored.Rankings;
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO analytics_rankings AS r (scope, data_version, computed_at, buyers, recency, frequency, monetary, tier_values, tier_ids, by_prediction)
            VALUES (@scope, @version, @now, @buyers, @recency, @frequency, @monetary, @tier_values, @tier_ids, @by_prediction)
            ON CONFLICT (scope) DO UPDATE SET
                data_version = excluded.data_version, computed_at = excluded.computed_at, buyers = excluded.buyers,
                recency = excluded.recency, frequency = excluded.frequency, monetary = excluded.monetary,
                tier_values = excluded.tier_values, tier_ids = excluded.tier_ids, by_prediction = excluded.by_prediction
            WHERE r.data_version < excluded.data_version;
            DELETE FROM analytics_rankings WHERE computed_at < @now - interval '1 day';
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter("scope", key));
        command.Parameters.Add(new NpgsqlParameter("version", stored.Version));
        command.Parameters.Add(new NpgsqlParameter("now", now));
        command.Parameters.Add(new NpgsqlParameter("buyers", rankings.Buyers));
        command.Parameters.Add(new NpgsqlParameter("recency", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = rankings.Recency });
        command.Parameters.Add(new NpgsqlParameter("frequency", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = rankings.Frequency });
        command.Parameters.Add(new NpgsqlParameter("monetary", NpgsqlDbType.Array | NpgsqlDbType.Numeric) { Value = rankings.Monetary });
        command.Parameters.Add(new NpgsqlParameter("tier_values", NpgsqlDbType.Array | NpgsqlDbType.Numeric) { Value = rankings.TierValues });
        command.Parameters.Add(new NpgsqlParameter("tier_ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = rankings.TierIds });
        command.Parameters.Add(new NpgsqlParameter("by_prediction", rankings.ByPrediction));
        await command.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>A scope's rankings and the data version they were computed at.</summary>
/// <param name="Rankings">The rankings.</param>
/// <param name="Version">The data version of the snapshot they ranked.</param>
public sealed record StoredRankings(Rankings Rankings, long Version);
