using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Clv.Api.Tests.Infrastructure;

/// <summary>Small builders and checks shared by the HTTP tests.</summary>
internal static class HttpAssertions
{
    public static object Tx(string id, string customer, string occurredAt = "2024-01-10T12:00:00Z", string type = "purchase",
        decimal amount = 10m, string currency = "USD", decimal? cost = null) =>
        new { externalId = id, customerExternalId = customer, occurredAt, type, amount, currency, cost };

    public static Task<HttpResponseMessage> PostTransactionsAsync(this HttpClient client, params object[] items) =>
        client.PostAsJsonAsync("/api/v1/transactions", new { transactions = items });

    public static Task<HttpResponseMessage> PostCustomersAsync(this HttpClient client, params object[] customers) =>
        client.PostAsJsonAsync("/api/v1/customers", new { customers });

    public static Task<HttpResponseMessage> PostSpendAsync(this HttpClient client, params object[] spend) =>
        client.PostAsJsonAsync("/api/v1/acquisition-spend", new { spend });

    public static Task<HttpResponseMessage> PostCsvAsync(this HttpClient client, string csv, string query = "") =>
        client.PostAsync("/api/v1/transactions/import" + query, new StringContent(csv, new UTF8Encoding(false), "text/csv"));

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Asserts an RFC 9457 problem+json answer with the status, and returns it.</summary>
    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var problem = await response.JsonAsync(expected);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        // Every problem reads alike (issue 13): RFC 9457's members and the trace id, none empty.
        foreach (var member in new[] { "type", "title", "detail", "instance", "traceId" })
        {
            Assert.True(
                problem.TryGetProperty(member, out var value) && !string.IsNullOrEmpty(value.GetString()),
                $"The problem has no {member}: {problem}");
        }

        // One type per status, whoever wrote the problem (ASP.NET Core's model binding or Clv).
        var type = problem.GetProperty("type").GetString()!;
        Assert.True(
            type == "about:blank" || type.StartsWith("https://www.rfc-editor.org/rfc/rfc9110#section-", StringComparison.Ordinal),
            $"The problem's type is {type}: {problem}");

        return problem;
    }

    public static decimal Dec(this JsonElement e, string name) => e.GetProperty(name).GetDecimal();

    public static long Long(this JsonElement e, string name) => e.GetProperty(name).GetInt64();

    /// <summary>The number, or null where the answer has null.</summary>
    public static decimal? DecOrNull(this JsonElement e, string name) => e.GetProperty(name).ValueKind == JsonValueKind.Null ? null : e.Dec(name);

    /// <summary>The number, or null where the answer has null.</summary>
    public static double? DoubleOrNull(this JsonElement e, string name) => e.GetProperty(name).ValueKind == JsonValueKind.Null ? null : e.GetProperty(name).GetDouble();
}
