using System.Net.Http.Json;
using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Currency;

/// <summary>Reporting currency USD; EUR rates 1.08 on 2024-03-01 and 1.10 on 2024-03-10; at most 7 days old.</summary>
public sealed class FxConversionTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>, IAsyncLifetime
{
    private readonly HttpClient _client = api.Client();

    public async Task InitializeAsync() =>
        (await _client.PostAsJsonAsync("/api/v1/fx-rates", new
        {
            rates = new[] { new { date = "2024-03-01", currency = "EUR", rateToReporting = 1.08m }, new { date = "2024-03-10", currency = "EUR", rateToReporting = 1.10m } },
        })).EnsureSuccessStatusCode();

    public Task DisposeAsync() => Task.CompletedTask;

    private const string Stored = "FROM transactions WHERE external_id = ";

    [Fact]
    public async Task A_foreign_transaction_is_stored_converted_with_its_original_kept()
    {
        // 100 EUR on 2024-03-05 at 1.08 (the latest rate on or before that day): 108 USD; cost 40 EUR → 43.2 USD.
        var body = await (await _client.PostTransactionsAsync(Tx("fx-a", "fx-cust-a", "2024-03-05T12:00:00Z", amount: 100m, currency: "eur", cost: 40m))).JsonAsync();

        Assert.Equal(1, body.Long("inserted"));
        Assert.Equal(108m, await api.ScalarAsync<decimal>($"SELECT amount {Stored} 'fx-a'"));
        Assert.Equal(43.2m, await api.ScalarAsync<decimal>($"SELECT cost {Stored} 'fx-a'"));
        Assert.Equal("USD", await api.ScalarAsync<string>($"SELECT currency {Stored} 'fx-a'"));
        Assert.Equal("100.0000 EUR 1.0800000000", await api.ScalarAsync<string>($"SELECT original_amount || ' ' || original_currency || ' ' || fx_rate {Stored} 'fx-a'"));
        var customer = await (await _client.GetAsync("/api/v1/customers/fx-cust-a")).JsonAsync();
        Assert.Equal(108m, customer.GetProperty("historical").Dec("netRevenue"));
        Assert.Equal(64.8m, customer.GetProperty("historical").Dec("grossProfit")); // 108 − 43.2
    }

