using System.Text;
using Clv.Api.Tests.Infrastructure;
using CsCheck;
using Xunit.Abstractions;
using static Clv.Api.Tests.Security.HostileInput;

namespace Clv.Api.Tests.Security;

/// <summary>
/// Hostile input at every JSON and CSV endpoint and at the query strings of the reads: every
/// answer is 2xx, or 4xx problem+json, and a rejected request changes no stored row. Cases per
/// endpoint: <c>CLV_FUZZ_CASES</c> (default 100); a failure prints the CsCheck seed to replay.
/// </summary>
public sealed class FuzzTests(ClvApiFactory api, ITestOutputHelper output) : IClassFixture<ClvApiFactory>
{
    private static readonly Gen<string> Transaction = Object(
        ("externalId", "\"fz-1\""), ("customerExternalId", "\"fz-c1\""), ("occurredAt", "\"2024-01-10T12:00:00Z\""),
        ("type", "\"purchase\""), ("amount", "10.5"), ("currency", "\"USD\""), ("cost", "2"));

    private static readonly Gen<string> Customer = Object(
        ("externalId", "\"fz-c1\""), ("acquiredAt", "\"2024-01-01T00:00:00Z\""), ("acquisitionChannel", "\"email\""),
        ("country", "\"DE\""), ("attributes", "{\"tier\":\"gold\"}"));

    private static readonly Gen<string> Spend = Object(
        ("channel", "\"email\""), ("periodStart", "\"2024-01-01\""), ("periodEnd", "\"2024-01-31\""), ("amount", "100"), ("currency", "\"USD\""));

    private static readonly Gen<string> Rate = Object(("date", "\"2024-01-10\""), ("currency", "\"EUR\""), ("rateToReporting", "1.0837"));

    private static readonly Gen<string> Key = Object(("name", "\"fuzz\""), ("scopes", "[\"read\"]"));

    private static FuzzRequest Json(string path, byte[] body) => new(HttpMethod.Post, path, "application/json", body);

    public static TheoryData<string> Endpoints =>
    [
        "POST /api/v1/transactions", "POST /api/v1/customers", "POST /api/v1/acquisition-spend", "POST /api/v1/fx-rates",
        "POST /api/v1/api-keys", "POST /api/v1/transactions/import",
        "GET /api/v1/customers", "GET /api/v1/customers/{externalId}", "GET /api/v1/metrics/summary", "GET /api/v1/cohorts",
        "GET /api/v1/model-runs", "GET /api/v1/model-runs/{id}", "GET /api/v1/segments", "GET /api/v1/metrics/timeseries",
    ];

    private static Gen<FuzzRequest> Requests(string endpoint) => endpoint switch
    {
        "POST /api/v1/transactions" => Gen.Select(Batch("transactions", Transaction), Gen.Bool, (b, atomic) => Json("/api/v1/transactions" + (atomic ? "?atomic=true" : ""), b)),
        "POST /api/v1/customers" => Batch("customers", Customer).Select(b => Json("/api/v1/customers", b)),
        "POST /api/v1/acquisition-spend" => Batch("spend", Spend).Select(b => Json("/api/v1/acquisition-spend", b)),
        "POST /api/v1/fx-rates" => Batch("rates", Rate).Select(b => Json("/api/v1/fx-rates", b)),
        "POST /api/v1/api-keys" => Single(Key).Select(b => Json("/api/v1/api-keys", b)),
        "POST /api/v1/transactions/import" => Gen.Select(Csv(), Gen.Bool, (b, atomic) =>
            new FuzzRequest(HttpMethod.Post, "/api/v1/transactions/import" + (atomic ? "?atomic=true" : ""), "text/csv", b)),
        "GET /api/v1/customers" => Get("/api/v1/customers", Query(
            ("sort", "netRevenue"), ("direction", "asc"), ("acquisitionChannel", "email"), ("country", "DE"),
            ("cursor", "MTAuNXwx"), ("page", "2"), ("pageSize", "50"))),
        "GET /api/v1/customers/{externalId}" => Gen.Select(PathValue, Query(("asOf", "2024-01-31")), (id, q) =>
            new FuzzRequest(HttpMethod.Get, "/api/v1/customers/" + id + q, null, null)),
        "GET /api/v1/metrics/summary" => Get("/api/v1/metrics/summary", Query(("asOf", "2024-01-31"))),
        "GET /api/v1/cohorts" => Get("/api/v1/cohorts", Query(
            ("period", "quarter"), ("from", "2023-01-01"), ("to", "2024-12-31"), ("channel", "email"), ("asOf", "2024-06-30"), ("retention", "period"))),
        "GET /api/v1/model-runs" => Get("/api/v1/model-runs", Query(("limit", "5"))),
        "GET /api/v1/segments" => Get("/api/v1/segments", Query(
            ("by", "attribute:plan"), ("asOf", "2024-06-30"), ("from", "2023-01-01"), ("to", "2024-03-31"), ("period", "quarter"))),
        "GET /api/v1/metrics/timeseries" => Get("/api/v1/metrics/timeseries", Query(
            ("metric", "churnRate"), ("period", "month"), ("from", "2023-01-01"), ("to", "2024-06-30"), ("by", "cohort"), ("asOf", "2024-06-30"))),
        "GET /api/v1/model-runs/{id}" => PathValue.Select(id => new FuzzRequest(HttpMethod.Get, "/api/v1/model-runs/" + id, null, null)),
        _ => throw new ArgumentOutOfRangeException(nameof(endpoint), endpoint, "no generator"),
    };

