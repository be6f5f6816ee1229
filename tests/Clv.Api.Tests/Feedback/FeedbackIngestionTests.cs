using System.Net;
using System.Net.Http.Json;
using System.Text;
using Clv.Api.Tests.Infrastructure;

namespace Clv.Api.Tests.Feedback;

/// <summary>POST /api/v1/feedback and its CSV import: per-item validation, idempotency, unknown customers, erasure.</summary>
public sealed class FeedbackIngestionTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private readonly HttpClient _client = api.Client();

    internal static object Answer(string id, string customer, string kind, object score, string answeredAt = "2024-03-01T10:00:00Z", string? comment = null) =>
        new { externalId = id, customerExternalId = customer, answeredAt, kind, score, comment };

    internal static Task<HttpResponseMessage> PostFeedbackAsync(HttpClient client, params object[] items) =>
        client.PostAsJsonAsync("/api/v1/feedback", new { feedback = items });

    private Task<HttpResponseMessage> PostCsvAsync(string csv, string query = "") =>
        _client.PostAsync("/api/v1/feedback/import" + query, new StringContent(csv, new UTF8Encoding(false), "text/csv"));

    [Fact]
    public async Task A_new_customer_whose_only_answer_is_a_duplicate_is_not_created()
    {
        // The helper's report of 2026-12-05: the answer was a duplicate, and its new customer stayed,
        // empty, counted among the portfolio's customers.
        (await PostFeedbackAsync(_client, Answer("g-1", "g-first", "nps", 9))).EnsureSuccessStatusCode();
        var before = await StoredData.FingerprintAsync(api.ConnectionString);

        var body = await (await PostFeedbackAsync(_client, Answer("g-1", "g-ghost", "nps", 2))).JsonAsync();

        Assert.Equal((0, 1), (body.Long("inserted"), body.Long("duplicates")));
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/v1/customers/g-ghost")).StatusCode);
        Assert.Equal(before, await StoredData.FingerprintAsync(api.ConnectionString));
    }

    [Fact]
    public async Task Scores_outside_their_kind_s_range_are_rejected_per_item_naming_the_index_and_field()
    {
        var body = await (await PostFeedbackAsync(_client,
            Answer("v-ok-nps", "v-cust", "nps", 10),
            Answer("v-nps-11", "v-cust", "nps", 11),
            Answer("v-csat-0", "v-cust", "csat", 0),
            Answer("v-csat-6", "v-cust", "csat", 6),
            Answer("v-half", "v-cust", "nps", 7.5m),
            Answer("v-kind", "v-cust", "ces", 3),
            Answer("v-ok-csat", "v-cust", "csat", 1),
            Answer("v-when", "v-cust", "nps", 5, answeredAt: "2999-01-01T00:00:00Z"),
            Answer("v-long", "v-cust", "nps", 5, comment: new string('x', 4001)))).JsonAsync();

        Assert.Equal(2, body.Long("inserted"));
        Assert.Equal(7, body.Long("rejected"));
        var errors = body.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("index").GetInt32(), e.GetProperty("field").GetString())).ToList();
        Assert.Equal([(1, "score"), (2, "score"), (3, "score"), (4, "score"), (5, "kind"), (7, "answeredAt"), (8, "comment")], errors);
    }

    [Fact]
    public async Task A_resent_external_id_is_a_duplicate_and_the_first_answer_stays()
    {
        (await PostFeedbackAsync(_client, Answer("d-1", "d-cust", "nps", 3, comment: "first"))).EnsureSuccessStatusCode();

        var body = await (await PostFeedbackAsync(_client, Answer("d-1", "d-other", "nps", 10, comment: "changed"), Answer("d-2", "d-cust", "csat", 5), Answer("d-2", "d-cust", "csat", 1))).JsonAsync();

        Assert.Equal(1, body.Long("inserted"));
        Assert.Equal(2, body.Long("duplicates"));
        Assert.Equal("3 first", await api.ScalarAsync<string>("SELECT score || ' ' || comment FROM feedback WHERE external_id = 'd-1'"));
        Assert.Equal(5, await api.ScalarAsync<short>("SELECT score FROM feedback WHERE external_id = 'd-2'"));
        Assert.Equal(2L, await api.ScalarAsync<long>("SELECT count(*) FROM feedback_keys WHERE external_id LIKE 'd-%'"));
    }

    [Fact]
    public async Task An_unknown_customer_is_created_and_readable()
    {
        (await PostFeedbackAsync(_client, Answer("u-1", "u-new", "nps", 9))).EnsureSuccessStatusCode();

        var customer = await (await _client.GetAsync("/api/v1/customers/u-new")).JsonAsync();

        Assert.Equal("u-new", customer.GetProperty("externalId").GetString());
        Assert.Equal(1L, await api.ScalarAsync<long>("SELECT count(*) FROM customer_summaries s JOIN customer_keys k ON k.customer_id = s.customer_id WHERE k.external_id = 'u-new'"));
    }

    [Fact]
    public async Task Atomic_batch_with_an_invalid_item_is_422_and_stores_nothing()
    {
        var problem = await (await _client.PostAsJsonAsync("/api/v1/feedback?atomic=true", new { feedback = new[] { Answer("a-1", "a-cust", "nps", 9), Answer("a-2", "a-cust", "csat", 9) } }))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity);

        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM feedback WHERE external_id LIKE 'a-%'"));
        Assert.Contains("errors", problem.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task A_body_without_the_feedback_array_is_400_problem()
    {
        var problem = await (await _client.PostAsJsonAsync("/api/v1/feedback", new { answers = Array.Empty<object>() })).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty("feedback", out _));
    }

    [Fact]
    public async Task Csv_import_stores_valid_rows_and_names_the_line_and_column_of_invalid_ones()
    {
        var csv = "external_id,customer_external_id,answered_at,kind,score,comment\n"
            + "c-1,c-cust,2024-03-01T10:00:00Z,nps,9,\"Great, really\"\n"
            + "c-2,c-cust,2024-03-02T10:00:00Z,csat,4,\n"
            + "c-3,c-cust,2024-03-02T10:00:00Z,nps,eleven,\n"
            + "c-4,c-cust,2024-03-02T10:00:00Z,csat,7,\n";

        var body = await (await PostCsvAsync(csv)).JsonAsync();

        Assert.Equal(4, body.Long("received"));
        Assert.Equal(2, body.Long("inserted"));
        var errors = body.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("line").GetInt64(), e.GetProperty("field").GetString())).ToList();
        Assert.Equal([(4L, "score"), (5L, "score")], errors);
        Assert.Equal("Great, really", await api.ScalarAsync<string>("SELECT comment FROM feedback WHERE external_id = 'c-1'"));
    }

    [Fact]
    public async Task A_csv_comment_with_an_unquoted_comma_is_400_naming_its_line_not_cut_at_the_comma()
    {
        // The comment was stored as "Great" and ", really" dropped without a word.
        var csv = "external_id,customer_external_id,answered_at,kind,score,comment\n"
            + "uc-1,uc-cust,2024-03-01T10:00:00Z,nps,9,Great, really\n";

        var problem = await (await PostCsvAsync(csv)).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.StartsWith("Line 2: ", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM feedback WHERE external_id = 'uc-1'"));
    }

    [Fact]
    public async Task Resends_of_a_batch_running_at_once_keep_the_customers_the_first_created()
    {
        // A resend that waited for the first's new customer keys took them for its own, found its answers
        // duplicates, and dropped "its" empty customers: the first's answers were left without a customer,
        // and some resends failed with 500.
        for (var round = 0; round < 3; round++)
        {
            var batch = Enumerable.Range(0, 50).Select(i => Answer($"rs{round}-{i}", $"rs{round}-cust-{i % 7}", "nps", 9)).ToArray();

            var statuses = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ => (await PostFeedbackAsync(_client, batch)).StatusCode));

            Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
            Assert.Equal(7L, await api.ScalarAsync<long>($"SELECT count(*) FROM customers WHERE external_id LIKE 'rs{round}-cust-%'"));
            Assert.Equal(0L, await api.ScalarAsync<long>(
                $"SELECT count(*) FROM feedback f WHERE f.external_id LIKE 'rs{round}-%' AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = f.customer_id)"));
        }
    }

    [Fact]
    public async Task Atomic_csv_import_with_an_invalid_row_is_422_and_stores_nothing()
    {
        var csv = "external_id,customer_external_id,answered_at,kind,score\nac-1,ac-cust,2024-03-01T10:00:00Z,nps,9\nac-2,ac-cust,2024-03-01T10:00:00Z,csat,0\n";

        await (await PostCsvAsync(csv, "?atomic=true")).ProblemAsync(HttpStatusCode.UnprocessableEntity);

        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM feedback WHERE external_id LIKE 'ac-%'"));
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM customer_keys WHERE external_id = 'ac-cust'"));
    }

    [Fact]
    public async Task Csv_header_without_a_required_column_is_400_problem_naming_it()
    {
        var problem = await (await PostCsvAsync("external_id,customer_external_id,answered_at,score\nh-1,h,2024-01-01T00:00:00Z,9\n")).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains("kind", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Erasing_a_customer_removes_their_answers_and_comments_and_frees_the_ids()
    {
        (await PostFeedbackAsync(_client, Answer("e-1", "e-cust", "nps", 2, comment: "secret complaint"), Answer("e-2", "e-cust", "csat", 2, comment: "also private"), Answer("e-3", "e-keep", "nps", 9)))
            .EnsureSuccessStatusCode();

        var erased = await (await _client.DeleteAsync("/api/v1/customers/e-cust")).JsonAsync();

        Assert.Equal(2, erased.Long("feedback"));
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM feedback WHERE comment LIKE '%private%' OR comment LIKE '%secret%'"));
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM feedback_keys WHERE external_id IN ('e-1', 'e-2')"));
        Assert.Equal(1L, await api.ScalarAsync<long>("SELECT count(*) FROM feedback WHERE external_id = 'e-3'"));
    }
}
