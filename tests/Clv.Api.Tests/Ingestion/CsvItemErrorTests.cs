using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Clv.Api.Tests.Infrastructure;

namespace Clv.Api.Tests.Ingestion;

/// <summary>
/// The errors every CSV import (transactions, feedback, subscriptions) writes the same way: the
/// expected header in a 400, and a row's errors named by line and column, where a number that does
/// not parse is one error of its own in place of the validator's. The expected problems are written
/// from docs/api.md ("Errors", "CSV import") and the messages the validators state.
/// </summary>
public sealed class CsvItemErrorTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private readonly HttpClient _client = api.Client();

    [Theory]
    [InlineData("transactions", "external_id,customer_external_id,occurred_at,type,currency\nh-1,h,2024-01-01T00:00:00Z,purchase,USD\n",
        "Line 1: the header lacks amount. Expected: external_id,customer_external_id,occurred_at,type,amount,currency[,cost].")]
    [InlineData("feedback", "external_id,customer_external_id,answered_at,kind\nh-1,h,2024-01-01T00:00:00Z,nps\n",
        "Line 1: the header lacks score. Expected: external_id,customer_external_id,answered_at,kind,score[,comment].")]
    [InlineData("subscriptions", "external_id,customer_external_id,plan,started_at,currency\nh-1,h,pro,2024-01-01T00:00:00Z,USD\n",
        "Line 1: the header lacks billing_period, amount. Expected: external_id,customer_external_id,plan,started_at,billing_period,amount,currency[,ended_at].")]
    public async Task Header_without_required_columns_is_400_naming_them_and_the_expected_header(string feature, string csv, string detail)
    {
        var response = await PostCsvAsync(feature, csv, "");

        AssertProblem(await response.ProblemAsync(HttpStatusCode.BadRequest), $$"""
            {
              "type": "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.1",
              "title": "Invalid CSV header",
              "status": 400,
              "detail": "{{detail}}",
              "instance": "/api/v1/{{feature}}/import"
            }
            """);
    }

    [Fact]
    public async Task A_header_that_names_a_column_twice_is_400_naming_it()
    {
        // The helper's report of 2026-12-05 (of JSON's repeated keys): the first of the two was read, without a word.
        var csv = "external_id,customer_external_id,occurred_at,type,amount,currency,Amount\ncie-h1,cie-h,2024-01-01T10:00:00Z,purchase,1,USD,1000\n";

        var problem = await (await PostCsvAsync("transactions", csv, "")).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal("Line 1: the column Amount appears twice. Expected: external_id,customer_external_id,occurred_at,type,amount,currency[,cost].",
            problem.GetProperty("detail").GetString());
        Assert.Equal(0, await api.ScalarAsync<long>("SELECT count(*) FROM transactions WHERE external_id = 'cie-h1'"));
    }

    [Fact]
    public async Task Transaction_numbers_that_do_not_parse_are_named_first_each_once_then_the_other_errors()
    {
        var csv = "external_id,customer_external_id,occurred_at,type,amount,currency,cost\n"
            + "cie-t1,cie-t,2024-01-01T10:00:00Z,purchase,10,USD,\n"
            + ",cie-t,2024-01-01T10:00:00Z,purchase,abc,USD,x\n";

        var response = await PostCsvAsync("transactions", csv, "?atomic=true");

        AssertProblem(await response.ProblemAsync(HttpStatusCode.UnprocessableEntity), Rejected("transactions", 3, """
            [
              { "line": 3, "field": "amount", "message": "'amount' must be a decimal number such as 12.50." },
              { "line": 3, "field": "cost", "message": "'cost' must be a decimal number such as 12.50." },
              { "line": 3, "field": "external_id", "message": "'externalId' must not be empty." }
            ]
            """));
        Assert.Equal(0, await api.ScalarAsync<long>("SELECT count(*) FROM transactions WHERE external_id LIKE 'cie-%'"));
    }

    [Fact]
    public async Task A_feedback_score_that_does_not_parse_is_named_once_after_the_other_errors()
    {
        var csv = "external_id,customer_external_id,answered_at,kind,score,comment\n"
            + $"cie-f1,,2024-03-01T10:00:00Z,nps,nine,{new string('a', 4001)}\n";

        var response = await PostCsvAsync("feedback", csv, "?atomic=true");

        AssertProblem(await response.ProblemAsync(HttpStatusCode.UnprocessableEntity), Rejected("feedback", 3, """
            [
              { "line": 2, "field": "customer_external_id", "message": "'customerExternalId' must not be empty." },
              { "line": 2, "field": "comment", "message": "The length of 'comment' must be 4000 characters or fewer. You entered 4001 characters." },
              { "line": 2, "field": "score", "message": "'score' must be an integer." }
            ]
            """));
    }

    [Fact]
    public async Task A_subscription_amount_that_does_not_parse_is_named_once_after_the_other_errors()
    {
        var csv = "external_id,customer_external_id,plan,started_at,billing_period,amount,currency\n"
            + "cie-s1,cie-s,pro,2024-01-15T00:00:00Z,week,lots,XYZ\n";

        var response = await PostCsvAsync("subscriptions", csv, "?atomic=true");

        AssertProblem(await response.ProblemAsync(HttpStatusCode.UnprocessableEntity), Rejected("subscriptions", 3, """
            [
              { "line": 2, "field": "billing_period", "message": "'billingPeriod' must be 'month' or 'year'." },
              { "line": 2, "field": "currency", "message": "'XYZ' is not an ISO 4217 currency code." },
              { "line": 2, "field": "amount", "message": "'amount' must be a decimal number such as 49.90." }
            ]
            """));
    }

    [Fact]
    public async Task An_amount_a_decimal_would_round_is_rejected_and_a_long_exact_one_kept()
    {
        // The helper's report of 2026-12-05: 30 decimals parsed as 0 and were stored as a free purchase.
        // 28 zeros after 10 are exact, and stay 10.
        var csv = "external_id,customer_external_id,occurred_at,type,amount,currency\n"
            + "rnd-c1,rnd-c,2024-01-01T10:00:00Z,purchase,0.000000000000000000000000000001,USD\n"
            + "rnd-c2,rnd-c,2024-01-01T10:00:00Z,purchase,10.0000000000000000000000000000,USD\n";

        var body = await (await PostCsvAsync("transactions", csv, "")).JsonAsync();

        Assert.Equal((1, 1), (body.Long("inserted"), body.Long("rejected")));
        var error = Assert.Single(body.GetProperty("errors").EnumerateArray());
        Assert.Equal((2, "amount", "'amount' has more significant digits than can be stored exactly (28); it would be rounded."),
            (error.GetProperty("line").GetInt64(), error.GetProperty("field").GetString(), error.GetProperty("message").GetString()));
        Assert.Equal(10m, await api.ScalarAsync<decimal>("SELECT sum(amount) FROM transactions WHERE external_id LIKE 'rnd-c%'"));
    }

    [Fact]
    public async Task An_atomic_import_with_more_invalid_rows_than_listed_counts_them_all()
    {
        // 1,201 rows with a negative amount: 1,000 errors listed, and the count of invalid rows says 1,201 (the
        // helper's report of 2026-12-05: the detail said "1000 invalid item field(s)").
        var csv = new StringBuilder("external_id,customer_external_id,occurred_at,type,amount,currency\n");
        for (var i = 0; i < 1201; i++)
        {
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"cie-many-{i},cie-many,2024-01-01T10:00:00Z,purchase,-1,USD\n");
        }

        var problem = await (await PostCsvAsync("transactions", csv.ToString(), "?atomic=true")).ProblemAsync(HttpStatusCode.UnprocessableEntity);

        Assert.Equal(1201, problem.GetProperty("rejected").GetInt64());
        Assert.Equal(1000, problem.GetProperty("errors").GetArrayLength());
        Assert.True(problem.GetProperty("errorsTruncated").GetBoolean());
        Assert.Equal("1201 invalid item(s); nothing was stored. 1000 field error(s) are listed, the list cut at its limit.", problem.GetProperty("detail").GetString());
    }

    // The 422 of an atomic import with one invalid row: nothing stored, every error listed.
    private static string Rejected(string feature, int fields, string errors) => $$"""
        {
          "type": "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.21",
          "title": "Invalid items",
          "status": 422,
          "detail": "1 invalid item(s); nothing was stored. {{fields}} field error(s) are listed.",
          "instance": "/api/v1/{{feature}}/import",
          "rejected": 1,
          "errors": {{errors}},
          "errorsTruncated": false
        }
        """;

    private Task<HttpResponseMessage> PostCsvAsync(string feature, string csv, string query) =>
        _client.PostAsync($"/api/v1/{feature}/import{query}", new StringContent(csv, new UTF8Encoding(false), "text/csv"));

    // The whole problem but its trace id, which differs per request.
    private static void AssertProblem(System.Text.Json.JsonElement problem, string expected)
    {
        var served = JsonNode.Parse(problem.GetRawText())!.AsObject();
        served.Remove("traceId");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), served), $"Expected {expected}{Environment.NewLine}got {served}");
    }
}
