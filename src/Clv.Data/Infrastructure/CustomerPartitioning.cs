using Npgsql;

namespace Clv.Data.Infrastructure;

/// <summary>
/// Turns the customer-keyed tables into tables hash-partitioned by customer id, the shape Citus
/// gives them distributed (docs/scale-out.md). PostgreSQL then enforces Citus's rule that every
/// primary key, unique key and conflict target includes the customer id, so the test suite run
/// against this schema checks that Clv keeps it. Also a way to split a large single-node
/// installation's tables.
/// </summary>
/// <remarks>
/// Runs once, after the migrations, on tables that are not partitioned yet: each is renamed, a
/// partitioned table of the same columns, defaults, identity, checks, keys and indexes (with
/// their names) takes its place, its rows are moved, and it is dropped, all in one transaction.
/// Later migrations alter the partitioned tables as they would the plain ones.
/// </remarks>
public static class CustomerPartitioning
{
    /// <summary>The tables keyed by customer, with the column that holds the customer id.</summary>
    public static IReadOnlyList<(string Table, string Key)> Tables { get; } =
    [
        ("customers", "id"),
        ("transactions", "customer_id"),
        ("customer_days", "customer_id"),
        ("customer_summaries", "customer_id"),
        ("feedback", "customer_id"),
        ("subscriptions", "customer_id"),
    ];

    /// <summary>Partitions every customer-keyed table not partitioned yet into <paramref name="partitions"/> hash partitions.</summary>
    /// <returns>The tables it partitioned.</returns>
    public static async Task<List<string>> EnsureAsync(NpgsqlConnection connection, int partitions, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 2);
        var done = new List<string>();
        await using var transaction = await connection.BeginTransactionAsync(ct);
        // Concurrent starts of several instances partition once.
        await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtext('clv.customer_partitioning'))", ct);
        foreach (var (table, key) in Tables)
        {
            if (await IsPartitionedAsync(connection, table, ct))
            {
                continue;
            }

            await PartitionAsync(connection, table, key, partitions, ct);
            done.Add(table);
        }

        await transaction.CommitAsync(ct);
        return done;
    }

    private static async Task<bool> IsPartitionedAsync(NpgsqlConnection connection, string table, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass(@table)", connection);
        command.Parameters.Add(new NpgsqlParameter("table", table));
        return await command.ExecuteScalarAsync(ct) is true;
    }

    // The table names and keys are the constants above, never input.
    private static async Task PartitionAsync(NpgsqlConnection connection, string table, string key, int partitions, CancellationToken ct)
    {
        var old = table + "_unpartitioned";
        // The indexes (primary key included) to build again on the new table, under their own names.
        var indexes = new List<(string Name, string Definition, string? Constraint)>();
        await using (var read = new NpgsqlCommand("""
            SELECT i.relname, pg_get_indexdef(i.oid), c.conname
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid
            WHERE x.indrelid = to_regclass(@table)
            """, connection))
        {
            read.Parameters.Add(new NpgsqlParameter("table", table));
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                indexes.Add((reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
            }
        }

        await connection.ExecuteAsync($"ALTER TABLE {table} RENAME TO {old}", ct);
        foreach (var (name, _, constraint) in indexes)
        {
            await connection.ExecuteAsync(
                constraint is null ? $"ALTER INDEX {name} RENAME TO {name}_old" : $"ALTER TABLE {old} RENAME CONSTRAINT {constraint} TO {constraint}_old", ct);
        }

        await connection.ExecuteAsync($"""
            CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS INCLUDING STORAGE) PARTITION BY HASH ({key});
            """, ct);
        for (var r = 0; r < partitions; r++)
        {
            await connection.ExecuteAsync($"CREATE TABLE {table}_p{r} PARTITION OF {table} FOR VALUES WITH (MODULUS {partitions}, REMAINDER {r})", ct);
        }

        // The definitions were read before the renames, so they name the new table and the old names.
        foreach (var (_, definition, constraint) in indexes)
        {
            if (constraint is null)
            {
                await connection.ExecuteAsync(definition, ct);
            }
            else
            {
                // "CREATE UNIQUE INDEX pk_t ON public.t USING btree (a, b)": the key's columns.
                var columns = definition[(definition.IndexOf('(', StringComparison.Ordinal) + 1)..definition.LastIndexOf(')')];
                await connection.ExecuteAsync($"ALTER TABLE {table} ADD CONSTRAINT {constraint} PRIMARY KEY ({columns})", ct);
            }
        }

        await connection.ExecuteAsync($"INSERT INTO {table} OVERRIDING SYSTEM VALUE SELECT * FROM {old}", ct);
        await connection.ExecuteAsync($"DROP TABLE {old}", ct);
        await connection.ExecuteAsync($"""
            SELECT setval(s::regclass, coalesce(m, 1), m IS NOT NULL)
            FROM pg_get_serial_sequence('{table}', '{key}') AS s, (SELECT max({key}) AS m FROM {table}) AS top
            WHERE s IS NOT NULL
            """, ct);
    }
}
