using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Clv.Api.Tests.Infrastructure;
using Npgsql;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Customers;

public sealed class CustomerIngestionTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private readonly HttpClient _client = api.Client();

    [Fact]
    public async Task Post_creates_then_updates_by_external_id_keeping_absent_fields()
    {
        var first = await (await _client.PostAsJsonAsync("/api/v1/customers", new
        {
            customers = new object[] { new { externalId = "c-1", acquisitionChannel = "email", country = "DE", attributes = new { plan = "pro" } } },
        })).JsonAsync();
        var second = await (await _client.PostAsJsonAsync("/api/v1/customers", new
        {
            customers = new object[] { new { externalId = "c-1", country = "FR" }, new { externalId = "c-2" } },
        })).JsonAsync();

        Assert.Equal((1, 0), (first.Long("created"), first.Long("updated")));
        Assert.Equal((1, 1), (second.Long("created"), second.Long("updated")));
        var customer = await (await _client.GetAsync("/api/v1/customers/c-1")).JsonAsync();
        Assert.Equal("email", customer.GetProperty("acquisitionChannel").GetString());
        Assert.Equal("FR", customer.GetProperty("country").GetString());
        Assert.Equal("pro", customer.GetProperty("attributes").GetProperty("plan").GetString());
    }

    [Fact]
    public async Task A_profile_sent_as_stored_is_unchanged_and_leaves_the_data_version()
    {
        // A CRM's periodic resend of its customer list: the same fields, attributes in another key
        // order, and an item naming fewer fields than are stored.
        (await _client.PostAsJsonAsync("/api/v1/customers", new
        {
            customers = new object[]
            {
                new { externalId = "same-1", acquiredAt = "2024-01-05T10:00:00Z", acquisitionChannel = "email", country = "DE", attributes = new { plan = "pro", tier = "a" } },
                new { externalId = "same-2", country = "FR" },
            },
        })).EnsureSuccessStatusCode();
        var version = await api.ScalarAsync<long>("SELECT version FROM data_version");

        var resent = await (await _client.PostAsJsonAsync("/api/v1/customers", new
        {
            customers = new object[]
            {
                new { externalId = "same-1", acquiredAt = "2024-01-05T11:00:00+01:00", acquisitionChannel = "email", country = "DE", attributes = new { tier = "a", plan = "pro" } },
                new { externalId = "same-2" },
            },
        })).JsonAsync();

        Assert.Equal((0L, 0L, 2L), (resent.Long("created"), resent.Long("updated"), resent.Long("unchanged")));
        Assert.Equal(version, await api.ScalarAsync<long>("SELECT version FROM data_version"));

        // One field changed: that customer is updated, and the version moves.
        var changed = await (await _client.PostAsJsonAsync("/api/v1/customers", new
        {
            customers = new object[] { new { externalId = "same-1", attributes = new { plan = "team", tier = "a" } }, new { externalId = "same-2", country = "FR" } },
        })).JsonAsync();

        Assert.Equal((0L, 1L, 1L), (changed.Long("created"), changed.Long("updated"), changed.Long("unchanged")));
        Assert.True(await api.ScalarAsync<long>("SELECT version FROM data_version") > version);
        Assert.Equal("team", (await (await _client.GetAsync("/api/v1/customers/same-1")).JsonAsync()).GetProperty("attributes").GetProperty("plan").GetString());
    }

    [Fact]
    public async Task Lengths_count_characters_as_the_columns_do_not_utf16_units()
    {
        // The helper's report of 2026-12-05: 100 emoji (200 UTF-16 units) were refused as "200 characters",
        // though the column, varchar(128), and the schema's maxLength count 100. 129 are one too many.
        var (fits, over) = (string.Concat(Enumerable.Repeat("\U0001F600", 100)), string.Concat(Enumerable.Repeat("\U0001F600", 129)));

        var body = await (await _client.PostAsJsonAsync("/api/v1/customers", new
        {
            customers = new object[]
            {
                new { externalId = fits, acquisitionChannel = string.Concat(Enumerable.Repeat("\U0001F4E7", 64)), attributes = new Dictionary<string, string> { ["\U0001F3F7"] = string.Concat(Enumerable.Repeat("\U0001F7E2", 256)) } },
                new { externalId = over },
            },
        })).JsonAsync();

        Assert.Equal((1, 1), (body.Long("created"), body.Long("rejected")));
        Assert.Equal("The length of 'externalId' must be 128 characters or fewer. You entered 129 characters.",
            Assert.Single(body.GetProperty("errors").EnumerateArray()).GetProperty("message").GetString());
        Assert.Equal(100, await api.ScalarAsync<int>($"SELECT char_length(external_id) FROM customers WHERE external_id = '{fits}'"));
    }

    [Fact]
    public async Task Explicit_acquired_at_is_kept_when_transactions_arrive()
    {
        (await _client.PostAsJsonAsync("/api/v1/customers", new { customers = new object[] { new { externalId = "acq-1", acquiredAt = "2023-06-01T00:00:00Z" } } })).EnsureSuccessStatusCode();
        (await _client.PostTransactionsAsync(Tx("acq-t", "acq-1", "2023-05-01T00:00:00Z"))).EnsureSuccessStatusCode();

        var customer = await (await _client.GetAsync("/api/v1/customers/acq-1")).JsonAsync();

        Assert.Equal(new DateTimeOffset(2023, 6, 1, 0, 0, 0, TimeSpan.Zero), customer.GetProperty("acquiredAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Invalid_items_are_rejected_by_index_and_a_repeated_id_names_the_first()
    {
        var body = await (await _client.PostAsJsonAsync("/api/v1/customers", new
        {
            customers = new object[]
            {
                new { externalId = "inv-1", country = "XX" },
                new { externalId = new string('x', 129) },
                new { externalId = "inv-3" },
                new { externalId = "inv-3" },
            },
        })).JsonAsync();

        Assert.Equal(1, body.Long("created"));
        Assert.Equal(3, body.Long("rejected"));
        var errors = body.GetProperty("errors").EnumerateArray().ToList();
        Assert.Equal([0, 1, 3], errors.Select(e => e.GetProperty("index").GetInt32()));
        Assert.Contains("item 2", errors[2].GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    // The group names the analytics give customers without a value (docs/api.md, "Reserved group
    // names"), in any case and with spaces around them: a profile sending one is refused, naming the field.
    [Theory]
    [InlineData("acquisitionChannel", "unattributed", "'unattributed' is reserved for customers without an acquisition channel; use another name.")]
    [InlineData("acquisitionChannel", " Unattributed ", "'Unattributed' is reserved for customers without an acquisition channel; use another name.")]
    [InlineData("attributes", "unknown", "'unknown' is reserved for customers without the attribute 'region'; use another name.")]
    [InlineData("attributes", "UNKNOWN", "'UNKNOWN' is reserved for customers without the attribute 'region'; use another name.")]
    public async Task A_profile_value_named_as_the_group_of_customers_without_one_is_rejected_and_not_stored(string field, string value, string message)
    {
        var id = $"reserved-{field}-{value}";
        object customer = field == "attributes"
            ? new { externalId = id, attributes = new Dictionary<string, string> { ["region"] = value } }
            : new { externalId = id, acquisitionChannel = value };

        var body = await (await _client.PostCustomersAsync(customer)).JsonAsync();

        Assert.Equal((0, 1), (body.Long("created"), body.Long("rejected")));
        var error = Assert.Single(body.GetProperty("errors").EnumerateArray());
        Assert.Equal((0, field, message), (error.GetProperty("index").GetInt32(), error.GetProperty("field").GetString(), error.GetProperty("message").GetString()));
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM customers WHERE external_id = @id", new NpgsqlParameter("id", id)));
    }

    [Fact]
    public async Task A_profile_value_near_a_reserved_group_name_is_stored()
    {
        var body = await (await _client.PostCustomersAsync(
            new { externalId = "near-reserved", acquisitionChannel = "unattributed-2", attributes = new { region = "unknowns", tier = "nonexistent" } })).JsonAsync();

        Assert.Equal((1, 0), (body.Long("created"), body.Long("rejected")));
    }

    // docs/api.md, "Spaces around names": a channel is stored trimmed, so one channel however it is
    // padded; its length limit is the document's maxLength, of the value as sent; attribute values
    // are the CRM's own data, stored as sent.
    [Fact]
    public async Task A_channel_is_stored_without_the_spaces_around_it_and_an_attribute_value_as_sent()
    {
        var body = await (await _client.PostCustomersAsync(
            new { externalId = "padded-1", acquisitionChannel = " padded-channel ", attributes = new { padding = " gold" } },
            new { externalId = "padded-2", acquisitionChannel = "padded-channel", attributes = new { padding = "gold" } },
            new { externalId = "padded-3", acquisitionChannel = new string('p', 64) + " " })).JsonAsync();

        Assert.Equal((2, 1), (body.Long("created"), body.Long("rejected")));
        var error = Assert.Single(body.GetProperty("errors").EnumerateArray());
        Assert.Equal((2, "acquisitionChannel"), (error.GetProperty("index").GetInt32(), error.GetProperty("field").GetString()));
        var customer = await (await _client.GetAsync("/api/v1/customers/padded-1")).JsonAsync();
        Assert.Equal("padded-channel", customer.GetProperty("acquisitionChannel").GetString());
        Assert.Equal(" gold", customer.GetProperty("attributes").GetProperty("padding").GetString());
        var channels = (await (await _client.GetAsync("/api/v1/segments?by=acquisitionChannel")).JsonAsync()).GetProperty("segments");
        Assert.Equal(2, channels.EnumerateArray().Single(s => s.GetProperty("key").GetString() == "padded-channel").GetProperty("customers").GetInt32());
        var values = (await (await _client.GetAsync("/api/v1/segments?by=attribute:padding")).JsonAsync()).GetProperty("segments");
        Assert.Equal([" gold", "gold"], values.EnumerateArray().Select(s => s.GetProperty("key").GetString()).Where(k => k != "unknown").Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("unattributed", "'unattributed' is reserved for customers without an acquisition channel; use another name.")]
    [InlineData("Unattributed", "'Unattributed' is reserved for customers without an acquisition channel; use another name.")]
    [InlineData(" UNATTRIBUTED ", "'UNATTRIBUTED' is reserved for customers without an acquisition channel; use another name.")]
    public async Task Spend_of_a_channel_named_as_customers_without_one_is_rejected_and_not_counted_for_them(string channel, string message)
    {
        // Found by a hostile-user pass: this spend was counted for the customers without a channel, with a CAC.
        (await _client.PostCustomersAsync(new { externalId = "reserved-spend-customer", acquiredAt = "1997-01-10T12:00:00Z" })).EnsureSuccessStatusCode();

        var body = await (await _client.PostSpendAsync(
            new { channel, periodStart = "1997-01-01", periodEnd = "1997-01-31", amount = 1000m, currency = "USD" })).JsonAsync();

        Assert.Equal((0, 1), (body.Long("created"), body.Long("rejected")));
        var error = Assert.Single(body.GetProperty("errors").EnumerateArray());
        Assert.Equal((0, "channel", message), (error.GetProperty("index").GetInt32(), error.GetProperty("field").GetString(), error.GetProperty("message").GetString()));
        var segments = await (await _client.GetAsync("/api/v1/segments?by=acquisitionChannel&from=1997-01-01&to=1997-01-31&fields=customers,newCustomers,spend,cac")).JsonAsync();
        var unattributed = segments.GetProperty("segments").EnumerateArray().Single(s => s.GetProperty("key").GetString() == "unattributed");
        Assert.Equal((0m, JsonValueKind.Null), (unattributed.Dec("spend"), unattributed.GetProperty("cac").ValueKind));
    }

    [Fact]
    public async Task Spend_of_a_channel_near_a_reserved_group_name_is_stored()
    {
        var body = await (await _client.PostSpendAsync(
            new { channel = "unattributed-2", periodStart = "1997-02-01", periodEnd = "1997-02-28", amount = 10m, currency = "USD" })).JsonAsync();

        Assert.Equal((1, 0), (body.Long("created"), body.Long("rejected")));
    }

    [Fact]
    public async Task Spend_is_created_then_replaced_for_the_same_channel_and_period()
    {
        var spend = new { channel = "search", periodStart = "2024-01-01", periodEnd = "2024-01-31", amount = 1000m, currency = "USD" };
        var first = await (await _client.PostAsJsonAsync("/api/v1/acquisition-spend", new { spend = new[] { spend } })).JsonAsync();
        var second = await (await _client.PostAsJsonAsync("/api/v1/acquisition-spend", new { spend = new[] { spend with { amount = 1200m } } })).JsonAsync();

        Assert.Equal(1, first.Long("created"));
        Assert.Equal(1, second.Long("updated"));
        Assert.Equal(1200m, await api.ScalarAsync<decimal>("SELECT amount FROM acquisition_spend WHERE channel = 'search'"));
    }

    [Fact]
    public async Task Spend_sent_as_stored_is_unchanged_and_leaves_the_data_version()
    {
        // A CRM's periodic resend of its spend: one period in the reporting currency, one converted.
        (await _client.PostAsJsonAsync("/api/v1/fx-rates", new { rates = new[] { new { currency = "SEK", date = "2024-03-01", rateToReporting = 0.1m } } })).EnsureSuccessStatusCode();
        var spend = new[]
        {
            new { channel = "resend", periodStart = "2024-02-01", periodEnd = "2024-02-29", amount = 500m, currency = "USD" },
            new { channel = "resend", periodStart = "2024-03-01", periodEnd = "2024-03-31", amount = 4000m, currency = "SEK" },
        };
        Assert.Equal(2, (await (await _client.PostAsJsonAsync("/api/v1/acquisition-spend", new { spend })).JsonAsync()).Long("created"));
        var version = await api.ScalarAsync<long>("SELECT version FROM data_version");

        var resent = await (await _client.PostAsJsonAsync("/api/v1/acquisition-spend", new { spend })).JsonAsync();

        Assert.Equal((0L, 0L, 2L), (resent.Long("created"), resent.Long("updated"), resent.Long("unchanged")));
        Assert.Equal(version, await api.ScalarAsync<long>("SELECT version FROM data_version"));

        // One amount changed: that period is updated, and the version moves from its start on.
        var changed = await (await _client.PostAsJsonAsync("/api/v1/acquisition-spend", new { spend = new[] { spend[0], spend[1] with { amount = 4500m } } })).JsonAsync();

        Assert.Equal((0L, 1L, 1L), (changed.Long("created"), changed.Long("updated"), changed.Long("unchanged")));
        Assert.Equal("2024-03-01", await api.ScalarAsync<string>("SELECT earliest_day::text FROM data_changes ORDER BY version DESC LIMIT 1"));
        Assert.Equal(450m, await api.ScalarAsync<decimal>("SELECT amount FROM acquisition_spend WHERE channel = 'resend' AND period_start = '2024-03-01'"));
    }

    // Days outside the range stored figures take were stored (the hostile-user pass of 2026-12-06).
    [Theory]
    [InlineData("0001-01-01", "2024-01-31", "periodStart")]
    [InlineData("1969-12-31", "2024-01-31", "periodStart")]
    [InlineData("2024-01-01", "9998-12-31", "periodEnd")]
    public async Task Spend_with_a_day_before_1970_or_over_a_year_ahead_is_rejected(string start, string end, string field)
    {
        var body = await (await _client.PostAsJsonAsync("/api/v1/acquisition-spend", new
        {
            spend = new[] { new { channel = "far-off", periodStart = start, periodEnd = end, amount = 1m, currency = "USD" } },
        })).JsonAsync();

        var error = Assert.Single(body.GetProperty("errors").EnumerateArray());
        Assert.Equal((field, $"'{field}' must be between 1970-01-01 and a year from today."), (error.GetProperty("field").GetString(), error.GetProperty("message").GetString()));
        Assert.Equal(0, await api.ScalarAsync<long>("SELECT count(*) FROM acquisition_spend WHERE channel = 'far-off'"));
    }

    [Fact]
    public async Task Spend_with_end_before_start_or_foreign_currency_is_rejected()
    {
        var body = await (await _client.PostAsJsonAsync("/api/v1/acquisition-spend", new
        {
            spend = new object[]
            {
                new { channel = "tv", periodStart = "2024-02-01", periodEnd = "2024-01-01", amount = 1m, currency = "USD" },
                new { channel = "tv", periodStart = "2024-02-01", periodEnd = "2024-02-28", amount = 1m, currency = "GBP" },
            },
        })).JsonAsync();

        Assert.Equal(2, body.Long("rejected"));
        Assert.Equal(["periodEnd", "currency"], body.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()));
    }

    [Theory]
    // The three answered "errors" cut at 1,000 without the "errorsTruncated" docs/api.md promises every per-item answer.
    [InlineData("customers")]
    [InlineData("acquisition-spend")]
    [InlineData("fx-rates")]
    public async Task More_invalid_items_than_errors_listed_says_errorsTruncated(string endpoint)
    {
        var items = Enumerable.Range(0, 1_001).Select(_ => new { }).ToArray();
        var wrapper = endpoint switch { "customers" => "customers", "acquisition-spend" => "spend", _ => "rates" };

        var body = await (await _client.PostAsJsonAsync($"/api/v1/{endpoint}", new Dictionary<string, object> { [wrapper] = items })).JsonAsync();

        Assert.Equal(1_001, body.Long("rejected"));
        Assert.Equal(1_000, body.GetProperty("errors").GetArrayLength());
        Assert.True(body.GetProperty("errorsTruncated").GetBoolean());
    }

    // ?atomic=true was read by the transaction, feedback and subscription batches only: these three stored the valid
    // items of a batch their client asked to be all or nothing (the hostile-user pass of 2026-12-06).
    [Theory]
    [InlineData("customers")]
    [InlineData("acquisition-spend")]
    [InlineData("fx-rates")]
    public async Task An_atomic_batch_with_an_invalid_item_is_422_and_stores_none_of_it(string endpoint)
    {
        var (wrapper, valid, invalid) = endpoint switch
        {
            "customers" => ("customers", (object)new { externalId = "atomic-customer" }, (object)new { externalId = "" }),
            "acquisition-spend" => ("spend",
                new { channel = "atomic-channel", periodStart = "2024-01-01", periodEnd = "2024-01-31", amount = 10m, currency = "USD" },
                new { channel = "atomic-channel", periodStart = "2024-02-01", periodEnd = "2024-02-29", amount = -1m, currency = "USD" }),
            _ => ("rates", new { date = "2021-03-07", currency = "NOK", rateToReporting = 0.1m }, new { date = "2021-03-07", currency = "NO", rateToReporting = 0.1m }),
        };

        var problem = await (await _client.PostAsJsonAsync($"/api/v1/{endpoint}?atomic=true", new Dictionary<string, object> { [wrapper] = new[] { valid, invalid } }))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity);
        var resent = await (await _client.PostAsJsonAsync($"/api/v1/{endpoint}", new Dictionary<string, object> { [wrapper] = new[] { valid } })).JsonAsync();

        Assert.Equal(1, problem.GetProperty("errors").GetArrayLength());
        Assert.Equal((1, 0), (resent.Long("created"), resent.Long("updated")));
    }

    [Fact]
    public async Task Customer_batch_over_the_limit_is_413_problem()
    {
        var customers = Enumerable.Range(0, 10_001).Select(i => new { externalId = $"lim-{i}" }).ToArray();

        await (await _client.PostAsJsonAsync("/api/v1/customers", new { customers })).ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }
}
