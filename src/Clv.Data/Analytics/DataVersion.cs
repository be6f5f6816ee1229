using Clv.Data.Infrastructure;
using Npgsql;

namespace Clv.Data.Analytics;

/// <summary>
/// A counter every write that changes what the analytics see (customers, transactions, feedback, spend,
/// erasure, a model run's swap, a rollup rebuild) bumps in its own database transaction, so a
/// reader can tell whether the facts it holds are current. One row.
/// </summary>
public sealed class DataVersion
{
    /// <summary>Always 1.</summary>
    public int Id { get; set; }

    /// <summary>Grows by one per committed change.</summary>
    public long Version { get; set; }

    /// <summary>When it last changed.</summary>
    public DateTimeOffset ChangedAt { get; set; }

    /// <summary>
    /// Bumps the version inside the caller's transaction, for a change that may touch any day.
    /// Call it last: the row stays locked until the transaction ends, so concurrent writers queue
    /// only for their commit.
    /// </summary>
    public static Task BumpAsync(NpgsqlConnection connection, DateTimeOffset now, CancellationToken cancellationToken) =>
        BumpAsync(connection, now, null, cancellationToken);

    /// <summary>
    /// Bumps the version inside the caller's transaction and records, in <c>data_changes</c>, the
    /// earliest day (in any time zone) the change touched: <paramref name="earliestDay"/>, null for
    /// any day. An answer as of a day before it is not changed by it (<see cref="AnswerUnchangedSql"/>).
    /// Only the last <see cref="ChangesKept"/> changes are kept. Call it last, as the other overload.
    /// </summary>
    public static async Task BumpAsync(NpgsqlConnection connection, DateTimeOffset now, DateOnly? earliestDay, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = new NpgsqlCommand($"""
            WITH bumped AS (UPDATE data_version SET version = version + 1, changed_at = @now WHERE id = 1 RETURNING version),
            logged AS (INSERT INTO data_changes (version, earliest_day) SELECT version, @earliest FROM bumped)
            DELETE FROM data_changes WHERE version <= (SELECT version FROM bumped) - {ChangesKept}
            """, connection);
        command.Parameters.Add(new NpgsqlParameter("now", now));
        command.Parameters.Add(new NpgsqlParameter<DateOnly?>("earliest", earliestDay));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Counts an erasure inside its transaction (the row is already locked by <see cref="BumpAsync(NpgsqlConnection, DateTimeOffset, CancellationToken)"/>):
    /// a reader that read the count before the erasure committed reads a larger one after it.
    /// </summary>
    public static Task CountErasureAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        connection.ExecuteAsync("UPDATE data_version SET erasures = erasures + 1 WHERE id = 1", cancellationToken);

    /// <summary>How many erasures have committed, in the caller's snapshot (<see cref="CountErasureAsync"/>).</summary>
    public static async Task<long> ErasuresAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = new NpgsqlCommand("SELECT erasures FROM data_version WHERE id = 1", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>How many of the latest changes <c>data_changes</c> keeps.</summary>
    public const int ChangesKept = 10_000;

    /// <summary>
    /// SQL that is true when no change after the version <c>@kept</c> touched a day on or before
    /// <c>@day</c> (and the changes since are all still recorded): an answer as of that day
    /// computed at that version is still the answer.
    /// </summary>
    public const string AnswerUnchangedSql = """
        coalesce((SELECT min(version) FROM data_changes), 9223372036854775807) <= @kept + 1
        AND NOT EXISTS (SELECT 1 FROM data_changes WHERE version > @kept AND (earliest_day IS NULL OR earliest_day <= @day))
        """;

    /// <summary>
    /// Whether no change after the version <paramref name="kept"/> touched a day on or before
    /// <paramref name="day"/>, in the caller's snapshot (<see cref="AnswerUnchangedSql"/>).
    /// </summary>
    public static async Task<bool> UnchangedAsync(NpgsqlConnection connection, long kept, DateOnly day, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {AnswerUnchangedSql}", connection);
        command.Parameters.Add(new NpgsqlParameter("kept", kept));
        command.Parameters.Add(new NpgsqlParameter("day", day));
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// The current version and the database time of the read. Run as the first statement of a
    /// transaction, it fixes that transaction's snapshot (repeatable read).
    /// </summary>
    public static async Task<DataVersionRead> ReadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        // now() is the start of the transaction, taken before its snapshot: every write acknowledged
        // before it has committed by then, and bumped the version read.
        await using var command = new NpgsqlCommand("SELECT version, now() FROM data_version WHERE id = 1", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new DataVersionRead(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1));
    }
}

/// <summary>The data version as one read found it.</summary>
/// <param name="Version">The version.</param>
/// <param name="ReadAt">
/// The database time the read's transaction began, before its snapshot: every write acknowledged
/// before this time is counted in <paramref name="Version"/>.
/// </param>
public readonly record struct DataVersionRead(long Version, DateTimeOffset ReadAt);
