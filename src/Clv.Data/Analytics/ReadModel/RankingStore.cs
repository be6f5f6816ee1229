using System.Globalization;
using Clv.Data.ModelRuns;
using Npgsql;
using NpgsqlTypes;

namespace Clv.Data.Analytics.ReadModel;

/// <summary>
/// The rankings of each scope, stored in <c>analytics_rankings</c> with the data version and the
/// active model run they were computed at, so that every instance scores customers against the
/// same ones. A row is a few dozen values, whatever the portfolio's size; rows not refreshed for a
/// day are dropped.
/// </summary>
public static class RankingStore
{
    // The first key of a scope's re-ranking lock ("ClvS"); the second is the scope's hash.
    private const int ScopeLockClass = 0x436c_7653;

    /// <summary>The stored key of a scope: its cutoff (<c>now</c> without one) and reference day.</summary>
    public static string Key(DateOnly? cutoff, DateOnly reference) =>
        string.Create(CultureInfo.InvariantCulture, $"{(cutoff is { } day ? day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "now")}|{reference:yyyy-MM-dd}");

    /// <summary>The stored rankings of a scope and the data version they were computed at; null when none are stored.</summary>
    public static async Task<StoredRankings?> ReadAsync(NpgsqlConnection connection, string key, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT data_version, buyers, recency, frequency, monetary, tier_values, tier_ids, by_prediction, run_id
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
            reader.GetInt64(0),
            reader.IsDBNull(8) ? null : reader.GetGuid(8));
    }

    /// <summary>
    /// The rankings of a past day's scope seen from the current state's stored ones, with the data
    /// version and active run those ranked, when the day's scope ranks as the current state does;
    /// else null. It does when nothing in the book is dated after the day (no purchase, refund or
    /// acquisition: <see cref="PeriodRollupCells.AnswersAsync"/>, in the caller's snapshot), so that
    /// the scope holds the same customers with the same figures as the current state, and the
    /// current state's were ranked today under the scope's active run: only recency differs, by the
    /// days between (<see cref="Rankings.MeasuredEarlier"/>). They are exact for the caller's
    /// snapshot when their version is its version. A dashboard opens on the book's latest purchase
    /// day, which is such a day when a portfolio's data comes in batches.
    /// </summary>
    public static async Task<StoredRankings?> SeenFromCurrentAsync(NpgsqlConnection connection, AnalyticsScope scope, DateOnly today, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(scope);
        if (scope.Cutoff is null || scope.Cutoff > today || scope.Reference > today
            || await ReadAsync(connection, Key(null, today), ct) is not { } current
            || current.Run != scope.ActiveRun
            || !await RanksAsCurrentAsync(connection, scope, today, ct))
        {
            return null;
        }

        return current with { Rankings = current.Rankings.MeasuredEarlier(today.DayNumber - scope.Reference.DayNumber) };
    }

    /// <summary>
    /// Whether a past day's scope ranks as the current state does, seen from the day: nothing in
    /// the book is dated after the day (<see cref="SeenFromCurrentAsync"/>), in the caller's snapshot.
    /// </summary>
    public static async Task<bool> RanksAsCurrentAsync(NpgsqlConnection connection, AnalyticsScope scope, DateOnly today, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(scope);
        return scope.Cutoff is { } day && day <= today && scope.Reference <= today
            && await PeriodRollupCells.AnswersAsync(connection, day, null, ct);
    }

    /// <summary>
    /// Stores a scope's rankings unless ones of a later data version are stored already (at the
    /// same version, those of another run give way: a run is activated without a write), and drops
    /// rows not refreshed for a day.
    /// </summary>
    public static async Task SaveAsync(NpgsqlConnection connection, string key, StoredRankings stored, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var rankings = stored.Rankings;
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO analytics_rankings AS r (scope, data_version, computed_at, buyers, recency, frequency, monetary, tier_values, tier_ids, by_prediction, run_id)
            VALUES (@scope, @version, @now, @buyers, @recency, @frequency, @monetary, @tier_values, @tier_ids, @by_prediction, @run)
            ON CONFLICT (scope) DO UPDATE SET
                data_version = excluded.data_version, computed_at = excluded.computed_at, buyers = excluded.buyers,
                recency = excluded.recency, frequency = excluded.frequency, monetary = excluded.monetary,
                tier_values = excluded.tier_values, tier_ids = excluded.tier_ids, by_prediction = excluded.by_prediction,
                run_id = excluded.run_id
            WHERE r.data_version < excluded.data_version
               OR (r.data_version = excluded.data_version AND r.run_id IS DISTINCT FROM excluded.run_id);
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
        command.Parameters.Add(new NpgsqlParameter("run", NpgsqlDbType.Uuid) { Value = (object?)stored.Run ?? DBNull.Value });
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// A stamp of every scope's stored rankings, which any store, refresh or drop of a row changes
    /// (an XOR of the rows' hashes; a few rows a day): an answer scored against rankings stored
    /// before its snapshot's writes is computed again once the stamp has moved, not before.
    /// </summary>
    public static async Task<long> StampAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT coalesce(bit_xor(hashtextextended(scope || '|' || data_version || '|' || computed_at || '|' || coalesce(run_id::text, ''), 0)), 0)
            FROM analytics_rankings
            """,
            connection);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// Whether rankings ranked a book with no buyer that has one now (as of <paramref name="cutoff"/>,
    /// when given): they rank nothing, so every customer scored against them would be "No purchases",
    /// RFM 111 and in the last tier, however much they bought. Such rankings count as none stored:
    /// the first import into a new book is not shown that way for a refresh interval. A look along
    /// the index of last purchase days.
    /// </summary>
    public static async Task<bool> RankedNoBuyerOfABookWithOneAsync(NpgsqlConnection connection, StoredRankings stored, DateOnly? cutoff, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (stored.Rankings.Buyers > 0)
        {
            return false;
        }

        await using var command = new NpgsqlCommand(
            $"SELECT EXISTS (SELECT FROM customer_summaries WHERE {BuyerSql}{(cutoff is null ? "" : " AND first_purchase_day <= @cutoff")})", connection);
        if (cutoff is { } day)
        {
            command.Parameters.Add(new NpgsqlParameter("cutoff", day));
        }

        return await command.ExecuteScalarAsync(ct) is true;
    }

    // A customer with a purchase day, as the rankings count buyers.
    private const string BuyerSql = "last_purchase_day IS NOT NULL";

    /// <summary>
    /// Whether the current state's rankings stored under <paramref name="key"/> are due a
    /// refresh: none are stored, they ranked another model run than the active one, or writes
    /// have committed since they were computed, more than <paramref name="interval"/> before
    /// <paramref name="now"/>, or at once when they ranked no buyer and the book has one now
    /// (<see cref="RankedNoBuyerOfABookWithOneAsync"/>). Never while a model run runs under a live
    /// lease, was queued within the last minute (the runner claims it within seconds), or ended
    /// within the last 5 s (a client that runs one after another queues the next within a
    /// second): the run's swap would wait for the ranking's read of the predictions (seconds at a
    /// million customers), and its stages would share the cores with it. The run's end makes them
    /// due.
    /// </summary>
    public static async Task<bool> DueAsync(NpgsqlConnection connection, string key, DateTimeOffset now, TimeSpan interval, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"""
            SELECT NOT EXISTS (
                SELECT FROM analytics_rankings r
                CROSS JOIN data_version v
                LEFT JOIN model_runs m ON m.is_active
                WHERE r.scope = @scope AND v.id = 1 AND r.run_id IS NOT DISTINCT FROM m.id
                  AND (r.data_version >= v.version
                       OR (r.computed_at > @since AND NOT (r.buyers = 0 AND EXISTS (SELECT FROM customer_summaries WHERE {BuyerSql})))))
              AND NOT EXISTS (
                  SELECT FROM model_runs
                  WHERE (status = '{nameof(ModelRunStatus.Running)}' AND lease_expires_at > now())
                     OR (status = '{nameof(ModelRunStatus.Queued)}' AND created_at > now() - interval '1 minute')
                     OR finished_at > now() - interval '5 seconds')
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter("scope", key));
        command.Parameters.Add(new NpgsqlParameter("since", now - interval));
        return await command.ExecuteScalarAsync(ct) is true;
    }

    /// <summary>
    /// Takes the lock that one instance at a time holds while it re-ranks the scope of
    /// <paramref name="key"/> in the background (the refresher the current state's, a reader a past
    /// day's), for the caller's transaction; false when another instance holds it. A lock of two
    /// keys (this class's, the scope's hash), apart from the single-key locks.
    /// </summary>
    public static async Task<bool> TryLockScopeAsync(NpgsqlConnection connection, string key, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT pg_try_advisory_xact_lock({ScopeLockClass}, hashtext(@scope))", connection);
        command.Parameters.Add(new NpgsqlParameter("scope", key));
        return await command.ExecuteScalarAsync(ct) is true;
    }
}

/// <summary>A scope's rankings, and the data version and active model run they were computed at.</summary>
/// <param name="Rankings">The rankings.</param>
/// <param name="Version">The data version of the snapshot they ranked.</param>
/// <param name="Run">The model run active in that snapshot (its predictions rank the tiers); null without one.</param>
public sealed record StoredRankings(Rankings Rankings, long Version, Guid? Run);
