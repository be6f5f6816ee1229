using System.Net;
using System.Net.Http.Json;
using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Customers;

public sealed class CustomerReadTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private readonly HttpClient _client = api.Client();

    [Fact]
    public async Task Customer_shows_historical_clv_with_refunds_costs_and_purchase_days()
    {
        // Purchases 40 + 60 on 2024-01-10 (one purchase day) and 20 on 2024-02-01; a 30 refund.
        // gross 120, refunds 30, net 90; cost 10 + 20 + 5 = 35 spent, 3 recovered by the refund: profit 90 - 32 = 58.
        (await _client.PostTransactionsAsync(
            Tx("h-1", "h-cust", "2024-01-10T09:00:00Z", amount: 40m, cost: 10m),
            Tx("h-2", "h-cust", "2024-01-10T18:00:00Z", amount: 60m, cost: 20m),
            Tx("h-3", "h-cust", "2024-02-01T12:00:00Z", amount: 20m, cost: 5m),
            Tx("h-4", "h-cust", "2024-02-03T12:00:00Z", type: "refund", amount: 30m, cost: 3m))).EnsureSuccessStatusCode();

        var h = (await (await _client.GetAsync("/api/v1/customers/h-cust")).JsonAsync()).GetProperty("historical");

        Assert.Equal(3, h.Long("purchaseCount"));
        Assert.Equal(2, h.Long("purchaseDays"));
        Assert.Equal(1, h.Long("repeatPurchaseDays"));
        Assert.Equal(120m, h.Dec("grossRevenue"));
        Assert.Equal(30m, h.Dec("refunds"));
        Assert.Equal(90m, h.Dec("netRevenue"));
        Assert.Equal(90m, h.Dec("historicalClv"));
        Assert.Equal(58m, h.Dec("grossProfit"));
        Assert.Equal(40m, h.Dec("averageOrderValue"));
    }

    [Fact]
    public async Task AsOf_gives_the_figures_at_the_end_of_that_day()
    {
        (await _client.PostTransactionsAsync(
            Tx("as-1", "as-cust", "2024-01-10T23:59:59Z", amount: 10m),
            Tx("as-2", "as-cust", "2024-01-11T00:00:00Z", amount: 5m))).EnsureSuccessStatusCode();

        var h = (await (await _client.GetAsync("/api/v1/customers/as-cust?asOf=2024-01-10")).JsonAsync()).GetProperty("historical");
        var later = (await (await _client.GetAsync("/api/v1/customers/as-cust?asOf=2024-01-31")).JsonAsync()).GetProperty("historical");

        Assert.Equal(10m, h.Dec("netRevenue"));
        Assert.Equal(0, h.Long("tenureDays"));
        Assert.Equal(15m, later.Dec("netRevenue"));
        Assert.Equal(21, later.Long("tenureDays")); // acquired 2024-01-10, as of 2024-01-31
        Assert.Equal(20, later.Long("recencyDays")); // last purchase 2024-01-11
    }

    [Fact]
    public async Task Figures_from_the_ingest_summary_equal_those_computed_from_the_transactions()
    {
        // Without asOf the summary kept at ingest answers; with a later asOf the transactions are summed
        // by Clv.Analytics. Both must give the same history (tenure and recency differ by the as-of date).
        (await _client.PostTransactionsAsync(
            Tx("eq-1", "eq-cust", "2024-01-10T09:00:00Z", amount: 40m, cost: 10m),
            Tx("eq-2", "eq-cust", "2024-01-10T18:00:00Z", amount: 0m),
            Tx("eq-3", "eq-cust", "2024-02-01T12:00:00Z", amount: 20.5m),
            Tx("eq-4", "eq-cust", "2024-02-03T12:00:00Z", type: "refund", amount: 5.25m, cost: 2m))).EnsureSuccessStatusCode();

        var now = (await (await _client.GetAsync("/api/v1/customers/eq-cust")).JsonAsync()).GetProperty("historical");
        var asOf = (await (await _client.GetAsync("/api/v1/customers/eq-cust?asOf=2030-01-01")).JsonAsync()).GetProperty("historical");

        foreach (var field in new[] { "purchaseCount", "purchaseDays", "repeatPurchaseDays", "grossRevenue", "refunds", "netRevenue", "grossProfit", "averageOrderValue", "firstPurchaseAt", "lastPurchaseAt", "historicalClv" })
        {
            Assert.Equal(asOf.GetProperty(field).GetRawText(), now.GetProperty(field).GetRawText());
        }
    }

    [Fact]
    public async Task A_customer_id_with_a_slash_is_read_and_erased_at_its_percent_encoded_path()
    {
        // Kestrel leaves %2F encoded in the path, so the route value of /customers/sl%2F1 alone could
        // not tell the customer "sl/1" from the customer "sl%2F1" (helper's report, 2026-12-05). The
        // raw request target tells them apart; the in-process test server has none, so this asks the
        // API running as a process, behind Kestrel.
        (await _client.PostTransactionsAsync(Tx("sl-t1", "sl/1", amount: 1m), Tx("sl-t2", "sl%2F1", amount: 2m))).EnsureSuccessStatusCode();
        await using var process = await ApiProcess.StartAsync(api.ConnectionString, new Dictionary<string, string>());
        using var kestrel = process.Client();

        var slash = await (await kestrel.GetAsync("/api/v1/customers/sl%2F1")).JsonAsync();
        var escape = await (await kestrel.GetAsync("/api/v1/customers/sl%252F1")).JsonAsync();
        var erased = await (await kestrel.DeleteAsync("/api/v1/customers/sl%2F1")).JsonAsync();

        Assert.Equal(("sl/1", 1m), (slash.GetProperty("externalId").GetString(), slash.GetProperty("historical").Dec("netRevenue")));
        Assert.Equal(("sl%2F1", 2m), (escape.GetProperty("externalId").GetString(), escape.GetProperty("historical").Dec("netRevenue")));
        Assert.Equal("sl/1", erased.GetProperty("externalId").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await kestrel.GetAsync("/api/v1/customers/sl%2F1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await kestrel.GetAsync("/api/v1/customers/sl%252F1")).StatusCode);
    }

    [Fact]
    public async Task Unknown_customer_is_404_problem()
    {
        await (await _client.GetAsync("/api/v1/customers/nobody")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Malformed_asOf_is_400_problem()
    {
        await (await _client.GetAsync("/api/v1/customers/nobody?asOf=yesterday")).ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task List_pages_by_cursor_through_every_customer_in_clv_order()
    {
        var items = Enumerable.Range(1, 7).Select(i => Tx($"p-{i}", $"page-{i}", amount: i * 10m)).ToArray();
        (await _client.PostTransactionsAsync(items)).EnsureSuccessStatusCode();
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await (await _client.GetAsync($"/api/v1/customers?pageSize=3&acquisitionChannel=&sort=historicalClv{(cursor is null ? "" : "&cursor=" + cursor)}")).JsonAsync();
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("externalId").GetString()!).Where(id => id.StartsWith("page-", StringComparison.Ordinal)));
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        Assert.Equal(["page-7", "page-6", "page-5", "page-4", "page-3", "page-2", "page-1"], seen);
    }

    [Fact]
    public async Task List_filters_by_channel_and_country_and_sorts_ascending()
    {
        (await _client.PostAsJsonAsync("/api/v1/customers", new
        {
            customers = new object[]
            {
                new { externalId = "f-1", acquisitionChannel = "filter-test", country = "de" },
                new { externalId = "f-2", acquisitionChannel = "filter-test", country = "FR" },
                new { externalId = "f-3", acquisitionChannel = "filter-test", country = "DE" },
            },
        })).EnsureSuccessStatusCode();
        (await _client.PostTransactionsAsync(Tx("f-t1", "f-1", amount: 50m), Tx("f-t3", "f-3", amount: 5m))).EnsureSuccessStatusCode();

        var page = await (await _client.GetAsync("/api/v1/customers?acquisitionChannel=filter-test&country=DE&direction=asc")).JsonAsync();

        Assert.Equal(["f-3", "f-1"], page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("externalId").GetString()));
    }

    [Fact]
    public async Task Page_size_over_one_thousand_or_unknown_sort_is_400_problem()
    {
        await (await _client.GetAsync("/api/v1/customers?pageSize=1001")).ProblemAsync(HttpStatusCode.BadRequest);
        await (await _client.GetAsync("/api/v1/customers?sort=name")).ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Csv_export_streams_the_same_rows_as_the_json()
    {
        (await _client.PostAsJsonAsync("/api/v1/customers", new { customers = new object[] { new { externalId = "csv-1", acquisitionChannel = "csv-test" }, new { externalId = "csv-2", acquisitionChannel = "csv-test" } } })).EnsureSuccessStatusCode();
        (await _client.PostTransactionsAsync(Tx("csv-t1", "csv-1", amount: 12.5m), Tx("csv-t2", "csv-2", amount: 3m))).EnsureSuccessStatusCode();
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/customers?acquisitionChannel=csv-test");
        request.Headers.Accept.Clear();
        request.Headers.Accept.ParseAdd("text/csv");

        var response = await _client.SendAsync(request);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        // createdAt and updatedAt were missing (the hostile-user pass of 2026-12-06).
        Assert.StartsWith("externalId,acquiredAt,acquisitionChannel,country,attributes,createdAt,updatedAt,historical.purchaseCount", lines[0], StringComparison.Ordinal);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("csv-1,", lines[1], StringComparison.Ordinal);
        Assert.Contains(",12.5,", lines[1], StringComparison.Ordinal);
        var json = (await (await _client.GetAsync("/api/v1/customers/csv-1")).JsonAsync());
        var cells = lines[1].Split(',');
        Assert.Equal(json.GetProperty("createdAt").GetDateTimeOffset(), DateTimeOffset.Parse(cells[5], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(json.GetProperty("updatedAt").GetDateTimeOffset(), DateTimeOffset.Parse(cells[6], System.Globalization.CultureInfo.InvariantCulture));
    }

    // The list wrote PostgreSQL's text of the attributes ({"plan": "gold"}), the detail compact JSON ({"plan":"gold"}).
    [Fact]
    public async Task The_csv_list_writes_attributes_as_the_csv_detail_does()
    {
        (await _client.PostAsJsonAsync("/api/v1/customers", new { customers = new object[] { new { externalId = "attr-csv", acquisitionChannel = "attr-csv", attributes = new Dictionary<string, string> { ["plan"] = "gold", ["note"] = "a, b" } } } })).EnsureSuccessStatusCode();

        var list = await CsvAsync("/api/v1/customers?acquisitionChannel=attr-csv");
        var detail = await CsvAsync("/api/v1/customers/attr-csv");

        Assert.Equal(detail[1][..detail[1].IndexOf(",20", StringComparison.Ordinal)], list[1][..list[1].IndexOf(",20", StringComparison.Ordinal)]);
        Assert.Contains("\"{\"\"note\"\":\"\"a, b\"\",\"\"plan\"\":\"\"gold\"\"}\"", list[1], StringComparison.Ordinal);
    }

    private async Task<string[]> CsvAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Clear();
        request.Headers.Accept.ParseAdd("text/csv");
        var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
