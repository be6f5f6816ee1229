using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Clv.Data.Infrastructure;

/// <summary>
/// Brings the planner's statistics of the tables that analytics reads plan on up to date after a
/// bulk import, as PostgreSQL's manual advises after loading much data ("Populating a Database":
/// run ANALYZE afterwards), instead of leaving them to autovacuum, whose analyze may come a minute
/// later. Right after a ×40 import the statistics still described the summaries as they stood
/// before or early in the import: the dashboard's value segments were planned on them, hashed
/// every customer instead of reading the few changed since their day along an index, and took
/// 0.94–1.36 s instead of 0.55 s (docs/benchmarks.md).
/// </summary>
public sealed class PlannerStatistics(ClvDbContext db, ILogger<PlannerStatistics> logger)
{
    /// <summary>Fewer rows than this written by one import leave the statistics to autovacuum.</summary>
    public const long BulkRows = 10_000;

    /// <summary>The longest an analyze waits for a table another session holds.</summary>
    public static readonly TimeSpan LockWait = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The tables analyzed, and their columns analyzed: those the reads filter, join and group on.
    /// The customers and their summaries are the tables whose values an import changes (acquisition
    /// days, revenue, last purchase days) and every analytics read plans on. Not the tables an
    /// import only appends to (<c>customer_days</c>, <c>transactions</c>): the planner scales their
    /// row counts to their size, and their new rows are like the old. An analyze of some columns
    /// samples the same rows but computes less (the summaries' 108 against 173 ms in a ×10 import),
    /// and it leaves the table's count of changed rows standing: autovacuum's analyze of every
    /// column still comes, later.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Columns = new Dictionary<string, string>
    {
        ["customers"] = "acquired_at, acquisition_channel, country",
        ["customer_summaries"] = "last_purchase_day, first_purchase_day, purchase_days, net_revenue, refunds",
    };

    /// <summary>
    /// After an import that inserted <paramref name="inserted"/> transactions: when they are at
    /// least <see cref="BulkRows"/> and more than a tenth of the customers the statistics last
    /// counted (a tenth is autovacuum's own threshold for an analyze), analyzes <see cref="Columns"/>,
    /// each table on a connection of its own, at once. A table another session holds is waited for at most
    /// <see cref="LockWait"/>: autovacuum working on it gives way after <c>deadlock_timeout</c>
    /// (1 s by default), and a table still held then is left to autovacuum.
    /// </summary>
    public async Task RefreshAfterImportAsync(long inserted, CancellationToken ct)
    {
        if (inserted < BulkRows)
        {
            return;
        }

        var connectionString = db.Database.GetConnectionString()!;
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync(ct);
            await using var counted = new NpgsqlCommand(CountedCustomersSql, connection);
            if (inserted <= 0.1 * Convert.ToDouble(await counted.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture))
            {
                return;
            }
        }

        await Task.WhenAll(Columns.Select(table => AnalyzeAsync(connectionString, table.Key, table.Value, ct)));
    }

    // The customers (summaries) the statistics counted at their last analyze or vacuum: of the
    // table, or of its partitions when it is partitioned. 0 when never counted (reltuples is -1 then).
    private const string CountedCustomersSql = """
        SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::float8
        FROM pg_class c
        WHERE c.oid = 'customer_summaries'::regclass
           OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'customer_summaries'::regclass)
        """;

    // In a transaction of its own, so that the lock timeout stays with it (no session state is
    // left on a pooled connection).
    private async Task AnalyzeAsync(string connectionString, string table, string columns, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        try
        {
            await connection.ExecuteAsync($"SET LOCAL lock_timeout = '{LockWait.TotalMilliseconds}ms'; ANALYZE {table} ({columns})", ct);
            await transaction.CommitAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            logger.LogInformation("{Table} was held by another session; its statistics are left to autovacuum", table);
        }
    }
}