    [Theory]
    // 999,999,999,999,999 EUR (below 10^15, as every amount must be) at 1.08 is 1.08 × 10^15 USD: the write
    // overflowed numeric(19,4) and the whole request was 422 "Amounts too large", its valid items with it.
    [InlineData("transactions", "amount")]
    [InlineData("transactions-cost", "cost")]
    [InlineData("import", "amount")]
    [InlineData("subscriptions", "amount")]
    [InlineData("acquisition-spend", "amount")]
    public async Task An_amount_of_10_to_the_15_or_more_once_converted_is_rejected_naming_it_and_the_rest_is_stored(string endpoint, string field)
    {
        const string huge = "999999999999999";
        var id = "big-" + endpoint;
        var response = endpoint switch
        {
            "transactions" => await _client.PostTransactionsAsync(Tx(id + "-ok", id), Tx(id, id, "2024-03-05T12:00:00Z", amount: decimal.Parse(huge, System.Globalization.CultureInfo.InvariantCulture), currency: "EUR")),
            "transactions-cost" => await _client.PostTransactionsAsync(Tx(id + "-ok", id), Tx(id, id, "2024-03-05T12:00:00Z", amount: 99999999999999m, currency: "EUR", cost: 990000000000000m)),
            "import" => await _client.PostCsvAsync($"external_id,customer_external_id,occurred_at,type,amount,currency\n{id}-ok,{id},2024-01-10T12:00:00Z,purchase,10,USD\n{id},{id},2024-03-05T12:00:00Z,purchase,{huge},EUR\n"),
            "subscriptions" => await _client.PostAsJsonAsync("/api/v1/subscriptions", new
            {
                subscriptions = new[]
                {
                    new { externalId = id + "-ok", customerExternalId = id, plan = "pro", startedAt = "2024-03-05T00:00:00Z", billingPeriod = "month", amount = 10m, currency = "USD" },
                    new { externalId = id, customerExternalId = id, plan = "pro", startedAt = "2024-03-05T00:00:00Z", billingPeriod = "month", amount = 999999999999999m, currency = "EUR" },
                },
            }),
            _ => await _client.PostSpendAsync(
                new { channel = id + "-ok", periodStart = "2024-03-05", periodEnd = "2024-03-05", amount = 10m, currency = "USD" },
                new { channel = id, periodStart = "2024-03-05", periodEnd = "2024-03-05", amount = 999999999999999m, currency = "EUR" }),
        };

        var body = await response.JsonAsync();
        Assert.Equal(1, body.Long("rejected"));
        var error = body.GetProperty("errors")[0];
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.Contains("10^15", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        var stored = endpoint == "acquisition-spend"
            ? "SELECT count(*) FROM acquisition_spend WHERE channel LIKE 'big-%'"
            : endpoint == "subscriptions" ? $"SELECT count(*) FROM subscriptions WHERE external_id LIKE '{id}%'" : $"SELECT count(*) FROM transactions WHERE external_id LIKE '{id}%'";
        Assert.Equal(1L, await api.ScalarAsync<long>(stored));
    }

    [Fact]
    public async Task A_rate_more_than_seven_days_old_is_not_used()
    {
        // 2024-03-20 is 10 days after 2024-03-10 and 8 after 2024-03-12 (which another test of this class may add).
        var body = await (await _client.PostTransactionsAsync(Tx("fx-b", "fx-cust-b", "2024-03-20T12:00:00Z", currency: "EUR"))).JsonAsync();

        var error = body.GetProperty("errors")[0];
        Assert.Equal("currency", error.GetProperty("field").GetString());
        Assert.Contains("EUR", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("2024-03-20", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rates_posted_later_do_not_change_stored_amounts()
    {
        (await _client.PostTransactionsAsync(Tx("fx-c", "fx-cust-c", "2024-03-12T12:00:00Z", amount: 10m, currency: "EUR"))).EnsureSuccessStatusCode();

        var update = await (await _client.PostAsJsonAsync("/api/v1/fx-rates", new { rates = new[] { new { date = "2024-03-12", currency = "EUR", rateToReporting = 2m } } })).JsonAsync();

        Assert.Equal(1, update.Long("created"));
        Assert.Equal(11m, await api.ScalarAsync<decimal>($"SELECT amount {Stored} 'fx-c'")); // 10 × 1.10, as at ingest
    }

    [Fact]
    public async Task A_rate_sent_as_stored_is_unchanged_and_another_replaces_it()
    {
        var rates = new[] { new { date = "2023-06-01", currency = "DKK", rateToReporting = 0.145m }, new { date = "2023-06-02", currency = "DKK", rateToReporting = 0.146m } };
        Assert.Equal(2, (await (await _client.PostAsJsonAsync("/api/v1/fx-rates", new { rates })).JsonAsync()).Long("created"));
        var writtenAt = await api.ScalarAsync<DateTime>("SELECT max(updated_at) FROM fx_rates WHERE currency = 'DKK'");

        // 0.1450 is 0.145: numbers compare as numbers.
        var resent = await (await _client.PostAsJsonAsync("/api/v1/fx-rates", new
        {
            rates = new[] { new { date = "2023-06-01", currency = "DKK", rateToReporting = 0.1450m }, rates[1] with { rateToReporting = 0.147m } },
        })).JsonAsync();

        Assert.Equal((0L, 1L, 1L), (resent.Long("created"), resent.Long("updated"), resent.Long("unchanged")));
        Assert.Equal(writtenAt, await api.ScalarAsync<DateTime>("SELECT updated_at FROM fx_rates WHERE currency = 'DKK' AND date = '2023-06-01'"));
        Assert.Equal(0.147m, await api.ScalarAsync<decimal>("SELECT rate_to_reporting FROM fx_rates WHERE currency = 'DKK' AND date = '2023-06-02'"));
    }

    [Fact]
    public async Task Spend_sent_again_keeps_its_conversion_after_a_rate_is_posted_and_a_new_amount_is_converted_again()
    {
        object Spend(decimal amount) => new { channel = "fx-resend", periodStart = "2024-05-01", periodEnd = "2024-05-31", amount, currency = "CHF" };
        Task PostRateAsync(decimal rate) =>
            _client.PostAsJsonAsync("/api/v1/fx-rates", new { rates = new[] { new { date = "2024-05-01", currency = "CHF", rateToReporting = rate } } });
        await PostRateAsync(1.05m);
        (await _client.PostSpendAsync(Spend(1000m))).EnsureSuccessStatusCode();
        await PostRateAsync(1.20m);

        // The same 1,000 CHF again (a retry): still 1,000 × 1.05, as at its first ingest. 2,000 CHF: 2,000 × 1.20.
        (await _client.PostSpendAsync(Spend(1000m))).EnsureSuccessStatusCode();
        Assert.Equal(1050m, await api.ScalarAsync<decimal>("SELECT amount FROM acquisition_spend WHERE channel = 'fx-resend'"));
        (await _client.PostSpendAsync(Spend(2000m))).EnsureSuccessStatusCode();
        Assert.Equal(2400m, await api.ScalarAsync<decimal>("SELECT amount FROM acquisition_spend WHERE channel = 'fx-resend'"));
    }

    [Fact]
    public async Task A_foreign_csv_row_and_foreign_spend_are_converted_too()
    {
        var csv = "external_id,customer_external_id,occurred_at,type,amount,currency\nfx-d,fx-cust-d,2024-03-02T12:00:00Z,purchase,50,EUR\n";
        (await _client.PostCsvAsync(csv)).EnsureSuccessStatusCode();
        (await _client.PostAsJsonAsync("/api/v1/acquisition-spend", new { spend = new[] { new { channel = "fx-search", periodStart = "2024-03-10", periodEnd = "2024-03-31", amount = 1000m, currency = "EUR" } } })).EnsureSuccessStatusCode();

        Assert.Equal(54m, await api.ScalarAsync<decimal>($"SELECT amount {Stored} 'fx-d'")); // 50 × 1.08
        Assert.Equal(1100m, await api.ScalarAsync<decimal>("SELECT amount FROM acquisition_spend WHERE channel = 'fx-search'")); // 1000 × 1.10 of 03-10
    }

    [Fact]
    public async Task Foreign_spend_without_a_rate_recent_enough_is_rejected_naming_the_currency_and_the_day()
    {
        // EUR from 2024-03-20: its latest rate is 10 days old (8 if another test posted 2024-03-12). GBP has no rate at all.
        var body = await (await _client.PostSpendAsync(
            new { channel = "fx-late", periodStart = "2024-03-20", periodEnd = "2024-03-31", amount = 100m, currency = "EUR" },
            new { channel = "fx-gbp", periodStart = "2024-03-05", periodEnd = "2024-03-31", amount = 100m, currency = "GBP" })).JsonAsync();

        Assert.Equal(2, body.Long("rejected"));
        Assert.Equal(0, body.Long("created"));
        var errors = body.GetProperty("errors").EnumerateArray().ToList();
        Assert.Equal([0, 1], errors.Select(e => e.GetProperty("index").GetInt32()));
        Assert.All(errors, e => Assert.Equal("currency", e.GetProperty("field").GetString()));
        Assert.Contains("EUR", errors[0].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("2024-03-20", errors[0].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("GBP", errors[1].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("2024-03-05", errors[1].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await api.ScalarAsync<long>("SELECT count(*) FROM acquisition_spend WHERE channel IN ('fx-late', 'fx-gbp')"));
    }

    [Fact]
    public async Task Foreign_spend_converts_at_the_rate_of_its_first_day_not_a_later_one_inside_the_period()
    {
        // 2024-03-05..03-20 holds the 03-10 rate 1.10, but its first day takes 03-01's 1.08: 500 EUR × 1.08 = 540 USD.
        var body = await (await _client.PostSpendAsync(
            new { channel = "fx-first-day", periodStart = "2024-03-05", periodEnd = "2024-03-20", amount = 500m, currency = "EUR" })).JsonAsync();

        Assert.Equal(1, body.Long("created"));
        Assert.Equal(540m, await api.ScalarAsync<decimal>("SELECT amount FROM acquisition_spend WHERE channel = 'fx-first-day'"));
        Assert.Equal("USD 500.0000 EUR 1.0800000000", await api.ScalarAsync<string>(
            "SELECT currency || ' ' || original_amount || ' ' || original_currency || ' ' || fx_rate FROM acquisition_spend WHERE channel = 'fx-first-day'"));
        // CAC reads the converted amount: 540 over the channel's one customer acquired in March.
        (await _client.PostCustomersAsync(new { externalId = "fx-cust-first-day", acquiredAt = "2024-03-06T12:00:00Z", acquisitionChannel = "fx-first-day" }))
            .EnsureSuccessStatusCode();
        var segments = await (await _client.GetAsync("/api/v1/segments?asOf=2024-03-31&from=2024-03-01")).JsonAsync();
        var channel = segments.GetProperty("segments").EnumerateArray().Single(s => s.GetProperty("key").GetString() == "fx-first-day");
        Assert.Equal(540m, channel.Dec("cac"));
    }

    [Fact]
    public async Task Invalid_rates_are_rejected_by_index()
    {
        var body = await (await _client.PostAsJsonAsync("/api/v1/fx-rates", new
        {
            rates = new object[]
            {
                new { date = "2024-03-01", currency = "USD", rateToReporting = 1m },
                new { date = "03/01/2024", currency = "GBP", rateToReporting = 1.27m },
                new { date = "2024-03-01", currency = "GBP", rateToReporting = -1m },
            },
        })).JsonAsync();

        Assert.Equal(3, body.Long("rejected"));
        Assert.Equal(["currency", "date", "rateToReporting"], body.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()));
    }

    [Fact]
    public async Task A_currency_and_date_twice_in_one_batch_keeps_the_first_and_rejects_the_second()
    {
        // The helper's report of 2026-12-05: the later value replaced the earlier silently, and the answer
        // counted one rate created and none rejected for two items.
        var body = await (await _client.PostAsJsonAsync("/api/v1/fx-rates", new
        {
            rates = new[]
            {
                new { date = "2024-05-02", currency = "SEK", rateToReporting = 0.09m },
                new { date = "2024-05-02", currency = "SEK", rateToReporting = 0.2m },
            },
        })).JsonAsync();

        Assert.Equal((1, 1), (body.Long("created"), body.Long("rejected")));
        var error = Assert.Single(body.GetProperty("errors").EnumerateArray());
        Assert.Equal((1, "date", "Repeats the currency and date of item 0 in this batch."),
            (error.GetProperty("index").GetInt32(), error.GetProperty("field").GetString(), error.GetProperty("message").GetString()));
        Assert.Equal(0.09m, await api.ScalarAsync<decimal>("SELECT rate_to_reporting FROM fx_rates WHERE currency = 'SEK' AND date = '2024-05-02'"));
    }

    [Theory]
    [InlineData("9999-01-01")]
    [InlineData("1969-12-31")]
    public async Task A_rate_dated_where_no_transaction_can_be_is_rejected(string date)
    {
        // The helper's report of 2026-12-05: a rate for 9999-01-01 was stored.
        var body = await (await _client.PostAsJsonAsync("/api/v1/fx-rates", new
        {
            rates = new[] { new { date, currency = "NOK", rateToReporting = 0.09m } },
        })).JsonAsync();

        Assert.Equal((0, 1), (body.Long("created"), body.Long("rejected")));
        Assert.Equal("date", Assert.Single(body.GetProperty("errors").EnumerateArray()).GetProperty("field").GetString());
        Assert.Equal(0, await api.ScalarAsync<long>($"SELECT count(*) FROM fx_rates WHERE currency = 'NOK' AND date = '{date}'"));
    }
}
