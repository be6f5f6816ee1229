using Clv.Data.Infrastructure;
using Npgsql;

namespace Clv.Data.Analytics.ReadModel;

/// <summary>The model run whose predictions an answer uses.</summary>
/// <param name="RunId">The run.</param>
/// <param name="AsOf">The date its predictions stand at: its calibration end, or its asOf.</param>
/// <param name="Model">Its primary purchase model.</param>
public sealed record PredictionSource(Guid RunId, DateOnly AsOf, string Model);

/// <summary>What a snapshot of the read model is: its data version, its time and the active model run.</summary>
/// <param name="Version">The data version: every committed write has bumped it.</param>
/// <param name="ReadAt">The start of the reading transaction: every write acknowledged before it is in the snapshot.</param>
/// <param name="Predictions">The active model run, whose predictions answers show; null without one.</param>
public readonly record struct ReadModelSnapshot(long Version, DateTimeOffset ReadAt, PredictionSource? Predictions)
{
    /// <summary>The active model run's id; null without one.</summary>
    public Guid? ActiveRun => Predictions?.RunId;

    /// <summary>
    /// Reads the snapshot's stamp as the first statement of a repeatable-read transaction on
    /// <paramref name="connection"/>, so that it describes every later read in that transaction.
    /// The transaction's queries run without JIT compilation, which costs the analytics queries
    /// more time than it saves (seconds of a few-second query, measured): Clv's own connections
    /// have it off already (<see cref="ClvDbContext.WithoutJit"/>), and this keeps it off on any
    /// other. They run with 64 MB per sort or hash: a whole-portfolio question (a million
    /// customers) then joins and sorts in memory instead of in batches on disk, and what one
    /// question may take stays bounded.
    /// </summary>
    public static async Task<ReadModelSnapshot> ReadAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"""
            SET LOCAL jit = off; {NpgsqlConnectionExtensions.LargeWorkMemSql};
            SELECT v.version, now(), r.id, coalesce(r.options ->> 'calibrationEnd', r.options ->> 'asOf')::date, r.options ->> 'primaryModel'
            FROM data_version v LEFT JOIN model_runs r ON r.is_active
            WHERE v.id = 1
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var predictions = reader.IsDBNull(2)
            ? null
            : new PredictionSource(reader.GetGuid(2), reader.GetFieldValue<DateOnly>(3), reader.GetString(4));
        return new ReadModelSnapshot(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), predictions);
    }

    /// <summary>
    /// The current data version and the time it was read, and whether an answer as of
    /// <paramref name="day"/> computed at <paramref name="keptVersion"/> is still the answer: no
    /// change since touched a day on or before it (<see cref="DataVersion.AnswerUnchangedSql"/>).
    /// One statement, so both describe one snapshot.
    /// </summary>
    public static async Task<(DataVersionRead Read, bool Unchanged)> VersionAsOfAsync(string connectionString, long keptVersion, DateOnly day, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand($"SELECT version, now(), {DataVersion.AnswerUnchangedSql} FROM data_version WHERE id = 1", connection);
        command.Parameters.Add(new NpgsqlParameter("kept", keptVersion));
        command.Parameters.Add(new NpgsqlParameter("day", day));
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (new DataVersionRead(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1)), reader.GetBoolean(2));
    }

    /// <summary>The current data version and the time it was read: one single-row read.</summary>
    public static async Task<DataVersionRead> VersionAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        return await DataVersion.ReadAsync(connection, ct);
    }
}
