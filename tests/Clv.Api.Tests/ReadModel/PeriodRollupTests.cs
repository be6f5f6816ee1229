using Clv.Api.Tests.Infrastructure;
using Clv.Api.Tests.Subscriptions;
using Clv.Data.Rollups;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.ReadModel;

/// <summary>
/// The group rollup's upkeep (<see cref="PeriodRollups"/>): folding its rows changes no cell, and
/// the cells that writes keep (new customers, late and repeated purchases, refunds, profiles that
/// move a customer to another channel and cohort, subscriptions that date a customer's acquisition,
/// an erasure, a first purchase that waited for another writer) are the cells a build from scratch
/// gives. While it is being built, answers come from the days, and are the same.
/// </summary>
public sealed class PeriodRollupTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private const string Cells = $"SELECT string_agg(t::text, ' ' ORDER BY t::text) FROM ({StoredData.PeriodRollupCellRows}) t";

    [Fact]
    public async Task Cells_kept_by_writes_equal_a_build_from_scratch_and_survive_folding()
    {
        var client = api.Client();
        (await client.PostCustomersAsync(
            new { externalId = "pr-a", acquiredAt = "2024-01-05T10:00:00Z", acquisitionChannel = "search" },
            new { externalId = "pr-b", acquisitionChannel = "tv" })).EnsureSuccessStatusCode();
        (await client.PostTransactionsAsync(
            Tx("pr-1", "pr-a", "2024-01-06T10:00:00Z", amount: 10m, cost: 4m),
            Tx("pr-2", "pr-a", "2024-02-07T10:00:00Z", amount: 20m),
            Tx("pr-3", "pr-b", "2024-03-01T10:00:00Z", amount: 30m),
            Tx("pr-4", "pr-c", "2024-03-02T10:00:00Z", amount: 40m))).EnsureSuccessStatusCode();
        // A late purchase, a refund, a profile that moves pr-c to another channel and an earlier
        // cohort, and an erasure.
        (await client.PostTransactionsAsync(
            Tx("pr-5", "pr-a", "2023-12-30T10:00:00Z", amount: 5m),
            Tx("pr-6", "pr-b", "2024-03-05T10:00:00Z", type: "refund", amount: 10m),
            Tx("pr-7", "pr-d", "2024-04-01T10:00:00Z", amount: 50m))).EnsureSuccessStatusCode();
        (await client.PostCustomersAsync(new { externalId = "pr-c", acquiredAt = "2023-11-01T10:00:00Z", acquisitionChannel = "social" })).EnsureSuccessStatusCode();
        // Subscriptions that date acquisitions: pr-b's starts before its first purchase (moved from
        // March to February), pr-e's creates a customer acquired at its start, pr-f's start is
        // corrected to a later day (moved back to its first purchase), pr-g's starts two hours
        // before its first purchase on the same day (no cell moves), and pr-a's acquisition was
        // sent (it stays).
        (await client.PostCustomersAsync(new { externalId = "pr-f", acquisitionChannel = "tv" }, new { externalId = "pr-g", acquisitionChannel = "tv" })).EnsureSuccessStatusCode();
        (await client.PostTransactionsAsync(
            Tx("pr-8", "pr-f", "2024-02-20T10:00:00Z", amount: 15m), Tx("pr-10", "pr-g", "2024-02-21T10:00:00Z", amount: 5m))).EnsureSuccessStatusCode();
        (await SubscriptionIngestionTests.PostSubscriptionsAsync(client,
            SubscriptionIngestionTests.Sub("pr-s1", "pr-b", startedAt: "2024-02-10T10:00:00Z"),
            SubscriptionIngestionTests.Sub("pr-s2", "pr-e", startedAt: "2024-01-20T10:00:00Z"),
            SubscriptionIngestionTests.Sub("pr-s3", "pr-f", startedAt: "2023-10-01T10:00:00Z"),
            SubscriptionIngestionTests.Sub("pr-s4", "pr-a", startedAt: "2023-06-01T10:00:00Z"),
            SubscriptionIngestionTests.Sub("pr-s5", "pr-g", startedAt: "2024-02-21T08:00:00Z"))).EnsureSuccessStatusCode();
        (await SubscriptionIngestionTests.PostSubscriptionsAsync(client,
            SubscriptionIngestionTests.Sub("pr-s3", "pr-f", startedAt: "2024-03-10T10:00:00Z"))).EnsureSuccessStatusCode();
        (await client.PostCustomersAsync(new { externalId = "pr-e", acquisitionChannel = "tv" })).EnsureSuccessStatusCode();
        Assert.Equal(
            "pr-a 2024-01-05 10 pr-b 2024-02-10 10 pr-e 2024-01-20 10 pr-f 2024-02-20 10 pr-g 2024-02-21 08",
            await api.ScalarAsync<string>(
                "SELECT string_agg(external_id || ' ' || to_char(acquired_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24'), ' ' ORDER BY external_id) " +
                "FROM customers WHERE external_id IN ('pr-a', 'pr-b', 'pr-e', 'pr-f', 'pr-g')"));
        (await client.DeleteAsync("/api/v1/customers/pr-d")).EnsureSuccessStatusCode();
        var kept = await api.ScalarAsync<string>(Cells);
        var cohorts = await (await client.GetAsync("/api/v1/cohorts?period=quarter&retention=onOrAfter")).Content.ReadAsStringAsync();
        var series = await (await client.GetAsync("/api/v1/metrics/timeseries?metric=retentionRate&by=acquisitionChannel&from=2023-10-01")).Content.ReadAsStringAsync();

        // pr-a: December (5), January (10, cost 4), February (20): retained in January and February.
        // (channel, kind, cohort, period, churn day, net value, members, repeat, active, retained, last purchases, purchases, gross…)
        Assert.Contains("(search,1,2024-01-01,2024-01-01,,,1,1,1,1,0,1,10", kept, StringComparison.Ordinal);
        Assert.Contains("(search,1,2024-01-01,2024-02-01,,,0,0,1,1,1,1,20", kept, StringComparison.Ordinal);
        // Counted per unit of net revenue, and no longer per net revenue (kind 0): the medians read those from the summaries.
        Assert.Contains("(search,2,,,,35,1,", kept, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"\([a-z]+,0,", kept);
        Assert.DoesNotContain("unattributed", kept, StringComparison.Ordinal);

        // Built again from the days: the same cells; meanwhile the days answer, the same.
        await api.ExecuteAsync("DELETE FROM period_rollups; UPDATE rollup_state SET period_rollups_through = 0");
        Assert.Equal(Without(cohorts), Without(await (await client.GetAsync("/api/v1/cohorts?period=quarter&retention=onOrAfter")).Content.ReadAsStringAsync()));
        Assert.Equal(Without(series), Without(await (await client.GetAsync("/api/v1/metrics/timeseries?metric=retentionRate&by=acquisitionChannel&from=2023-10-01")).Content.ReadAsStringAsync()));
        await using (var scope = api.Services.CreateAsyncScope())
        {
            Assert.True(await scope.ServiceProvider.GetRequiredService<RollupRebuilder>().EnsurePeriodRollupsAsync(90, CancellationToken.None));
        }

        Assert.Equal(kept, await api.ScalarAsync<string>(Cells));
        Assert.True(await api.ScalarAsync<bool>("SELECT period_rollups_through IS NULL FROM rollup_state"));

        // Folded, kind by kind: one row per cell, the same sums.
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        var rows = await api.ScalarAsync<long>("SELECT count(*) FROM period_rollups");
        long moved = 0;
        foreach (var kind in PeriodRollups.Kinds)
        {
            moved += await PeriodRollups.CompactAsync(connection, kind, long.MaxValue, 1_000_000, CancellationToken.None);
        }

        Assert.Equal(rows, moved);
        Assert.Equal(kept, await api.ScalarAsync<string>(Cells));
        Assert.Equal(kept.Split(") (").Length, await api.ScalarAsync<long>("SELECT count(*) FROM period_rollups"));

        // What the compactor reads each second: whether more rows than the last folding left were
        // appended since the highest id it saw, per partition.
        var (months, lastMonth) = await PeriodRollups.CountAsync(connection, PeriodRollups.Month, CancellationToken.None);
        Assert.Equal(await api.ScalarAsync<long>($"SELECT count(*) FROM period_rollups WHERE period_kind = {PeriodRollups.Month}"), months);
        Assert.False(await PeriodRollups.AppendedMoreThanAsync(connection, PeriodRollups.Month, lastMonth, 0, CancellationToken.None));
        (await client.PostTransactionsAsync(Tx("pr-9", "pr-a", "2024-03-05T10:00:00Z", amount: 1m))).EnsureSuccessStatusCode();
        var appended = await api.ScalarAsync<long>($"SELECT count(*) FROM period_rollups WHERE period_kind = {PeriodRollups.Month} AND id > {lastMonth}");
        Assert.True(appended > 0);
        Assert.True(await PeriodRollups.AppendedMoreThanAsync(connection, PeriodRollups.Month, lastMonth, appended - 1, CancellationToken.None));
        Assert.False(await PeriodRollups.AppendedMoreThanAsync(connection, PeriodRollups.Month, lastMonth, appended, CancellationToken.None));
    }

    [Fact]
    public async Task A_customer_named_twice_is_staged_once()
    {
        var client = api.Client();
        (await client.PostCustomersAsync(new { externalId = "pr-twice", acquiredAt = "2022-01-05T10:00:00Z", acquisitionChannel = "twice" })).EnsureSuccessStatusCode();
        (await client.PostTransactionsAsync(
            Tx("pr-t1", "pr-twice", "2022-01-06T10:00:00Z", amount: 10m),
            Tx("pr-t2", "pr-twice", "2022-03-07T10:00:00Z", amount: 20m))).EnsureSuccessStatusCode();
        var id = await api.ScalarAsync<long>("SELECT customer_id FROM customer_keys WHERE external_id = 'pr-twice'");
        var before = await api.ScalarAsync<string>(Cells);

        // Taken back for the customer named twice, added back once: nothing changes.
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            var periods = await PeriodRollups.OpenAsync(connection, CancellationToken.None);
            await periods.StageStoredAsync(connection, [id, id], -1, CancellationToken.None);
            await periods.StageStoredAsync(connection, [id], 1, CancellationToken.None);
            await periods.WriteStagedAsync(connection, CancellationToken.None);
            await transaction.CommitAsync();
        }

        Assert.Equal(before, await api.ScalarAsync<string>(Cells));
    }

    [Fact]
    public async Task A_first_purchase_that_waits_for_a_profile_write_takes_back_the_profile_that_write_left()
    {
        // A customer sent as a profile first (channel "before", no transaction). Another writer
        // holds their summary's lock and moves them to channel "after", as a profile or a
        // subscription write does, while their first purchase waits for that lock.
        var client = api.Client();
        (await client.PostCustomersAsync(new { externalId = "pr-wait", acquisitionChannel = "before" })).EnsureSuccessStatusCode();
        var id = await api.ScalarAsync<long>("SELECT customer_id FROM customer_keys WHERE external_id = 'pr-wait'");
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var lockSummary = new NpgsqlCommand($"SELECT 1 FROM customer_summaries WHERE customer_id = {id} FOR UPDATE", connection))
        {
            await lockSummary.ExecuteNonQueryAsync();
        }

        var purchase = client.PostTransactionsAsync(Tx("pr-wait-1", "pr-wait", "2022-05-06T10:00:00Z", amount: 10m));
        await api.UntilWaitingForLockAsync("%FROM customer_summaries s JOIN unnest(%");
        await MoveAsync(connection, id, "after");
        await transaction.CommitAsync();
        (await purchase).EnsureSuccessStatusCode();

        // The purchase took back the customer's place under "after": nothing is left under "before".
        Assert.DoesNotContain("(before,", await AssertBuiltAgainAsync(api), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_profile_that_moves_nobody_does_not_wait_for_the_writers_of_its_customers()
    {
        // A customer with a channel, an acquisition and a purchase, whose summary another writer
        // holds (a transaction writer of theirs holds it for its whole batch).
        var client = api.Client();
        object Profile(string channel, string country) =>
            new { externalId = "pr-resend", acquiredAt = "2024-01-05T10:00:00Z", acquisitionChannel = channel, country };
        (await client.PostCustomersAsync(Profile("resend-search", "US"))).EnsureSuccessStatusCode();
        (await client.PostTransactionsAsync(Tx("pr-resend-1", "pr-resend", "2024-01-06T10:00:00Z", amount: 10m))).EnsureSuccessStatusCode();
        var id = await api.ScalarAsync<long>("SELECT customer_id FROM customer_keys WHERE external_id = 'pr-resend'");
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var lockSummary = new NpgsqlCommand($"SELECT 1 FROM customer_summaries WHERE customer_id = {id} FOR UPDATE", connection))
        {
            await lockSummary.ExecuteNonQueryAsync();
        }

        // The CRM sends the profile again, with another country: it names the same channel and
        // acquisition, so it moves the customer between no cells and needs no lock.
        var resent = await (await client.PostCustomersAsync(Profile("resend-search", "DE")).WaitAsync(TimeSpan.FromSeconds(30))).JsonAsync();
        Assert.Equal((0L, 1L, 0L), (resent.Long("created"), resent.Long("updated"), resent.Long("unchanged")));

        // A profile that does move them waits for the lock, and moves them once it is released.
        var moving = client.PostCustomersAsync(Profile("resend-moved", "DE"));
        await api.UntilWaitingForLockAsync("%FROM customer_summaries s JOIN unnest(%");
        Assert.False(moving.IsCompleted);
        await transaction.CommitAsync();
        (await moving).EnsureSuccessStatusCode();

        Assert.Equal("resend-moved DE", await api.ScalarAsync<string>($"SELECT acquisition_channel || ' ' || country FROM customers WHERE id = {id}"));
        var cells = await AssertBuiltAgainAsync(api);
        Assert.Contains("(resend-moved,", cells, StringComparison.Ordinal);
        Assert.DoesNotContain("(resend-search,", cells, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_profile_that_found_nothing_to_move_keeps_the_move_another_writer_made_meanwhile()
    {
        // The profile names the channel stored when it is read, so it locks no summary; before it
        // writes, another writer moves the customer to another channel (under their summary's
        // lock, as profile and subscription writes do) while it waits for the customer's row.
        var client = api.Client();
        (await client.PostCustomersAsync(new { externalId = "pr-race", acquisitionChannel = "race-first" })).EnsureSuccessStatusCode();
        (await client.PostTransactionsAsync(Tx("pr-race-1", "pr-race", "2024-02-06T10:00:00Z", amount: 10m))).EnsureSuccessStatusCode();
        var id = await api.ScalarAsync<long>("SELECT customer_id FROM customer_keys WHERE external_id = 'pr-race'");
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var lockRows = new NpgsqlCommand(
            $"SELECT 1 FROM customer_summaries WHERE customer_id = {id} FOR UPDATE; SELECT 1 FROM customers WHERE id = {id} FOR UPDATE", connection))
        {
            await lockRows.ExecuteNonQueryAsync();
        }

        var resent = client.PostCustomersAsync(new { externalId = "pr-race", acquisitionChannel = "race-first", country = "FR" });
        await api.UntilWaitingForLockAsync("%INSERT INTO customers AS c%");
        await MoveAsync(connection, id, "race-second");
        await transaction.CommitAsync();
        (await resent).EnsureSuccessStatusCode();

        // The other writer's move stands, as if the profile (which named what was stored before
        // it) had come first; its country is written, and the cells are those of the move.
        Assert.Equal("race-second FR", await api.ScalarAsync<string>($"SELECT acquisition_channel || ' ' || country FROM customers WHERE id = {id}"));
        Assert.DoesNotContain("(race-first,", await AssertBuiltAgainAsync(api), StringComparison.Ordinal);
    }

    /// <summary>
    /// The cells the writes kept, after checking that emptying the group rollup and building it
    /// again from the days gives the same.
    /// </summary>
    internal static async Task<string> AssertBuiltAgainAsync(ClvApiFactory api)
    {
        var kept = await api.ScalarAsync<string>(Cells);
        await api.ExecuteAsync("DELETE FROM period_rollups; UPDATE rollup_state SET period_rollups_through = 0");
        await using (var scope = api.Services.CreateAsyncScope())
        {
            Assert.True(await scope.ServiceProvider.GetRequiredService<RollupRebuilder>().EnsurePeriodRollupsAsync(90, CancellationToken.None));
        }

        var built = await api.ScalarAsync<string>(Cells);
        // The cells only one side has first, which reads better than two long strings.
        Assert.Equal(string.Join("\n", kept.Split(") (").Except(built.Split(") ("))), string.Join("\n", built.Split(") (").Except(kept.Split(") ("))));
        Assert.Equal(kept, built);
        return kept;
    }

    // Moves the customer to another channel in the connection's transaction, as a profile write
    // does under the customer's summary lock: their contribution to the group rollup taken back,
    // the channel changed, and the contribution added again.
    private static async Task MoveAsync(NpgsqlConnection connection, long id, string channel)
    {
        var periods = await PeriodRollups.OpenAsync(connection, CancellationToken.None);
        await periods.StageStoredAsync(connection, [id], -1, CancellationToken.None);
        await using (var move = new NpgsqlCommand($"UPDATE customers SET acquisition_channel = '{channel}' WHERE id = {id}", connection))
        {
            await move.ExecuteNonQueryAsync();
        }

        await periods.StageStoredAsync(connection, [id], 1, CancellationToken.None);
        await periods.WriteStagedAsync(connection, CancellationToken.None);
    }

    // An answer without its dataThrough, which differs between any two computations.
    private static string Without(string json) => System.Text.RegularExpressions.Regex.Replace(json, "\"dataThrough\":\"[^\"]*\"", "");
}

