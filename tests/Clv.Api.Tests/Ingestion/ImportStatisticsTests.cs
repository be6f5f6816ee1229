using System.Globalization;
using System.Text;
using Clv.Api.Tests.Infrastructure;
using Clv.Data.Infrastructure;
using Npgsql;

namespace Clv.Api.Tests.Ingestion;

/// <summary>
/// A CSV import that adds much to the book analyzes the tables analytics reads plan on, on the
/// columns they plan on (<see cref="PlannerStatistics"/>), before it answers, so the reads that
/// follow are not planned on statistics of the book before it; a small one, or one small beside the
/// book, leaves them to autovacuum; and a table another session holds is waited for a bounded
/// time, then left. Each test has a database of its own. Only manual analyzes are looked at
/// (<c>last_analyze</c>): autovacuum's are <c>last_autoanalyze</c>.
/// </summary>
public sealed class ImportStatisticsTests : IAsyncLifetime
{
    private ClvApiFactory Api { get; } = new();

    public async Task InitializeAsync()
    {
        await Api.InitializeAsync();
        await Api.ReadyAsync(); // the schema is in place
    }

    public Task DisposeAsync() => ((IAsyncLifetime)Api).DisposeAsync();

    [Fact]
    public async Task A_bulk_import_into_a_new_book_analyzes_the_customers_and_their_summaries()
    {
        Assert.Equal(0, await AnalyzedAsync());

        await ImportAsync(PlannerStatistics.BulkRows);

        Assert.Equal(PlannerStatistics.Columns.Count, await AnalyzedAsync());
    }

    [Fact]
    public async Task The_analyze_covers_the_columns_reads_plan_on_and_leaves_the_others_to_autovacuum()
    {
        // Autovacuum kept off these tables, so that only the import's analyze is seen.
        await Api.ExecuteAsync("""
            DO $$ DECLARE t regclass; BEGIN
                FOR t IN SELECT c.oid::regclass FROM pg_class c
                         WHERE c.relkind = 'r' AND (c.oid = 'customer_summaries'::regclass
                            OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'customer_summaries'::regclass)) LOOP
                    EXECUTE format('ALTER TABLE %s SET (autovacuum_enabled = false)', t);
                END LOOP;
            END $$
            """);

        await ImportAsync(PlannerStatistics.BulkRows);

        Assert.Equal(1, await SummaryStatisticsAsync("last_purchase_day"));
        Assert.Equal(1, await SummaryStatisticsAsync("net_revenue"));
        // Left to autovacuum: an analyze of some columns leaves the table's count of rows changed
        // since its last whole analyze standing.
        Assert.Equal(0, await SummaryStatisticsAsync("gross_revenue"));
    }

    [Fact]
    public async Task An_import_of_fewer_rows_than_a_bulk_leaves_them_to_autovacuum()
    {
        await ImportAsync(PlannerStatistics.BulkRows - 1);

        Assert.Equal(0, await AnalyzedAsync());
    }

    [Fact]
    public async Task A_bulk_import_of_a_tenth_of_the_customers_counted_or_less_leaves_them_to_autovacuum()
    {
        // As if the statistics had counted ten times as many customers as the import has rows
        // (its partitions' counts when partitioned; a count of 0 stands for "never counted").
        await Api.ExecuteAsync($"""
            UPDATE pg_class SET reltuples = {PlannerStatistics.BulkRows * 10}
            WHERE oid = 'customer_summaries'::regclass OR oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'customer_summaries'::regclass)
            """);

        await ImportAsync(PlannerStatistics.BulkRows);

        Assert.Equal(0, await AnalyzedAsync());
    }

    [Fact]
    public async Task A_table_another_session_holds_past_the_wait_is_left_and_the_import_answers()
    {
        // Autovacuum working on the summaries holds this lock, and gives way to the analyze after
        // deadlock_timeout; this session does not. An import's writes do not conflict with it.
        await using var holder = new NpgsqlConnection(Api.ConnectionString);
        await holder.OpenAsync();
        await using var transaction = await holder.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand("LOCK TABLE customer_summaries IN SHARE UPDATE EXCLUSIVE MODE", holder, transaction))
        {
            await hold.ExecuteNonQueryAsync();
        }

        await ImportAsync(PlannerStatistics.BulkRows).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(PlannerStatistics.Columns.Count - 1, await AnalyzedAsync());
        Assert.Equal(0, await AnalyzedAsync("customer_summaries"));
    }

    // How many of the tables (or, of "table", whether it) have been analyzed by hand: a
    // partitioned table counts when its partitions have.
    private Task<long> AnalyzedAsync(string? table = null) => Api.ScalarAsync<long>("""
        SELECT count(*) FROM unnest(@tables::text[]) AS t(name)
        WHERE (SELECT bool_and(s.last_analyze IS NOT NULL) FROM pg_stat_user_tables s
               WHERE s.relid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = t.name::regclass)
                  OR (s.relid = t.name::regclass AND NOT EXISTS (SELECT FROM pg_inherits WHERE inhparent = t.name::regclass)))
        """, new NpgsqlParameter("tables", table is null ? PlannerStatistics.Columns.Keys.ToArray() : new[] { table }));

    // Whether the summaries' column has statistics (its partitions', when partitioned).
    private Task<long> SummaryStatisticsAsync(string column) => Api.ScalarAsync<long>("""
        SELECT least(count(*), 1) FROM pg_stats
        WHERE attname = @column AND (tablename = 'customer_summaries'
           OR tablename IN (SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = 'customer_summaries'::regclass))
        """, new NpgsqlParameter("column", column));

    // An import of that many purchases, one customer per ten rows.
    private async Task ImportAsync(long rows)
    {
        var csv = new StringBuilder("external_id,customer_external_id,occurred_at,type,amount,currency\n");
        for (var i = 0; i < rows; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"s-{i},sc-{i / 10},2024-01-{1 + (i % 28):00}T10:00:00Z,purchase,{1 + (i % 90)}.50,USD\n");
        }

        var body = await (await Api.Client().PostCsvAsync(csv.ToString())).JsonAsync();
        Assert.Equal(rows, body.Long("inserted"));
    }
}
