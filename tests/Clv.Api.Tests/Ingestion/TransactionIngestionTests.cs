using System.Net;
using System.Net.Http.Json;
using System.Text;
using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Ingestion;

public sealed class TransactionIngestionTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private readonly HttpClient _client = api.Client();

    [Fact]
    public async Task Post_batch_stores_valid_items_and_rejects_invalid_ones_by_index()
    {
        var response = await _client.PostTransactionsAsync(
            Tx("v-1", "v-cust", amount: 10m),
            Tx("v-2", "v-cust", amount: -1m),
            Tx("v-3", "v-cust", occurredAt: "2024-01-10T12:00:00"),
            Tx("v-4", "v-cust", type: "refund", amount: 3m));

        var body = await response.JsonAsync();
        Assert.Equal(4, body.Long("received"));
        Assert.Equal(2, body.Long("inserted"));
        Assert.Equal(2, body.Long("rejected"));
        var errors = body.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("index").GetInt32(), e.GetProperty("field").GetString())).ToList();
        Assert.Equal([(1, "amount"), (2, "occurredAt")], errors);
        Assert.Equal(2, await api.ScalarAsync<long>("SELECT count(*) FROM transactions t JOIN customers c ON c.id = t.customer_id WHERE c.external_id = 'v-cust'"));
    }

    [Fact]
    public async Task Post_batch_with_duplicate_external_ids_stores_each_once()
    {
        var response = await _client.PostTransactionsAsync(Tx("d-1", "d-cust", amount: 5m), Tx("d-1", "d-cust", amount: 7m), Tx("d-2", "d-cust"));

        var body = await response.JsonAsync();
        Assert.Equal(2, body.Long("inserted"));
        Assert.Equal(1, body.Long("duplicates"));
        Assert.Equal(5m, await api.ScalarAsync<decimal>("SELECT amount FROM transactions WHERE external_id = 'd-1'"));
    }

    [Fact]
    public async Task A_stored_id_sent_again_under_a_new_customer_is_a_duplicate_and_stays_with_its_customer()
    {
        // The batch's customer is new, so its rows are not looked up before the COPY: the stored id
        // fails it on the key, and the batch runs again on the contended path, which finds it.
        (await _client.PostTransactionsAsync(Tx("n-1", "n-first", amount: 30m))).EnsureSuccessStatusCode();

        var body = await (await _client.PostTransactionsAsync(Tx("n-1", "n-second", amount: 99m), Tx("n-2", "n-second", amount: 4m))).JsonAsync();

        Assert.Equal((1, 1), (body.Long("inserted"), body.Long("duplicates")));
        Assert.Equal(30m, await api.ScalarAsync<decimal>(
            "SELECT t.amount FROM transactions t JOIN customers c ON c.id = t.customer_id WHERE t.external_id = 'n-1' AND c.external_id = 'n-first'"));
        var second = await (await _client.GetAsync("/api/v1/customers/n-second")).JsonAsync();
        Assert.Equal(4m, second.GetProperty("historical").Dec("netRevenue"));
    }

    [Theory]
    [InlineData("json")]
    [InlineData("atomic")]
    [InlineData("csv")]
    public async Task A_new_customer_whose_only_rows_are_stored_ids_is_not_created(string how)
    {
        // The helper's report of 2026-12-05: a retried row sent under a customer that did not exist yet
        // answered "duplicate" and still left that customer, empty, counted among the portfolio's customers.
        var (stored, ghost) = ($"gh-{how}-1", $"gh-{how}-ghost");
        (await _client.PostTransactionsAsync(Tx(stored, $"gh-{how}-first", amount: 30m))).EnsureSuccessStatusCode();
        var customersBefore = await api.ScalarAsync<long>("SELECT count(*) FROM customers");

        var response = how switch
        {
            "json" => await _client.PostTransactionsAsync(Tx(stored, ghost, amount: 99m)),
            "atomic" => await _client.PostAsJsonAsync("/api/v1/transactions?atomic=true", new { transactions = new[] { Tx(stored, ghost, amount: 99m) } }),
            _ => await _client.PostCsvAsync($"external_id,customer_external_id,occurred_at,type,amount,currency\n{stored},{ghost},2024-01-10T12:00:00Z,purchase,99,USD\n"),
        };

        var body = await response.JsonAsync();
        Assert.Equal((0, 1), (body.Long("inserted"), body.Long("duplicates")));
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"/api/v1/customers/{ghost}")).StatusCode);
        Assert.Equal(customersBefore, await api.ScalarAsync<long>("SELECT count(*) FROM customers"));
        Assert.Equal(0, await api.ScalarAsync<long>($"SELECT (SELECT count(*) FROM customer_keys WHERE external_id = '{ghost}') + (SELECT count(*) FROM customer_summaries s WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = s.customer_id))"));
    }

    [Fact]
    public async Task Replaying_the_same_batch_stores_nothing_new()
    {
        object[] batch = [Tx("r-1", "r-cust", amount: 12.5m), Tx("r-2", "r-cust", occurredAt: "2024-02-01T09:00:00+02:00", amount: 7.25m)];
        (await _client.PostTransactionsAsync(batch)).EnsureSuccessStatusCode();

        var replay = await (await _client.PostTransactionsAsync(batch)).JsonAsync();

        Assert.Equal(0, replay.Long("inserted"));
        Assert.Equal(2, replay.Long("duplicates"));
        var customer = await (await _client.GetAsync("/api/v1/customers/r-cust")).JsonAsync();
        Assert.Equal(19.75m, customer.GetProperty("historical").Dec("netRevenue"));
        Assert.Equal(2, await api.ScalarAsync<long>("SELECT count(*) FROM transactions WHERE external_id LIKE 'r-%'"));
    }

    [Fact]
    public async Task Atomic_batch_with_an_invalid_item_is_422_and_stores_nothing()
    {
        var response = await _client.PostAsJsonAsync("/api/v1/transactions?atomic=true",
            new { transactions = new[] { Tx("a-1", "a-cust"), Tx("a-2", "a-cust", currency: "XYZ") } });

        var problem = await response.ProblemAsync(HttpStatusCode.UnprocessableEntity);
        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal(1, error.GetProperty("index").GetInt32());
        Assert.Equal("currency", error.GetProperty("field").GetString());
        Assert.Equal(0, await api.ScalarAsync<long>("SELECT count(*) FROM customers WHERE external_id = 'a-cust'"));
    }

    [Fact]
    public async Task A_cost_above_ten_times_the_amount_is_rejected_naming_the_cost_in_json_and_csv()
    {
        var body = await (await _client.PostTransactionsAsync(
            Tx("cost-1", "cost-cust", amount: 10m, cost: 100m),
            Tx("cost-2", "cost-cust", amount: 10m, cost: 100.0001m),
            Tx("cost-3", "cost-cust", type: "refund", amount: 1m, cost: 10.01m),
            Tx("cost-4", "cost-cust", amount: 0.01m, cost: 999_999_999_999_999m))).JsonAsync();
        var csv = await (await _client.PostCsvAsync("""
            external_id,customer_external_id,occurred_at,type,amount,currency,cost
            cost-5,cost-cust,2024-01-10T12:00:00Z,purchase,2.50,USD,25
            cost-6,cost-cust,2024-01-10T12:00:00Z,purchase,2.50,USD,25.01
            """)).JsonAsync();

        Assert.Equal(1, body.Long("inserted"));
        Assert.Equal([(1, "cost"), (2, "cost"), (3, "cost")], body.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("index").GetInt32(), e.GetProperty("field").GetString())));
        Assert.Contains("10", body.GetProperty("errors")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, csv.Long("inserted"));
        var error = Assert.Single(csv.GetProperty("errors").EnumerateArray());
        Assert.Equal((3, "cost"), (error.GetProperty("line").GetInt32(), error.GetProperty("field").GetString()));
        Assert.Equal(2, await api.ScalarAsync<long>("SELECT count(*) FROM transactions WHERE external_id IN ('cost-1', 'cost-5')"));
    }

    [Fact]
    public async Task Transaction_in_another_currency_without_a_rate_is_rejected_naming_the_currency_and_date()
    {
        var body = await (await _client.PostTransactionsAsync(Tx("fx-1", "fx-cust", currency: "EUR"))).JsonAsync();

        var message = body.GetProperty("errors")[0].GetProperty("message").GetString();
        Assert.Contains("EUR", message, StringComparison.Ordinal);
        Assert.Contains("2024-01-10", message, StringComparison.Ordinal);
        Assert.Equal(1, body.Long("rejected"));
    }

    [Fact]
    public async Task Refund_of_zero_and_more_than_four_decimals_are_rejected_but_a_free_order_is_stored()
    {
        var body = await (await _client.PostTransactionsAsync(
            Tx("z-1", "z-cust", type: "refund", amount: 0m),
            Tx("z-2", "z-cust", amount: 1.23456m),
            Tx("z-3", "z-cust", amount: 0m))).JsonAsync();

        Assert.Equal(1, body.Long("inserted"));
        Assert.Equal([0, 1], body.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("index").GetInt32()));
    }

    [Fact]
    public async Task Dates_before_1970_or_more_than_a_day_ahead_are_rejected()
    {
        var ahead = DateTimeOffset.UtcNow.AddDays(2).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var body = await (await _client.PostTransactionsAsync(Tx("dt-1", "dt-cust", occurredAt: "1969-12-31T23:59:59Z"), Tx("dt-2", "dt-cust", occurredAt: ahead))).JsonAsync();

        Assert.Equal(2, body.Long("rejected"));
        Assert.All(body.GetProperty("errors").EnumerateArray(), e => Assert.Equal("occurredAt", e.GetProperty("field").GetString()));
    }

    [Theory]
    [InlineData("json")]
    [InlineData("csv")]
    public async Task A_timestamp_with_a_line_break_after_it_is_rejected_as_its_declared_pattern_says(string how)
    {
        // The pattern's $ let "...Z\n" through (.NET's $ matches before a final line break), unlike the OpenAPI pattern it is declared as.
        var body = how == "json"
            ? await (await _client.PostTransactionsAsync(Tx("nl-1", "nl-cust", occurredAt: "2024-01-10T12:00:00Z\n"))).JsonAsync()
            : await (await _client.PostCsvAsync("external_id,customer_external_id,occurred_at,type,amount,currency\nnl-2,nl-cust,\"2024-01-10T12:00:00Z\n\",purchase,1,USD\n")).JsonAsync();

        Assert.Equal(1, body.Long("rejected"));
        Assert.StartsWith("occurred", body.GetProperty("errors")[0].GetProperty("field").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_customer_is_created_and_acquired_at_its_first_transaction()
    {
        (await _client.PostTransactionsAsync(Tx("u-2", "u-cust", occurredAt: "2024-03-05T10:00:00Z"), Tx("u-1", "u-cust", occurredAt: "2024-03-01T08:00:00Z"))).EnsureSuccessStatusCode();

        var customer = await (await _client.GetAsync("/api/v1/customers/u-cust")).JsonAsync();
        Assert.Equal(DateTimeOffset.Parse("2024-03-01T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture), customer.GetProperty("acquiredAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Batch_over_ten_thousand_items_is_413()
    {
        var items = Enumerable.Range(0, 10_001).Select(i => Tx($"big-{i}", "big-cust")).ToArray();

        var response = await _client.PostTransactionsAsync(items);

        await response.ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(0, await api.ScalarAsync<long>("SELECT count(*) FROM transactions WHERE external_id LIKE 'big-%'"));
    }

    [Fact]
    public async Task Malformed_json_is_400_problem_naming_the_path()
    {
        var response = await _client.PostAsync("/api/v1/transactions",
            new StringContent("""{"transactions":[{"externalId":"m-1","amount":"ten"}]}""", Encoding.UTF8, "application/json"));

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("transactions[0].amount", problem.GetRawText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1e-29")]
    [InlineData("0.000000000000000000000000000001")]
    [InlineData("1.00000000000000000000000000001")]
    public async Task An_amount_a_decimal_would_round_is_400_naming_it_and_nothing_is_stored(string amount)
    {
        // The helper's report of 2026-12-05: 1e-29 was read as 0 and stored as a free purchase.
        var response = await _client.PostAsync("/api/v1/transactions", new StringContent(
            $$"""{"transactions":[{"externalId":"rnd-1","customerExternalId":"rnd-cust","occurredAt":"2024-01-01T00:00:00Z","type":"purchase","amount":{{amount}},"currency":"USD"}]}""",
            Encoding.UTF8, "application/json"));

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("transactions[0].amount", problem.GetRawText(), StringComparison.Ordinal);
        Assert.Contains("stored exactly", problem.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(0, await api.ScalarAsync<long>("SELECT count(*) FROM transactions WHERE external_id = 'rnd-1'"));
    }

    [Theory]
    [InlineData("1.5E2", 150)]
    [InlineData("29.330000000000000000000000000000", 29.33)]
    [InlineData("0.1e1", 1)]
    public async Task An_amount_written_long_or_with_an_exponent_is_kept_when_exact(string amount, double expected)
    {
        var id = $"exact-{amount}";
        var response = await _client.PostAsync("/api/v1/transactions", new StringContent(
            $$"""{"transactions":[{"externalId":"{{id}}","customerExternalId":"exact-cust","occurredAt":"2024-01-01T00:00:00Z","type":"purchase","amount":{{amount}},"currency":"USD"}]}""",
            Encoding.UTF8, "application/json"));

        Assert.Equal(1, (await response.JsonAsync()).Long("inserted"));
        Assert.Equal((decimal)expected, await api.ScalarAsync<decimal>($"SELECT amount FROM transactions WHERE external_id = '{id}'"));
    }

    [Fact]
    public async Task A_field_sent_twice_in_an_item_is_400_naming_it_and_nothing_is_stored()
    {
        // The helper's report of 2026-12-05: the last of the two values was stored, without a word.
        var response = await _client.PostAsync("/api/v1/transactions", new StringContent(
            """{"transactions":[{"externalId":"dup-key-1","customerExternalId":"dup-key-cust","occurredAt":"2024-01-01T00:00:00Z","type":"purchase","amount":1,"currency":"USD","amount":1000}]}""",
            Encoding.UTF8, "application/json"));

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("transactions[0]", problem.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(0, await api.ScalarAsync<long>("SELECT count(*) FROM transactions WHERE external_id = 'dup-key-1'"));
    }

    [Fact]
    public async Task Truncated_json_is_400_problem()
    {
        var response = await _client.PostAsync("/api/v1/transactions", new StringContent("""{"transactions":[{"externalId":""", Encoding.UTF8, "application/json"));

        await response.ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Wrong_content_type_is_415_problem()
    {
        var response = await _client.PostAsync("/api/v1/transactions", new StringContent("externalId=1", Encoding.UTF8, "application/x-www-form-urlencoded"));

        await response.ProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Body_without_transactions_array_is_400_problem()
    {
        var response = await _client.PostAsJsonAsync("/api/v1/transactions", new { items = Array.Empty<object>() });

        await response.ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Unknown_json_fields_are_ignored()
    {
        var response = await _client.PostAsync("/api/v1/transactions", new StringContent(
            """{"transactions":[{"externalId":"x-1","customerExternalId":"x-cust","occurredAt":"2024-01-01T00:00:00Z","type":"purchase","amount":1,"currency":"USD","coupon":"SPRING"}],"source":"crm"}""",
            Encoding.UTF8, "application/json"));

        Assert.Equal(1, (await response.JsonAsync()).Long("inserted"));
    }
}
