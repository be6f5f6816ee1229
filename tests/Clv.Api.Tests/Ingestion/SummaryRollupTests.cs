using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Ingestion;

/// <summary>
/// The per-customer rollups (day rollup and summary) that reads and model runs use: kept current
/// by the transaction that stores the rows.
/// </summary>
public sealed class SummaryRollupTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private readonly HttpClient _client = api.Client();

    [Fact]
    public async Task Summary_keeps_first_and_last_purchase_day_and_the_value_of_repeat_days_whatever_the_arrival_order()
    {
        // Days: 01-03 buys 7; 01-02 buys 20 and refunds 5 (value 15); 01-01 buys 10; 01-04 only a refund of 4.
        // Purchase days 01-01..01-03; the repeat days are 01-02 and 01-03: 15 + 7 = 22. The refund-only day
        // is no purchase day and adds nothing to the repeat value. Sent newest first, in two batches.
        (await _client.PostTransactionsAsync(Tx("o-3", "o-cust", "2024-01-03T10:00:00Z", amount: 7m), Tx("o-4", "o-cust", "2024-01-04T10:00:00Z", type: "refund", amount: 4m))).EnsureSuccessStatusCode();
        (await _client.PostTransactionsAsync(
            Tx("o-2a", "o-cust", "2024-01-02T10:00:00Z", amount: 20m),
            Tx("o-2b", "o-cust", "2024-01-02T11:00:00Z", type: "refund", amount: 5m),
            Tx("o-1", "o-cust", "2024-01-01T10:00:00Z", amount: 10m))).EnsureSuccessStatusCode();

        const string Summary = "FROM customer_summaries s JOIN customers c ON c.id = s.customer_id WHERE c.external_id = 'o-cust'";
        Assert.Equal(22m, await api.ScalarAsync<decimal>($"SELECT repeat_days_value {Summary}"));
        Assert.Equal("2024-01-01", await api.ScalarAsync<string>($"SELECT first_purchase_day::text {Summary}"));
        Assert.Equal("2024-01-03", await api.ScalarAsync<string>($"SELECT last_purchase_day::text {Summary}"));
        Assert.Equal(3, await api.ScalarAsync<int>($"SELECT purchase_days {Summary}"));
        Assert.Equal(28m, await api.ScalarAsync<decimal>($"SELECT net_revenue {Summary}")); // 37 - 9
    }

    [Fact]
    public async Task A_read_right_after_a_write_sees_it_whole()
    {
        // Three writes, each read at once: 10, then 10 + 5, then 10 + 5 - 3 (a refund).
        decimal[] expected = [10m, 15m, 12m];
        (string Id, string Type, decimal Amount)[] writes = [("w-1", "purchase", 10m), ("w-2", "purchase", 5m), ("w-3", "refund", 3m)];
        for (var i = 0; i < writes.Length; i++)
        {
            (await _client.PostTransactionsAsync(Tx(writes[i].Id, "w-cust", $"2024-02-0{i + 1}T10:00:00Z", type: writes[i].Type, amount: writes[i].Amount))).EnsureSuccessStatusCode();
            var customer = await (await _client.GetAsync("/api/v1/customers/w-cust")).JsonAsync();
            Assert.Equal(expected[i], customer.GetProperty("historical").GetProperty("netRevenue").GetDecimal());
        }
    }

    [Fact]
    public async Task The_rollups_hold_a_write_when_it_is_acknowledged()
    {
        // Read the tables directly, with no read through the API in between: nothing else runs to
        // bring them up to date.
        (await _client.PostTransactionsAsync(Tx("ack-1", "ack-old", "2024-05-01T10:00:00Z", amount: 10m))).EnsureSuccessStatusCode();
        (await _client.PostTransactionsAsync(
            Tx("ack-2", "ack-new", "2024-05-02T10:00:00Z", amount: 7m), Tx("ack-3", "ack-old", "2024-05-03T10:00:00Z", type: "refund", amount: 4m)))
            .EnsureSuccessStatusCode();

        const string Summary = "FROM customer_summaries s JOIN customers c ON c.id = s.customer_id WHERE c.external_id = ";
        Assert.Equal(7m, await api.ScalarAsync<decimal>($"SELECT net_revenue {Summary}'ack-new'"));
        Assert.Equal(6m, await api.ScalarAsync<decimal>($"SELECT net_revenue {Summary}'ack-old'"));
        Assert.Equal(4m, await api.ScalarAsync<decimal>($"SELECT refunds {Summary}'ack-old'"));
        Assert.Equal(2L, await api.ScalarAsync<long>(
            "SELECT count(*) FROM customer_days d JOIN customers c ON c.id = d.customer_id WHERE c.external_id = 'ack-old'"));
    }

    [Fact]
    public async Task Concurrent_writers_of_one_customer_each_count_in_the_summary()
    {
        // Twelve requests at once, each a purchase of k on its own day 2024-06-k for one customer:
        // every writer recomputes the summary, and none may do it from days that miss another's.
        const int Writers = 12;
        var posts = Enumerable.Range(1, Writers).Select(k => Task.Run(async () =>
            (await api.Client().PostTransactionsAsync(Tx($"cc-{k}", "cc-cust", $"2024-06-{k:00}T10:00:00Z", amount: k))).EnsureSuccessStatusCode()));
        await Task.WhenAll(posts);

        const string Summary = "FROM customer_summaries s JOIN customers c ON c.id = s.customer_id WHERE c.external_id = 'cc-cust'";
        Assert.Equal(Writers, await api.ScalarAsync<int>($"SELECT purchase_days {Summary}"));
        Assert.Equal(78m, await api.ScalarAsync<decimal>($"SELECT net_revenue {Summary}")); // 1 + 2 + ... + 12
        Assert.Equal(77m, await api.ScalarAsync<decimal>($"SELECT repeat_days_value {Summary}")); // all but 2024-06-01's 1
        Assert.Equal("2024-06-12", await api.ScalarAsync<string>($"SELECT last_purchase_day::text {Summary}"));
    }

    [Fact]
    public async Task After_mixed_writes_every_rollup_row_equals_a_recomputation_from_the_transactions()
    {
        // New, known and profile-only customers, JSON and CSV, purchases with and without cost, refunds,
        // earlier days arriving later, repeats of stored ids, a day split by New York midnight
        // ... all in UTC here; the test's SQL sums the transactions on its own.
        // Some customers are sent as profiles first, as CRMs do: their first rows meet an empty summary.
        (await _client.PostCustomersAsync([.. Enumerable.Range(18, 7).Select(i => (object)new { externalId = $"mx-{i}", country = "US" })])).EnsureSuccessStatusCode();
        var random = new Random(20261202);
        for (var batch = 0; batch < 6; batch++)
        {
            var rows = Enumerable.Range(0, 60).Select(i =>
            {
                var customer = $"mx-{random.Next(25)}";
                var day = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(random.Next(40)).AddMinutes(random.Next(1440));
                var refund = random.Next(5) == 0;
                var id = $"mx-{batch}-{i}";
                var repeat = random.Next(8) == 0 && batch > 0 ? $"mx-{batch - 1}-{i}" : id;
                return (Id: repeat, Customer: customer, At: day.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
                    Type: refund ? "refund" : "purchase", Amount: Math.Round((decimal)random.NextDouble() * 50 + 1, 2), Cost: random.Next(3) == 0 ? 3.5m : (decimal?)null);
            }).ToList();
            if (batch % 2 == 0)
            {
                (await _client.PostTransactionsAsync([.. rows.Select(r => Tx(r.Id, r.Customer, r.At, type: r.Type, amount: r.Amount, cost: r.Cost))])).EnsureSuccessStatusCode();
            }
            else
            {
                var csv = new System.Text.StringBuilder("external_id,customer_external_id,occurred_at,type,amount,currency,cost\n");
                foreach (var r in rows)
                {
                    csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"{r.Id},{r.Customer},{r.At},{r.Type},{r.Amount},USD,{r.Cost}\n");
                }

                (await _client.PostCsvAsync(csv.ToString())).EnsureSuccessStatusCode();
            }
        }

        // Profiles whose only transactions come in one batch: their summaries are set from those rows alone.
        (await _client.PostCustomersAsync([.. Enumerable.Range(0, 5).Select(i => (object)new { externalId = $"mx-once-{i}" })])).EnsureSuccessStatusCode();
        (await _client.PostTransactionsAsync([.. Enumerable.Range(0, 5).SelectMany(i => new[]
        {
            Tx($"mx-once-{i}-a", $"mx-once-{i}", "2024-03-01T10:00:00Z", amount: 10m + i, cost: 4m),
            Tx($"mx-once-{i}-b", $"mx-once-{i}", "2024-03-05T10:00:00Z", amount: 7m),
            Tx($"mx-once-{i}-c", $"mx-once-{i}", "2024-03-05T12:00:00Z", type: "refund", amount: 2m),
        })])).EnsureSuccessStatusCode();

        // The day rollup and the summaries, each set against the same figures summed from the rows.
        Assert.Equal(0L, await api.ScalarAsync<long>("""
            WITH expected AS (
                SELECT customer_id, (occurred_at AT TIME ZONE 'UTC')::date AS day,
                       count(*) FILTER (WHERE type = 1) AS purchases, count(*) FILTER (WHERE type = 2) AS refund_count,
                       coalesce(sum(amount) FILTER (WHERE type = 1), 0) AS gross, coalesce(sum(amount) FILTER (WHERE type = 2), 0) AS refunds,
                       coalesce(sum(cost) FILTER (WHERE type = 1), 0) - coalesce(sum(cost) FILTER (WHERE type = 2), 0) AS cost,
                       count(cost) AS cost_count, min(occurred_at) FILTER (WHERE type = 1) AS first_at, max(occurred_at) FILTER (WHERE type = 1) AS last_at
                FROM transactions WHERE external_id LIKE 'mx-%' GROUP BY 1, 2),
            actual AS (SELECT d.customer_id, d.day, d.purchase_count, d.refund_count, d.gross_revenue, d.refunds, d.cost, d.cost_count,
                              d.first_purchase_at, d.last_purchase_at
                       FROM customer_days d JOIN customers c ON c.id = d.customer_id WHERE c.external_id LIKE 'mx-%')
            SELECT count(*) FROM ((TABLE expected EXCEPT TABLE actual) UNION ALL (TABLE actual EXCEPT TABLE expected)) AS difference
            """));
        Assert.Equal(0L, await api.ScalarAsync<long>("""
            WITH days AS (
                SELECT customer_id, (occurred_at AT TIME ZONE 'UTC')::date AS day, count(*) FILTER (WHERE type = 1) AS purchases,
                       sum(CASE WHEN type = 1 THEN amount ELSE -amount END) AS net
                FROM transactions WHERE external_id LIKE 'mx-%' GROUP BY 1, 2),
            firsts AS (SELECT DISTINCT ON (customer_id) customer_id, day, net FROM days WHERE purchases > 0 ORDER BY customer_id, day),
            expected AS (
                SELECT t.customer_id, count(*) FILTER (WHERE t.type = 1) AS purchases,
                       coalesce(sum(t.amount) FILTER (WHERE t.type = 1), 0) - coalesce(sum(t.amount) FILTER (WHERE t.type = 2), 0) AS net,
                       CASE WHEN count(t.cost) > 0 THEN coalesce(sum(t.cost) FILTER (WHERE t.type = 1), 0) - coalesce(sum(t.cost) FILTER (WHERE t.type = 2), 0) END AS known_cost,
                       (SELECT count(*) FROM days d WHERE d.customer_id = t.customer_id AND d.purchases > 0) AS purchase_days,
                       (SELECT f.day FROM firsts f WHERE f.customer_id = t.customer_id) AS first_day,
                       (SELECT max(d.day) FROM days d WHERE d.customer_id = t.customer_id AND d.purchases > 0) AS last_day,
                       coalesce((SELECT sum(d.net) FROM days d WHERE d.customer_id = t.customer_id AND d.purchases > 0)
                                - (SELECT f.net FROM firsts f WHERE f.customer_id = t.customer_id), 0) AS repeat_value
                FROM transactions t WHERE t.external_id LIKE 'mx-%' GROUP BY t.customer_id),
            actual AS (SELECT s.customer_id, s.purchase_count::bigint, s.net_revenue, s.known_cost, s.purchase_days::bigint, s.first_purchase_day,
                              s.last_purchase_day, s.repeat_days_value
                       FROM customer_summaries s JOIN customers c ON c.id = s.customer_id WHERE c.external_id LIKE 'mx-%')
            SELECT count(*) FROM ((TABLE expected EXCEPT TABLE actual) UNION ALL (TABLE actual EXCEPT TABLE expected)) AS difference
            """));
    }

    [Fact]
    public async Task An_import_of_more_than_ten_thousand_customers_gives_each_its_days_and_summary()
    {
        // 10,500 customers, several chunks of both writers: each buys i % 7 + 1 on
        // 2024-04-01 and 2 on 2024-04-02; every third also has 1 refunded on 2024-04-02.
        const int Customers = 10_500;
        var csv = new System.Text.StringBuilder("external_id,customer_external_id,occurred_at,type,amount,currency\n");
        decimal net = 0, repeatValue = 0;
        for (var i = 0; i < Customers; i++)
        {
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"big-{i}-a,big-{i},2024-04-01T10:00:00Z,purchase,{i % 7 + 1},USD\n");
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"big-{i}-b,big-{i},2024-04-02T10:00:00Z,purchase,2,USD\n");
            net += i % 7 + 1 + 2;
            repeatValue += 2;
            if (i % 3 == 0)
            {
                csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"big-{i}-r,big-{i},2024-04-02T11:00:00Z,refund,1,USD\n");
                net -= 1;
                repeatValue -= 1;
            }
        }

        (await _client.PostCsvAsync(csv.ToString())).EnsureSuccessStatusCode();

        const string Big = "FROM customer_summaries s JOIN customers c ON c.id = s.customer_id WHERE c.external_id LIKE 'big-%'";
        Assert.Equal(Customers, await api.ScalarAsync<long>($"SELECT count(*) {Big}"));
        Assert.Equal(2L * Customers, await api.ScalarAsync<long>($"SELECT sum(purchase_days) {Big}"));
        Assert.Equal(net, await api.ScalarAsync<decimal>($"SELECT sum(net_revenue) {Big}"));
        Assert.Equal(repeatValue, await api.ScalarAsync<decimal>($"SELECT sum(repeat_days_value) {Big}"));
        Assert.Equal(2L * Customers, await api.ScalarAsync<long>(
            "SELECT count(*) FROM customer_days d JOIN customers c ON c.id = d.customer_id WHERE c.external_id LIKE 'big-%'"));
    }
}
