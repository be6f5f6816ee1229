using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Clv.Api.Tests.Infrastructure;
using Clv.Api.Tests.ModelRuns;

namespace Clv.Api.Tests.OpenApi;

/// <summary>
/// Every operation, driven to its success status and to its main error statuses, answers with a
/// status, media type and body that the served document declares (issue 13, section 2): nullable
/// fields are declared nullable, enums and formats hold.
/// </summary>
public sealed class LiveResponseConformanceTests(LiveResponseConformanceTests.Api api) : IClassFixture<LiveResponseConformanceTests.Api>
{
    /// <summary>CDNOW's sample, two profiled customers with feedback, spend, a rate, and a calibration run that is active.</summary>
    public sealed class Api : IAsyncLifetime
    {
        public ClvApiFactory Factory { get; } = new();

        public string RunId { get; private set; } = "";

        public async Task InitializeAsync()
        {
            await Factory.InitializeAsync();
            var client = Factory.Client();
            (await client.PostCsvAsync(CdnowSample.Csv())).EnsureSuccessStatusCode();
            var run = await ModelRunTests.StartAndWaitAsync(client, new
            {
                calibrationEnd = "1997-09-30",
                activate = true,
                asOf = "1998-06-30",
                models = new[] { "bgnbd", "gammagamma" },
            });
            Assert.Equal("succeeded", run.GetProperty("status").GetString());
            RunId = run.GetProperty("id").GetString()!;
        }

        public Task DisposeAsync() => ((IAsyncLifetime)Factory).DisposeAsync();
    }

    private sealed record Call(HttpMethod Method, string Url, HttpStatusCode Expected, HttpContent? Body = null, string? Key = ClvApiFactory.AdminKey);

    [Fact]
    public async Task Every_operation_answers_as_the_served_document_declares()
    {
        var contract = new ServedContract(JsonNode.Parse(await api.Factory.Client().GetStringAsync("/swagger/v1/swagger.json"))!);
        var readKey = await KeyAsync("read");
        var cdnowCustomer = CdnowSample.Purchases[0].Customer;
        var problems = new List<string>();
        var covered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var call in Calls(readKey, cdnowCustomer))
        {
            var answer = await SendAsync(call);
            var body = await answer.Content.ReadAsStringAsync();
            if (answer.StatusCode != call.Expected)
            {
                problems.Add($"{call.Method} {call.Url}: expected {(int)call.Expected}, got {(int)answer.StatusCode}: {body[..Math.Min(body.Length, 300)]}");
                continue;
            }

            var path = call.Url.Split('?')[0];
            problems.AddRange(contract.Check(call.Method, path, (int)answer.StatusCode, answer.Content.Headers.ContentType?.MediaType, body));
            covered.Add($"{call.Method.Method.ToLowerInvariant()} {contract.Operation(call.Method, path)?["operationId"]}");
        }

