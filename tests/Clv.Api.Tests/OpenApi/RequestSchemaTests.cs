using System.Text;
using System.Text.Json.Nodes;
using Clv.Api.Tests.Infrastructure;

namespace Clv.Api.Tests.OpenApi;

/// <summary>
/// The served document's request schemas and the API judge an item alike: an item the API stores
/// validates against its schema, and an item the API rejects for a missing field, a value outside
/// a closed set, or a malformed timestamp does not. A client generated from the document then
/// neither refuses a valid item (the helper's report of 2026-12-05: a free purchase, amount 0, broke
/// the schema's exclusive minimum, a rule that holds for refunds only) nor lets a field be left out.
/// </summary>
public sealed class RequestSchemaTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private const string Transaction = """{"externalId":"rs-t","customerExternalId":"rs-c","occurredAt":"2024-01-01T00:00:00Z","type":"purchase","amount":0,"currency":"USD"}""";
    private const string Subscription = """{"externalId":"rs-s","customerExternalId":"rs-c","plan":"pro","startedAt":"2024-01-15T00:00:00Z","billingPeriod":"month","amount":49,"currency":"USD"}""";
    private const string Feedback = """{"externalId":"rs-f","customerExternalId":"rs-c","answeredAt":"2024-03-01T10:00:00Z","kind":"nps","score":9}""";
    private const string Spend = """{"channel":"rs-ads","periodStart":"2024-01-01","periodEnd":"2024-01-31","amount":100,"currency":"USD"}""";

    public static TheoryData<string, string, string, string?, bool> Items => new()
    {
        // A free purchase and a refund are stored.
        { "/api/v1/transactions", "transactions", Transaction, null, true },
        { "/api/v1/transactions", "transactions", Transaction.Replace("\"purchase\",\"amount\":0", "\"refund\",\"amount\":5", StringComparison.Ordinal), null, true },
        { "/api/v1/transactions", "transactions", Transaction, "type", false },
        { "/api/v1/transactions", "transactions", Transaction.Replace("purchase", "gift", StringComparison.Ordinal), null, false },
        { "/api/v1/transactions", "transactions", Transaction, "occurredAt", false },
        { "/api/v1/transactions", "transactions", Transaction, "amount", false },
        { "/api/v1/subscriptions", "subscriptions", Subscription, null, true },
        { "/api/v1/subscriptions", "subscriptions", Subscription.Replace("month", "week", StringComparison.Ordinal), null, false },
        { "/api/v1/subscriptions", "subscriptions", Subscription.Replace("2024-01-15T00:00:00Z", "yesterday", StringComparison.Ordinal), null, false },
        { "/api/v1/subscriptions", "subscriptions", Subscription, "startedAt", false },
        { "/api/v1/subscriptions", "subscriptions", Subscription, "plan", false },
        { "/api/v1/feedback", "feedback", Feedback, null, true },
        { "/api/v1/feedback", "feedback", Feedback.Replace("nps", "ces", StringComparison.Ordinal), null, false },
        { "/api/v1/feedback", "feedback", Feedback, "score", false },
        { "/api/v1/acquisition-spend", "spend", Spend, null, true },
        { "/api/v1/acquisition-spend", "spend", Spend, "periodStart", false },
        { "/api/v1/acquisition-spend", "spend", Spend, "currency", false },
    };

    [Theory]
    [MemberData(nameof(Items))]
    public async Task The_schema_and_the_api_judge_an_item_alike(string path, string list, string item, string? omitted, bool valid)
    {
        var node = JsonNode.Parse(item)!.AsObject();
        if (omitted is not null)
        {
            Assert.True(node.Remove(omitted));
        }

        var body = new JsonObject { [list] = new JsonArray(node) }.ToJsonString();
        var contract = new ServedContract(JsonNode.Parse(await api.Client().GetStringAsync("/swagger/v1/swagger.json"))!);

        var refused = contract.CheckRequest(HttpMethod.Post, path, body);
        var answer = await (await api.Client().PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"))).JsonAsync();

        Assert.Equal(valid ? 0 : 1, answer.Long("rejected"));
        Assert.True(valid == (refused.Count == 0), string.Join(Environment.NewLine, refused.DefaultIfEmpty("the schema accepts it")));
    }

    public static TheoryData<string, bool> RunRequests => new()
    {
        { """{"asOf":"1998-06-30","horizonMonths":120,"intervalLevel":0.99,"intervalDraws":2000,"timeUnit":"days","models":["bgnbd","gammagamma"]}""", true },
        { """{"horizonMonths":121}""", false },
        { """{"horizonMonths":0}""", false },
        { """{"intervalLevel":0.4}""", false },
        { """{"intervalDraws":2001}""", false },
        { """{"discountRateMonthly":1.5}""", false },
        { """{"penalizer":-1}""", false },
        { """{"timeUnit":"fortnights"}""", false },
        { """{"models":["xyz"]}""", false },
        { """{"models":["sbg"],"periodUnit":"week"}""", false },
        { """{"models":["sbg"],"cohortBy":"country"}""", false },
        { """{"models":["sbg"],"horizonPeriods":121}""", false },
    };

    [Theory]
    [MemberData(nameof(RunRequests))]
    public async Task The_schema_and_the_api_judge_a_model_run_request_alike(string body, bool valid)
    {
        var contract = new ServedContract(JsonNode.Parse(await api.Client().GetStringAsync("/swagger/v1/swagger.json"))!);

        var refused = contract.CheckRequest(HttpMethod.Post, "/api/v1/model-runs", body);
        var answer = await api.Client().PostAsync("/api/v1/model-runs", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(valid ? System.Net.HttpStatusCode.Accepted : System.Net.HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.True(valid == (refused.Count == 0), string.Join(Environment.NewLine, refused.DefaultIfEmpty("the schema accepts it")));
    }

    [Fact]
    public async Task Every_operation_declares_406_for_an_accept_it_cannot_serve()
    {
        var document = JsonNode.Parse(await api.Client().GetStringAsync("/swagger/v1/swagger.json"))!;

        var without = document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Select(operation => (Name: $"{operation.Key} {path.Key}", Responses: operation.Value!["responses"]!.AsObject())))
            .Where(operation => !operation.Responses.ContainsKey("406"))
            .Select(operation => operation.Name);

        Assert.Empty(without);
    }
}
