using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Clv.Api.Tests.Infrastructure;
using Npgsql;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Subscriptions;

/// <summary>POST /api/v1/subscriptions and its CSV import: validation per item, upserts, cancellations, customers, currency, erasure.</summary>
public sealed class SubscriptionIngestionTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private readonly HttpClient _client = api.Client();

    internal static object Sub(
        string id, string customer, string plan = "pro", string startedAt = "2024-01-15T00:00:00Z", string? endedAt = null,
        string billingPeriod = "month", decimal amount = 49m, string currency = "USD") =>
        new { externalId = id, customerExternalId = customer, plan, startedAt, endedAt, billingPeriod, amount, currency };

    internal static Task<HttpResponseMessage> PostSubscriptionsAsync(HttpClient client, params object[] items) =>
        client.PostAsJsonAsync("/api/v1/subscriptions", new { subscriptions = items });

    private Task<HttpResponseMessage> PostCsvAsync(string csv, string query = "") =>
        _client.PostAsync("/api/v1/subscriptions/import" + query, new StringContent(csv, new UTF8Encoding(false), "text/csv"));

    [Fact]
    public async Task Invalid_items_are_rejected_per_item_naming_the_index_and_field()
    {
        var body = await (await PostSubscriptionsAsync(_client,
            Sub("v-ok", "v-cust"),
            Sub("v-period", "v-cust", billingPeriod: "week"),
            Sub("v-ends-first", "v-cust", endedAt: "2024-01-14T00:00:00Z"),
            Sub("v-amount", "v-cust", amount: -1m),
            Sub("v-currency", "v-cust", currency: "XXY"),
            Sub("v-plan", "v-cust", plan: ""),
            Sub("v-start", "v-cust", startedAt: "2999-01-01T00:00:00Z"),
            Sub("v-ok", "v-cust", plan: "basic"))).JsonAsync();

        Assert.Equal(1, body.Long("created"));
        Assert.Equal(7, body.Long("rejected"));
        var errors = body.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("index").GetInt32(), e.GetProperty("field").GetString())).ToList();
        Assert.Equal([(1, "billingPeriod"), (2, "endedAt"), (3, "amount"), (4, "currency"), (5, "plan"), (6, "startedAt"), (7, "externalId")], errors);
        Assert.Equal("pro", await api.ScalarAsync<string>("SELECT plan FROM subscriptions WHERE external_id = 'v-ok'"));
    }

    [Fact]
    public async Task A_later_post_with_endedAt_records_the_cancellation_and_a_resend_is_unchanged()
    {
        (await PostSubscriptionsAsync(_client, Sub("c-1", "c-cust"), Sub("c-2", "c-cust"))).EnsureSuccessStatusCode();

        var cancelled = await (await PostSubscriptionsAsync(_client, Sub("c-1", "c-cust", endedAt: "2024-04-15T00:00:00Z"), Sub("c-2", "c-cust"), Sub("c-3", "c-cust"))).JsonAsync();

        Assert.Equal((1L, 1L, 1L), (cancelled.Long("created"), cancelled.Long("updated"), cancelled.Long("unchanged")));
        Assert.Equal("2024-04-15", await api.ScalarAsync<string>("SELECT to_char(ended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM subscriptions WHERE external_id = 'c-1'"));
        Assert.Equal(3L, await api.ScalarAsync<long>("SELECT count(*) FROM subscription_keys WHERE external_id LIKE 'c-%'"));
    }

    // The contract said "endedAt: null while active", while a day before a later cancellation showed the end with status
    // active (the audit of 2026-12-06): the end is shown as known now, the status as of the day.
    [Fact]
    public async Task The_customer_as_of_a_day_before_a_cancellation_shows_it_active_with_its_known_end()
    {
        (await PostSubscriptionsAsync(_client, Sub("e-1", "e-cust", endedAt: "2024-04-15T00:00:00Z"))).EnsureSuccessStatusCode();

        var before = (await (await _client.GetAsync("/api/v1/customers/e-cust?asOf=2024-03-31")).JsonAsync()).GetProperty("subscriptions")[0];
        var after = (await (await _client.GetAsync("/api/v1/customers/e-cust?asOf=2024-04-15")).JsonAsync()).GetProperty("subscriptions")[0];

        Assert.Equal(("active", "2024-04-15T00:00:00+00:00"), (before.GetProperty("status").GetString(), before.GetProperty("endedAt").GetDateTimeOffset().ToString("yyyy-MM-ddTHH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal("ended", after.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_subscription_cannot_move_to_another_customer()
    {
        (await PostSubscriptionsAsync(_client, Sub("m-1", "m-owner"))).EnsureSuccessStatusCode();

        var body = await (await PostSubscriptionsAsync(_client, Sub("m-2", "m-owner"), Sub("m-1", "m-thief", amount: 1m))).JsonAsync();

        Assert.Equal(1, body.Long("created"));
        Assert.Equal(1, body.Long("rejected"));
        var error = body.GetProperty("errors")[0];
        Assert.Equal((1, "customerExternalId"), (error.GetProperty("index").GetInt32(), error.GetProperty("field").GetString()));
        Assert.Equal(49m, await api.ScalarAsync<decimal>("SELECT amount FROM subscriptions WHERE external_id = 'm-1'"));
    }

    [Fact]
    public async Task A_new_customer_whose_only_subscription_belongs_to_another_is_not_created()
    {
        // The helper's report of 2026-12-05: the subscription was refused, and its new customer stayed,
        // empty, counted among the portfolio's customers.
        (await PostSubscriptionsAsync(_client, Sub("g-1", "g-owner"))).EnsureSuccessStatusCode();
        var before = await StoredData.FingerprintAsync(api.ConnectionString);

        var body = await (await PostSubscriptionsAsync(_client, Sub("g-1", "g-ghost"))).JsonAsync();

        Assert.Equal((0, 1), (body.Long("created"), body.Long("rejected")));
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/v1/customers/g-ghost")).StatusCode);
        Assert.Equal(before, await StoredData.FingerprintAsync(api.ConnectionString));
    }

    [Fact]
    public async Task An_unknown_customer_is_created()
    {
        (await PostSubscriptionsAsync(_client, Sub("u-1", "u-new"))).EnsureSuccessStatusCode();

        var customer = await (await _client.GetAsync("/api/v1/customers/u-new")).JsonAsync();

        Assert.Equal("u-new", customer.GetProperty("externalId").GetString());
    }

    private async Task<DateTimeOffset?> AcquiredAtAsync(string customer)
    {
        var acquiredAt = (await (await _client.GetAsync($"/api/v1/customers/{customer}")).JsonAsync()).GetProperty("acquiredAt");
        return acquiredAt.ValueKind == JsonValueKind.Null ? null : acquiredAt.GetDateTimeOffset();
    }

    [Fact]
    public async Task A_subscription_started_before_the_first_purchase_dates_the_acquisition_and_a_later_start_moves_it_back()
    {
        // A trial from 1 January, its first charge on 1 February; a channel of its own keeps the
        // other tests' customers out of the segment.
        (await _client.PostCustomersAsync(new { externalId = "trial-1", acquisitionChannel = "trial-channel" })).EnsureSuccessStatusCode();
        (await _client.PostTransactionsAsync(Tx("trial-t1", "trial-1", "2024-02-01T10:00:00Z", amount: 30m))).EnsureSuccessStatusCode();
        Assert.Equal(DateTimeOffset.Parse("2024-02-01T10:00:00Z", CultureInfo.InvariantCulture), await AcquiredAtAsync("trial-1"));
        (await PostSubscriptionsAsync(_client, Sub("trial-s1", "trial-1", startedAt: "2024-01-01T09:00:00Z", amount: 30m))).EnsureSuccessStatusCode();

        Assert.Equal(DateTimeOffset.Parse("2024-01-01T09:00:00Z", CultureInfo.InvariantCulture), await AcquiredAtAsync("trial-1"));
        // As of mid-January the subscriber is a customer with their MRR (before: no customer, and
        // the MRR the time series gives January was missing from the segment).
        var segment = await TrialSegmentAsync("asOf=2024-01-15");
        Assert.Equal((1L, 30m, 1L), (segment.Long("customers"), segment.Dec("mrr"), segment.Long("activeSubscriptions")));
        var series = (await (await _client.GetAsync(
            "/api/v1/metrics/timeseries?metric=newCustomers&by=acquisitionChannel&from=2024-01-01&to=2024-02-29")).JsonAsync()).GetProperty("series");
        var points = series.EnumerateArray().Single(s => s.GetProperty("key").GetString() == "trial-channel").GetProperty("points");
        Assert.Equal([1m, 0m], points.EnumerateArray().Select(p => p.Dec("value")));

        // The start corrected to after the first charge: acquired at the charge again, and no
        // customer as of mid-January.
        (await PostSubscriptionsAsync(_client, Sub("trial-s1", "trial-1", startedAt: "2024-03-01T09:00:00Z", amount: 30m))).EnsureSuccessStatusCode();
        Assert.Equal(DateTimeOffset.Parse("2024-02-01T10:00:00Z", CultureInfo.InvariantCulture), await AcquiredAtAsync("trial-1"));
        Assert.Null(await TrialSegmentOrNullAsync("asOf=2024-01-15"));
    }

    [Fact]
    public async Task A_subscription_leaves_an_acquisition_the_crm_sent_and_dates_a_customer_without_one()
    {
        (await _client.PostCustomersAsync(new { externalId = "sent-1", acquiredAt = "2024-03-01T00:00:00Z" })).EnsureSuccessStatusCode();
        (await PostSubscriptionsAsync(_client, Sub("sent-s1", "sent-1", startedAt: "2024-01-01T00:00:00Z"), Sub("new-s1", "new-1", startedAt: "2024-01-02T00:00:00Z"))).EnsureSuccessStatusCode();

        Assert.Equal(DateTimeOffset.Parse("2024-03-01T00:00:00Z", CultureInfo.InvariantCulture), await AcquiredAtAsync("sent-1"));
        Assert.Equal(DateTimeOffset.Parse("2024-01-02T00:00:00Z", CultureInfo.InvariantCulture), await AcquiredAtAsync("new-1"));
    }

    [Fact]
    public async Task A_free_subscription_dates_its_customer_and_counts_as_active_with_no_mrr()
    {
        // docs/metrics.md: Clv counts a free plan's subscriber as a customer from its start, where
        // ChartMogul counts paying subscribers only.
        (await _client.PostCustomersAsync(new { externalId = "free-1", acquisitionChannel = "free-channel" })).EnsureSuccessStatusCode();
        (await PostSubscriptionsAsync(_client, Sub("free-s1", "free-1", plan: "free", startedAt: "2024-01-10T09:00:00Z", amount: 0m))).EnsureSuccessStatusCode();

        Assert.Equal(DateTimeOffset.Parse("2024-01-10T09:00:00Z", CultureInfo.InvariantCulture), await AcquiredAtAsync("free-1"));
        var segments = (await (await _client.GetAsync("/api/v1/segments?by=acquisitionChannel&asOf=2024-01-31")).JsonAsync()).GetProperty("segments");
        var segment = segments.EnumerateArray().Single(s => s.GetProperty("key").GetString() == "free-channel");
        Assert.Equal((1L, 0m, 1L, 1L), (segment.Long("customers"), segment.Dec("mrr"), segment.Long("activeSubscriptions"), segment.Long("newSubscriptions")));
    }

    private async Task<JsonElement?> TrialSegmentOrNullAsync(string query)
    {
        var segments = (await (await _client.GetAsync($"/api/v1/segments?by=acquisitionChannel&{query}")).JsonAsync()).GetProperty("segments");
        return segments.EnumerateArray().Where(s => s.GetProperty("key").GetString() == "trial-channel").Select(s => (JsonElement?)s).SingleOrDefault();
    }

    private async Task<JsonElement> TrialSegmentAsync(string query) =>
        await TrialSegmentOrNullAsync(query) ?? throw new Xunit.Sdk.XunitException($"no segment trial-channel ({query})");

    [Fact]
    public async Task An_amount_in_another_currency_is_converted_at_the_start_s_day_keeping_the_original()
    {
        (await _client.PostAsJsonAsync("/api/v1/fx-rates", new { rates = new[] { new { date = "2024-03-01", currency = "EUR", rateToReporting = 1.10m } } })).EnsureSuccessStatusCode();

        var body = await (await PostSubscriptionsAsync(_client,
            Sub("fx-1", "fx-cust", startedAt: "2024-03-05T00:00:00Z", amount: 20m, currency: "EUR"),
            Sub("fx-2", "fx-cust", startedAt: "2023-01-05T00:00:00Z", amount: 20m, currency: "EUR"))).JsonAsync();

        // 20 EUR × 1.10 = 22 in the reporting currency; no rate in the 7 days (the default) before 2023-01-05.
        Assert.Equal("22.0000 USD 20.0000 EUR", await api.ScalarAsync<string>("SELECT amount || ' ' || currency || ' ' || original_amount || ' ' || original_currency FROM subscriptions WHERE external_id = 'fx-1'"));
        Assert.Equal("currency", body.GetProperty("errors")[0].GetProperty("field").GetString());
    }

    [Fact]
    public async Task A_rate_posted_later_changes_neither_a_resent_subscription_nor_its_cancellation()
    {
        (await _client.PostAsJsonAsync("/api/v1/fx-rates", new { rates = new[] { new { date = "2024-04-01", currency = "EUR", rateToReporting = 1.10m } } })).EnsureSuccessStatusCode();
        (await PostSubscriptionsAsync(_client,
            Sub("fxl-1", "fxl-cust", startedAt: "2024-04-02T00:00:00Z", amount: 20m, currency: "EUR"),
            Sub("fxl-2", "fxl-cust", startedAt: "2024-04-02T00:00:00Z", amount: 20m, currency: "EUR"))).EnsureSuccessStatusCode();
        (await _client.PostAsJsonAsync("/api/v1/fx-rates", new { rates = new[] { new { date = "2024-04-01", currency = "EUR", rateToReporting = 1.20m } } })).EnsureSuccessStatusCode();

        // fxl-1 retried as it was, fxl-2 cancelled, fxl-3 new: only fxl-3 takes the new rate (docs/metrics.md, "Other currencies").
        var body = await (await PostSubscriptionsAsync(_client,
            Sub("fxl-1", "fxl-cust", startedAt: "2024-04-02T00:00:00Z", amount: 20m, currency: "EUR"),
            Sub("fxl-2", "fxl-cust", startedAt: "2024-04-02T00:00:00Z", endedAt: "2024-05-10T00:00:00Z", amount: 20m, currency: "EUR"),
            Sub("fxl-3", "fxl-cust", startedAt: "2024-04-02T00:00:00Z", amount: 20m, currency: "EUR"))).JsonAsync();

        Assert.Equal((1L, 1L, 1L), (body.Long("created"), body.Long("updated"), body.Long("unchanged")));
        Assert.Equal("fxl-1 22.0000 1.1, fxl-2 22.0000 1.1, fxl-3 24.0000 1.2", await api.ScalarAsync<string>(
            "SELECT string_agg(external_id || ' ' || amount || ' ' || fx_rate::float8, ', ' ORDER BY external_id) FROM subscriptions WHERE external_id LIKE 'fxl-%'"));

        // A new amount, or a new start, is converted again, at the rate in force now.
        (await PostSubscriptionsAsync(_client,
            Sub("fxl-1", "fxl-cust", startedAt: "2024-04-02T00:00:00Z", amount: 30m, currency: "EUR"),
            Sub("fxl-2", "fxl-cust", startedAt: "2024-04-03T00:00:00Z", endedAt: "2024-05-10T00:00:00Z", amount: 20m, currency: "EUR"))).EnsureSuccessStatusCode();
        Assert.Equal("fxl-1 36.0000, fxl-2 24.0000", await api.ScalarAsync<string>(
            "SELECT string_agg(external_id || ' ' || amount, ', ' ORDER BY external_id) FROM subscriptions WHERE external_id IN ('fxl-1', 'fxl-2')"));
    }

    [Fact]
    public async Task Atomic_batch_with_an_invalid_item_is_422_and_stores_nothing()
    {
        await (await _client.PostAsJsonAsync("/api/v1/subscriptions?atomic=true", new { subscriptions = new[] { Sub("a-1", "a-cust"), Sub("a-2", "a-cust", billingPeriod: "day") } }))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity);

        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM subscriptions WHERE external_id LIKE 'a-%'"));
    }

    [Fact]
    public async Task A_body_without_the_subscriptions_array_is_400_problem()
    {
        var problem = await (await _client.PostAsJsonAsync("/api/v1/subscriptions", new { items = Array.Empty<object>() })).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty("subscriptions", out _));
    }

    [Fact]
    public async Task Csv_import_upserts_valid_rows_and_names_the_line_and_column_of_invalid_ones()
    {
        (await PostSubscriptionsAsync(_client, Sub("csv-1", "csv-cust"))).EnsureSuccessStatusCode();
        var csv = "external_id,customer_external_id,plan,started_at,ended_at,billing_period,amount,currency\n"
            + "csv-1,csv-cust,pro,2024-01-15T00:00:00Z,2024-02-15T00:00:00Z,month,49,USD\n"
            + "csv-2,csv-cust,team,2024-01-20T00:00:00Z,,year,480.50,USD\n"
            + "csv-3,csv-cust,team,2024-01-20T00:00:00Z,,year,lots,USD\n"
            + "csv-2,csv-cust,team,2024-01-20T00:00:00Z,,year,1,USD\n";

        var body = await (await PostCsvAsync(csv)).JsonAsync();

        Assert.Equal((4L, 1L, 1L, 2L), (body.Long("received"), body.Long("created"), body.Long("updated"), body.Long("rejected")));
        var errors = body.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("line").GetInt64(), e.GetProperty("field").GetString())).ToList();
        Assert.Equal([(4L, "amount"), (5L, "external_id")], errors);
        Assert.Equal(480.5m, await api.ScalarAsync<decimal>("SELECT amount FROM subscriptions WHERE external_id = 'csv-2'"));
    }

    // "none" is the plan group of customers without a subscription (docs/api.md, "Reserved group
    // names"): a plan so named, in any case and with spaces around it, is refused in JSON and CSV.
    [Theory]
    [InlineData("none", false, "'none' is reserved for customers without a subscription; use another name.")]
    [InlineData("None", false, "'None' is reserved for customers without a subscription; use another name.")]
    [InlineData(" NONE ", false, "'NONE' is reserved for customers without a subscription; use another name.")]
    [InlineData("none", true, "'none' is reserved for customers without a subscription; use another name.")]
    [InlineData("None", true, "'None' is reserved for customers without a subscription; use another name.")]
    [InlineData(" NONE ", true, "'NONE' is reserved for customers without a subscription; use another name.")]
    public async Task A_plan_named_as_the_group_of_customers_without_a_subscription_is_rejected_and_not_stored(string plan, bool csv, string message)
    {
        var (id, customer) = ($"reserved-plan-{csv}-{plan}", $"reserved-plan-customer-{csv}-{plan}");

        var body = await (await (csv
            ? PostCsvAsync($"external_id,customer_external_id,plan,started_at,billing_period,amount,currency\n{id},{customer},{plan},2024-01-15T00:00:00Z,month,5,USD\n")
            : PostSubscriptionsAsync(_client, Sub(id, customer, plan: plan, amount: 5m)))).JsonAsync();

        Assert.Equal((0L, 1L), (body.Long("created"), body.Long("rejected")));
        var error = Assert.Single(body.GetProperty("errors").EnumerateArray());
        Assert.Equal(csv ? 2L : 0L, error.GetProperty(csv ? "line" : "index").GetInt64());
        Assert.Equal(("plan", message), (error.GetProperty("field").GetString(), error.GetProperty("message").GetString()));
        Assert.Equal(0L, await api.ScalarAsync<long>(
            "SELECT (SELECT count(*) FROM subscriptions WHERE external_id = @id) + (SELECT count(*) FROM customers WHERE external_id = @customer)",
            new NpgsqlParameter("id", id), new NpgsqlParameter("customer", customer)));
    }

    [Fact]
    public async Task A_plan_near_a_reserved_group_name_is_stored_in_json_and_csv()
    {
        var json = await (await PostSubscriptionsAsync(_client, Sub("near-none-json", "near-none", plan: "nonexistent"))).JsonAsync();
        var csv = await (await PostCsvAsync("external_id,customer_external_id,plan,started_at,billing_period,amount,currency\n"
            + "near-none-csv,near-none,none-2,2024-01-15T00:00:00Z,month,5,USD\n")).JsonAsync();

        Assert.Equal((1L, 0L, 1L, 0L), (json.Long("created"), json.Long("rejected"), csv.Long("created"), csv.Long("rejected")));
    }

    [Fact]
    public async Task Csv_header_without_a_required_column_is_400_problem_naming_it()
    {
        var problem = await (await PostCsvAsync("external_id,customer_external_id,plan,started_at,amount,currency\nh-1,h,pro,2024-01-01T00:00:00Z,9,USD\n")).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains("billing_period", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Erasing_a_customer_removes_their_subscriptions_and_frees_the_ids()
    {
        (await PostSubscriptionsAsync(_client, Sub("e-1", "e-cust"), Sub("e-2", "e-cust", plan: "team"), Sub("e-3", "e-keep"))).EnsureSuccessStatusCode();

        var erased = await (await _client.DeleteAsync("/api/v1/customers/e-cust")).JsonAsync();

        Assert.Equal(2, erased.Long("subscriptions"));
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM subscription_keys WHERE external_id IN ('e-1', 'e-2')"));
        Assert.Equal(1L, await api.ScalarAsync<long>("SELECT count(*) FROM subscriptions WHERE external_id LIKE 'e-%'"));
        (await PostSubscriptionsAsync(_client, Sub("e-1", "e-new"))).EnsureSuccessStatusCode();
        Assert.Equal(1L, await api.ScalarAsync<long>("SELECT count(*) FROM subscriptions WHERE external_id = 'e-1'"));
    }
}