    private static Gen<FuzzRequest> Get(string path, Gen<string> query) => query.Select(q => new FuzzRequest(HttpMethod.Get, path + q, null, null));

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Hostile_input_gets_2xx_or_4xx_problem_and_a_rejection_changes_nothing(string endpoint)
    {
        var client = api.Client();
        await SeedAsync(client);

        output.WriteLine(await SampleAsync(api, Requests(endpoint)));
    }

    /// <summary>
    /// Sends each generated request and checks its answer and the stored data; returns how many
    /// answers had each status, which shows that the cases reach past the JSON reader.
    /// </summary>
    internal static async Task<string> SampleAsync(ClvApiFactory api, Gen<FuzzRequest> requests)
    {
        var client = api.Client();
        var statuses = new SortedDictionary<int, int>();
        await requests.SampleAsync(async request =>
        {
            var before = await StoredData.FingerprintAsync(api.ConnectionString);
            using var response = await client.SendAsync(request.ToMessage());
            var status = (int)response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            var body = await response.Content.ReadAsStringAsync();
            var problem = response.Content.Headers.ContentType?.MediaType == "application/problem+json";
            Assert.True(status is >= 200 and < 300 || (status is >= 400 and < 500 && problem),
                $"{status} {response.Content.Headers.ContentType}: {(body.Length > 500 ? body[..500] : body)}");
            if (status >= 400 || request.Method == HttpMethod.Get)
            {
                Assert.Equal(before, await StoredData.FingerprintAsync(api.ConnectionString));
            }
        }, iter: Cases, threads: 1, print: r => r.ToString());
        return string.Join(", ", statuses.Select(s => $"{s.Key}: {s.Value}"));
    }

    // A little data, so that reads have rows to page and writes have rows they could damage.
    private static async Task SeedAsync(HttpClient client)
    {
        (await client.PostAsync("/api/v1/customers", new StringContent(
            "{\"customers\":[{\"externalId\":\"fz-c1\",\"acquiredAt\":\"2024-01-01T00:00:00Z\",\"acquisitionChannel\":\"email\",\"country\":\"DE\"}]}",
            Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        (await client.PostTransactionsAsync(
            HttpAssertions.Tx("fz-seed-1", "fz-c1", amount: 10m), HttpAssertions.Tx("fz-seed-2", "fz-c2", "2024-02-10T12:00:00Z", amount: 20m))).EnsureSuccessStatusCode();
    }
}

/// <summary>
/// Model-run options, on a database of their own without purchases: an accepted run fails at once
/// for want of data, so no background run changes predictions while the checks compare.
/// </summary>
public sealed class ModelRunFuzzTests(ClvApiFactory api, ITestOutputHelper output) : IClassFixture<ClvApiFactory>
{
    private static readonly Gen<string> Options = Object(
        ("asOf", "\"2024-06-30\""), ("calibrationEnd", "\"2024-03-31\""), ("timeUnit", "\"weeks\""), ("models", "[\"bgnbd\",\"gammagamma\"]"),
        ("primaryModel", "\"bgnbd\""), ("horizonMonths", "12"), ("discountRateMonthly", "0.01"), ("penalizer", "0"));

    [Fact]
    public async Task Hostile_model_run_options_get_2xx_or_4xx_problem_and_a_rejection_changes_nothing()
    {
        output.WriteLine(await FuzzTests.SampleAsync(api, Single(Options).Select(b => new FuzzRequest(HttpMethod.Post, "/api/v1/model-runs", "application/json", b))));
    }
}