/// <summary>
/// The cells of customers an import creates, or whose profiles came first, computed in the API
/// from the rows and profiles it holds (<c>PeriodContributions</c>), equal those a build from the
/// stored days gives. A class of its own: a database of its own.
/// </summary>
public sealed class PeriodRollupImportTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    [Fact]
    public async Task Cells_of_customers_an_import_creates_computed_in_the_api_equal_a_build_from_scratch()
    {
        // Profiles first, for a third of the customers, as CRMs send them: some with a channel,
        // some with an acquisition time, one a fraction of a microsecond before a midnight before
        // 2000 (stored on the next day); then half of those move before any transaction.
        var client = api.Client();
        var profiles = Enumerable.Range(0, 300).Where(c => c % 3 == 0).Select(c => new
        {
            externalId = $"imp-{c}",
            acquisitionChannel = c % 2 == 0 ? "search" : null,
            acquiredAt = c % 9 == 0 ? DateTime.UtcNow.Date.AddDays(-c * 3).ToString("yyyy-MM-ddT12:00:00Z", System.Globalization.CultureInfo.InvariantCulture) : null,
        }).ToArray<object>();
        (await client.PostCustomersAsync([.. profiles, new { externalId = "imp-edge", acquisitionChannel = "tv", acquiredAt = "1999-12-31T23:59:59.9999995Z" }]))
            .EnsureSuccessStatusCode();
        (await client.PostCustomersAsync(Enumerable.Range(0, 300).Where(c => c % 6 == 0).Select(c => new
        {
            externalId = $"imp-{c}",
            acquisitionChannel = "social",
            acquiredAt = c % 12 == 0 ? DateTime.UtcNow.Date.AddDays(-c * 2).ToString("yyyy-MM-ddT08:00:00Z", System.Globalization.CultureInfo.InvariantCulture) : null,
        }).ToArray<object>())).EnsureSuccessStatusCode();

        // Customers created by the import: their contributions are computed from the rows in the
        // API (PeriodContributions), not read back; a build from the stored days must agree,
        // spells, retention and last purchases included. Days up to three years back, gaps both
        // sides of the 90-day window, refunds, costs, and some purchases tomorrow.
        var random = new Random(20261202);
        var csv = new System.Text.StringBuilder("external_id,customer_external_id,occurred_at,type,amount,currency,cost\n");
        var today = DateTime.UtcNow.Date;
        for (var c = 0; c < 300; c++)
        {
            var day = today.AddDays(-random.Next(1100));
            for (var t = random.Next(1, 8); t > 0; t--)
            {
                var at = random.Next(12) == 0 ? today.AddDays(1).AddHours(1) : day.AddHours(random.Next(24));
                var refund = random.Next(6) == 0;
                var amount = random.Next(1, 40_000) / 100m;
                var cost = refund || random.Next(2) == 0 ? "" : (amount / 3).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
                csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"imp-{c}-{t},imp-{c},{at:yyyy-MM-ddTHH:mm:ssZ},{(refund ? "refund" : "purchase")},{amount},USD,{cost}\n");
                day = day.AddDays(random.Next(4) == 0 ? random.Next(91, 400) : random.Next(0, 90));
                day = day > today ? today : day;
            }
        }

        (await client.PostCsvAsync(csv.ToString())).EnsureSuccessStatusCode();

        // Profiles after the transactions: some move customers with days, some repeat what is stored.
        (await client.PostCustomersAsync(Enumerable.Range(0, 300).Where(c => c % 5 == 0 || c % 7 == 0).Select(c => new
        {
            externalId = $"imp-{c}",
            acquisitionChannel = c % 5 == 0 ? "email" : c % 6 == 0 ? "social" : c % 3 == 0 && c % 2 == 0 ? "search" : null,
        }).ToArray<object>())).EnsureSuccessStatusCode();
        Assert.Equal("2000-01-01", await api.ScalarAsync<string>("SELECT (acquired_at AT TIME ZONE 'UTC')::date::text FROM customers WHERE external_id = 'imp-edge'"));
        await PeriodRollupTests.AssertBuiltAgainAsync(api);
    }
}
