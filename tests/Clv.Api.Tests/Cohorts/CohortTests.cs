using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Cohorts;

/// <summary>
/// A hand-built book, every expected value worked out below:
/// A acquired 2023-11-15 (email): buys 100 on 2023-11-20 and 50 on 2024-01-05, refunds 20 on 2024-01-10.
/// B acquired 2023-11-02 (email): buys 30 on 2023-12-01.
/// C acquired 2023-12-10 (search): buys 40 on 2023-12-10 and 10 on 2024-02-01.
/// D acquired 2023-11-25 (email): never buys. Everything as of 2024-02-29.
/// </summary>
public sealed class CohortTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>, IAsyncLifetime
{
    private readonly HttpClient _client = api.Client();

    public async Task InitializeAsync()
    {
        if (await api.ScalarAsync<long>("SELECT count(*) FROM customers") > 0)
        {
            return;
        }

        (await _client.PostAsJsonAsync("/api/v1/customers", new
        {
            customers = new object[]
            {
                new { externalId = "A", acquiredAt = "2023-11-15T10:00:00Z", acquisitionChannel = "email" },
                new { externalId = "B", acquiredAt = "2023-11-02T10:00:00Z", acquisitionChannel = "email" },
                new { externalId = "C", acquiredAt = "2023-12-10T10:00:00Z", acquisitionChannel = "search" },
                new { externalId = "D", acquiredAt = "2023-11-25T10:00:00Z", acquisitionChannel = "email" },
            },
        })).EnsureSuccessStatusCode();
        (await _client.PostTransactionsAsync(
            Tx("a1", "A", "2023-11-20T12:00:00Z", amount: 100m),
            Tx("a2", "A", "2024-01-05T12:00:00Z", amount: 50m),
            Tx("a3", "A", "2024-01-10T12:00:00Z", type: "refund", amount: 20m),
            Tx("b1", "B", "2023-12-01T12:00:00Z", amount: 30m),
            Tx("c1", "C", "2023-12-10T12:00:00Z", amount: 40m),
            Tx("c2", "C", "2024-02-01T12:00:00Z", amount: 10m))).EnsureSuccessStatusCode();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static JsonElement Row(JsonElement body, string cohort) =>
        body.GetProperty("cohorts").EnumerateArray().Single(c => c.GetProperty("cohort").GetString() == cohort);

    private static T[] Array<T>(JsonElement row, string name) => row.GetProperty(name).Deserialize<T[]>()!;

    [Fact]
    public async Task Monthly_matrix_counts_activity_per_period_since_acquisition_across_the_year_boundary()
    {
        var body = await (await _client.GetAsync("/api/v1/cohorts?period=month&asOf=2024-02-29")).JsonAsync();

        // 2023-11: A, B, D (size 3). k0 Nov: A; k1 Dec: B; k2 Jan: A (50 − 20 refund = 30); k3 Feb: nobody.
        var november = Row(body, "2023-11");
        Assert.Equal(3, november.GetProperty("size").GetInt32());
        Assert.Equal([1, 1, 1, 0], Array<int>(november, "activeCustomers"));
        Assert.Equal([1 / 3.0, 1 / 3.0, 1 / 3.0, 0], Array<double>(november, "retention"));
        Assert.Equal([100m, 30m, 30m, 0m], Array<decimal>(november, "netRevenue"));
        // 100 / 3, 130 / 3, 160 / 3, 160 / 3 to 4 decimals.
        Assert.Equal([33.3333m, 43.3333m, 53.3333m, 53.3333m], Array<decimal>(november, "cumulativeNetRevenuePerCustomer"));

        // 2023-12: C (size 1): Dec 40, Jan nothing, Feb 10; it bought in its acquisition month, so retention[0] = 1.
        var december = Row(body, "2023-12");
        Assert.Equal([1, 0, 1], Array<int>(december, "activeCustomers"));
        Assert.Equal([1.0, 0, 1.0], Array<double>(december, "retention"));
        Assert.Equal([40m, 40m, 50m], Array<decimal>(december, "cumulativeNetRevenuePerCustomer"));
    }

    [Fact]
    public async Task On_or_after_counts_a_customer_retained_until_their_last_purchase()
    {
        var body = await (await _client.GetAsync("/api/v1/cohorts?asOf=2024-02-29&retention=onOrAfter")).JsonAsync();

        // 2023-11: A last bought in Jan (k2), B in Dec (k1), D never: k0 {A, B}, k1 {A, B}, k2 {A}, k3 {}.
        Assert.Equal([2, 2, 1, 0], Array<int>(Row(body, "2023-11"), "activeCustomers"));
        Assert.Equal([1, 1, 1], Array<int>(Row(body, "2023-12"), "activeCustomers"));
    }

    [Fact]
    public async Task Quarterly_matrix_puts_all_four_customers_in_2023_q4()
    {
        var body = await (await _client.GetAsync("/api/v1/cohorts?period=quarter&asOf=2024-02-29")).JsonAsync();

        // Q4: A, B, C bought (170); 2024-Q1: A and C bought (50 − 20 + 10 = 40). Size 4.
        var q4 = Row(body, "2023-Q4");
        Assert.Equal(4, q4.GetProperty("size").GetInt32());
        Assert.Equal([3, 2], Array<int>(q4, "activeCustomers"));
        Assert.Equal([0.75, 0.5], Array<double>(q4, "retention"));
        Assert.Equal([170m, 40m], Array<decimal>(q4, "netRevenue"));
        Assert.Equal([42.5m, 52.5m], Array<decimal>(q4, "cumulativeNetRevenuePerCustomer"));
    }

    [Fact]
    public async Task Channel_and_date_range_filter_the_cohorts()
    {
        var email = await (await _client.GetAsync("/api/v1/cohorts?asOf=2024-02-29&channel=email")).JsonAsync();
        var december = await (await _client.GetAsync("/api/v1/cohorts?asOf=2024-02-29&from=2023-12-01&to=2023-12-31")).JsonAsync();

        Assert.Equal(["2023-11"], email.GetProperty("cohorts").EnumerateArray().Select(c => c.GetProperty("cohort").GetString()));
        Assert.Equal(3, Row(email, "2023-11").GetProperty("size").GetInt32());
        Assert.Equal(["2023-12"], december.GetProperty("cohorts").EnumerateArray().Select(c => c.GetProperty("cohort").GetString()));
    }

    [Fact]
    public async Task Csv_gives_one_row_per_cohort_and_period()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/cohorts?asOf=2024-02-29");
        request.Headers.Accept.Clear();
        request.Headers.Accept.ParseAdd("text/csv");

        var lines = (await (await _client.SendAsync(request)).Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("cohort,periodsSinceAcquisition,size,activeCustomers,retention,netRevenue,cumulativeNetRevenuePerCustomer", lines[0]);
        Assert.Equal(1 + 4 + 3, lines.Length);
        Assert.Equal("2023-12,2,1,1,1,10,50", lines[^1]);
    }

    [Fact]
    public async Task Unknown_period_is_400_problem()
    {
        await (await _client.GetAsync("/api/v1/cohorts?period=week")).ProblemAsync(HttpStatusCode.BadRequest);
    }
}