        var operations = JsonNode.Parse(await api.Factory.Client().GetStringAsync("/swagger/v1/swagger.json"))!["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Select(o => $"{o.Key} {o.Value!["operationId"]}"));
        problems.AddRange(operations.Except(covered).Select(o => $"{o}: not driven by this test"));
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    private IEnumerable<Call> Calls(string readKey, string cdnowCustomer)
    {
        var post = HttpMethod.Post;
        var get = HttpMethod.Get;
        // Writes: a success and the errors the pipeline and the validators give.
        yield return new(post, "/api/v1/customers", HttpStatusCode.OK, Json(new
        {
            customers = new object[]
            {
                new { externalId = "conf-de", acquisitionChannel = "paid_search", country = "DE", attributes = new { plan = "pro" } },
                new { externalId = "conf-us", acquisitionChannel = "organic", country = "US" },
                new { externalId = "conf-no-purchase", country = "FR" },
            },
        }));
        yield return new(post, "/api/v1/transactions", HttpStatusCode.OK, Json(new
        {
            transactions = new[]
            {
                HttpAssertions.Tx("conf-tx-1", "conf-de", "1997-03-01T10:00:00Z", amount: 40m),
                HttpAssertions.Tx("conf-tx-2", "conf-us", "1997-03-02T10:00:00Z", amount: 20m),
                HttpAssertions.Tx("conf-tx-bad", "conf-us", "not a date"),
            },
        }));
        yield return new(post, "/api/v1/transactions?atomic=true", HttpStatusCode.UnprocessableEntity, Json(new { transactions = new[] { HttpAssertions.Tx("conf-tx-3", "conf-us", amount: -1m) } }));
        yield return new(post, "/api/v1/transactions", HttpStatusCode.BadRequest, Json(new { }));
        yield return new(post, "/api/v1/transactions", HttpStatusCode.RequestEntityTooLarge,
            Json(new { transactions = Enumerable.Range(0, 10_001).Select(i => HttpAssertions.Tx($"big-{i}", "conf-us")) }));
        yield return new(post, "/api/v1/transactions", HttpStatusCode.UnsupportedMediaType, new StringContent("x", Encoding.UTF8, "text/plain"));
        yield return new(post, "/api/v1/transactions", HttpStatusCode.Unauthorized, Json(new { transactions = Array.Empty<object>() }), Key: null);
        yield return new(post, "/api/v1/transactions", HttpStatusCode.Forbidden, Json(new { transactions = Array.Empty<object>() }), Key: readKey);
        yield return new(post, "/api/v1/transactions/import", HttpStatusCode.OK,
            Csv("external_id,customer_external_id,occurred_at,type,amount,currency\r\nconf-csv-1,conf-de,1997-04-01T10:00:00Z,purchase,15,USD\r\n"));
        yield return new(post, "/api/v1/transactions/import", HttpStatusCode.BadRequest, Csv("\"unclosed\r\n"));
        yield return new(post, "/api/v1/acquisition-spend", HttpStatusCode.OK, Json(new
        {
            spend = new[] { new { channel = "paid_search", periodStart = "1997-01-01", periodEnd = "1997-12-31", amount = 500m, currency = "USD" } },
        }));
        yield return new(post, "/api/v1/feedback", HttpStatusCode.OK, Json(new
        {
            feedback = new object[]
            {
                new { externalId = "nps-1", customerExternalId = "conf-de", answeredAt = "1997-06-01T09:00:00Z", kind = "nps", score = 9 },
                new { externalId = "csat-1", customerExternalId = "conf-us", answeredAt = "1997-06-01T09:00:00Z", kind = "csat", score = 4, comment = "ok" },
            },
        }));
        yield return new(post, "/api/v1/feedback/import", HttpStatusCode.OK,
            Csv("external_id,customer_external_id,answered_at,kind,score\r\nnps-2,conf-us,1997-06-02T09:00:00Z,nps,3\r\n"));
        yield return new(post, "/api/v1/subscriptions", HttpStatusCode.OK, Json(new
        {
            subscriptions = new object[]
            {
                new { externalId = "conf-sub-1", customerExternalId = "conf-de", plan = "pro", startedAt = "1997-01-15T00:00:00Z", billingPeriod = "month", amount = 30m, currency = "USD" },
                new { externalId = "conf-sub-bad", customerExternalId = "conf-de", plan = "pro", startedAt = "1997-01-15T00:00:00Z", billingPeriod = "week", amount = 30m, currency = "USD" },
            },
        }));
        yield return new(post, "/api/v1/subscriptions/import", HttpStatusCode.OK,
            Csv("external_id,customer_external_id,plan,started_at,ended_at,billing_period,amount,currency\r\nconf-sub-2,conf-us,basic,1997-02-01T00:00:00Z,1997-05-01T00:00:00Z,month,10,USD\r\n"));
        yield return new(post, "/api/v1/fx-rates", HttpStatusCode.OK, Json(new { rates = new[] { new { date = "1997-01-01", currency = "EUR", rateToReporting = 1.1m } } }));
        yield return new(post, "/api/v1/model-runs", HttpStatusCode.BadRequest, Json(new { models = new[] { "nope" } }));
        yield return new(post, "/api/v1/api-keys", HttpStatusCode.Created, Json(new { name = "conformance", scopes = new[] { "read" } }));
        yield return new(post, "/api/v1/api-keys", HttpStatusCode.BadRequest, Json(new { name = "conformance", scopes = new[] { "root" } }));

        // Reads: the success with and without optional figures (a customer with no prediction), and errors.
        yield return new(get, $"/api/v1/customers/{cdnowCustomer}?asOf=1998-06-30", HttpStatusCode.OK);
        yield return new(get, "/api/v1/customers/conf-no-purchase", HttpStatusCode.OK);
        yield return new(get, "/api/v1/customers/conf-de", HttpStatusCode.OK);
        yield return new(get, "/api/v1/customers/nobody", HttpStatusCode.NotFound);
        yield return new(get, "/api/v1/customers/conf-de?asOf=yesterday", HttpStatusCode.BadRequest);
        yield return new(get, "/api/v1/customers?pageSize=5&sort=historicalClv", HttpStatusCode.OK);
        yield return new(get, "/api/v1/customers?atRisk=true&pageSize=5", HttpStatusCode.OK);
        yield return new(get, "/api/v1/customers?sort=shoeSize", HttpStatusCode.BadRequest);
        yield return new(get, "/api/v1/metrics/summary", HttpStatusCode.OK);
        yield return new(get, "/api/v1/metrics/summary", HttpStatusCode.Unauthorized, Key: null);
        yield return new(get, "/api/v1/metrics/timeseries?metric=netRevenue&period=month", HttpStatusCode.OK);
        yield return new(get, "/api/v1/metrics/timeseries?metric=netRevenue&period=month&by=acquisitionChannel", HttpStatusCode.OK);
        yield return new(get, "/api/v1/metrics/timeseries?metric=height", HttpStatusCode.BadRequest);
        yield return new(get, "/api/v1/segments?by=acquisitionChannel", HttpStatusCode.OK);
        yield return new(get, "/api/v1/segments?by=rfmSegment", HttpStatusCode.OK);
        yield return new(get, "/api/v1/segments?by=plan", HttpStatusCode.OK);
        yield return new(get, "/api/v1/segments?by=clvTier&fields=customers,customerEquity,revenueShare", HttpStatusCode.OK);
        yield return new(get, "/api/v1/segments?fields=netRevenue", HttpStatusCode.BadRequest);
        yield return new(get, "/api/v1/metrics/timeseries?metric=mrr&period=month&from=1997-01-01&to=1997-06-30", HttpStatusCode.OK);
        yield return new(get, "/api/v1/segments?by=bogus", HttpStatusCode.BadRequest);
        yield return new(get, "/api/v1/cohorts", HttpStatusCode.OK);
        yield return new(get, "/api/v1/cohorts?period=decade", HttpStatusCode.BadRequest);
        yield return new(get, "/api/v1/feedback/summary?by=country", HttpStatusCode.OK);
        yield return new(get, "/api/v1/feedback/summary?by=bogus", HttpStatusCode.BadRequest);
        yield return new(get, "/api/v1/compare?by=country&a=DE&b=US&metric=historicalClv", HttpStatusCode.OK);
        yield return new(get, "/api/v1/compare?by=country&a=DE&b=XX&metric=historicalClv", HttpStatusCode.NotFound);
        yield return new(get, "/api/v1/compare?by=country&a=DE&b=US&metric=bogus", HttpStatusCode.BadRequest);
        yield return new(get, "/api/v1/model-runs", HttpStatusCode.OK);
        yield return new(get, $"/api/v1/model-runs/{api.RunId}", HttpStatusCode.OK);
        yield return new(get, $"/api/v1/model-runs/{Guid.NewGuid()}", HttpStatusCode.NotFound);
        yield return new(get, "/api/v1/api-keys", HttpStatusCode.OK);
        yield return new(get, "/api/v1/api-keys", HttpStatusCode.Forbidden, Key: readKey);
        yield return new(HttpMethod.Delete, $"/api/v1/api-keys/{Guid.NewGuid()}", HttpStatusCode.NotFound);
        yield return new(HttpMethod.Delete, "/api/v1/customers/conf-us", HttpStatusCode.OK);
        yield return new(HttpMethod.Delete, "/api/v1/customers/conf-us", HttpStatusCode.NotFound);
    }

    private async Task<string> KeyAsync(string scope)
    {
        var created = await api.Factory.Client().PostAsJsonAsync("/api/v1/api-keys", new { name = "conformance-" + scope, scopes = new[] { scope } });
        return (await created.JsonAsync(HttpStatusCode.Created)).GetProperty("key").GetString()!;
    }

    private async Task<HttpResponseMessage> SendAsync(Call call)
    {
        using var request = new HttpRequestMessage(call.Method, call.Url) { Content = call.Body };
        var client = api.Factory.Client(call.Key);
        return await client.SendAsync(request);
    }

    private static StringContent Json(object body) =>
        new(JsonSerializer.Serialize(body, JsonSerializerOptions.Web), new MediaTypeHeaderValue("application/json"));

    private static StringContent Csv(string csv) => new(csv, new UTF8Encoding(false), "text/csv");
}
