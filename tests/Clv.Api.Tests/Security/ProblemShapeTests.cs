using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Clv.Api.Tests.Infrastructure;
using Clv.Api.Tests.ModelRuns;

namespace Clv.Api.Tests.Security;

/// <summary>
/// Errors read alike (issue 13, "the first hour"): every problem carries type, title, status, detail, instance and
/// traceId (checked by <see cref="HttpAssertions.ProblemAsync"/> on every problem the suite meets), a bad date says the
/// format it expects, a 415 names the media types accepted, a JSON type error is one error, and an Accept an endpoint
/// cannot serve is a 406 problem rather than JSON nobody asked for.
/// </summary>
public sealed class ProblemShapeTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private readonly HttpClient _client = api.Client();

    [Theory]
    [InlineData("/api/v1/segments?by=favouriteColour", "by")]
    [InlineData("/api/v1/customers?sort=shoeSize", "sort")]
    [InlineData("/api/v1/metrics/timeseries?metric=happiness", "metric")]
    public async Task Hand_built_400s_carry_every_field_and_name_the_parameter(string path, string parameter)
    {
        var problem = await (await _client.GetAsync(path)).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), problem.ToString());
        Assert.Contains(parameter, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(new Uri(path, UriKind.Relative).OriginalString.Split('?')[0], problem.GetProperty("instance").GetString());
    }

    [Fact]
    public async Task An_unknown_model_names_the_models_in_its_detail()
    {
        var problem = await (await _client.PostAsJsonAsync("/api/v1/model-runs", new { models = new[] { "crystalball" } })).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains("crystalball", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2024-13-01")]
    [InlineData("01/02/2024")] // read as 1 February or 2 January depending on the reader: refused
    [InlineData("yesterday")]
    public async Task A_bad_date_says_the_format_it_expects(string asOf)
    {
        var problem = await (await _client.GetAsync($"/api/v1/metrics/summary?asOf={Uri.EscapeDataString(asOf)}")).ProblemAsync(HttpStatusCode.BadRequest);

        var message = Assert.Single(problem.GetProperty("errors").GetProperty("asOf").EnumerateArray()).GetString();
        Assert.Contains("YYYY-MM-DD", message, StringComparison.Ordinal);
        Assert.Contains(asOf, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_415_names_the_accepted_media_types()
    {
        using var body = new StringContent("{}", Encoding.UTF8, "text/plain");

        var problem = await (await _client.PostAsync("/api/v1/model-runs", body)).ProblemAsync(HttpStatusCode.UnsupportedMediaType);

        Assert.Contains("application/json", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_json_type_error_is_one_error()
    {
        using var body = new StringContent("""{"transactions": "not a list"}""", Encoding.UTF8, "application/json");

        var problem = await (await _client.PostAsync("/api/v1/transactions", body)).ProblemAsync(HttpStatusCode.BadRequest);

        var error = Assert.Single(problem.GetProperty("errors").EnumerateObject());
        Assert.StartsWith("$", error.Name, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_paths_and_missing_keys_answer_complete_problems()
    {
        await (await _client.GetAsync("/api/v1/nowhere")).ProblemAsync(HttpStatusCode.NotFound);
        await (await api.Client(apiKey: null).GetAsync("/api/v1/metrics/summary")).ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("application/xml")]
    [InlineData("text/csv")]
    public async Task An_accept_the_endpoint_cannot_serve_is_406(string accept)
    {
        var run = await ModelRunTests.StartAndWaitAsync(_client, new { asOf = "2024-01-31" });

        var problem = await (await Get($"/api/v1/model-runs/{run.GetProperty("id").GetGuid()}", accept)).ProblemAsync(HttpStatusCode.NotAcceptable);

        Assert.Contains("application/json", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains(accept, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    // A quality of 0 refuses a type (RFC 9110, 12.5.1), the most specific range deciding: these accept neither JSON
    // nor CSV, and got JSON (the hostile-user pass of 2026-12-06).
    [Theory]
    [InlineData("application/json;q=0, text/csv;q=0")]
    [InlineData("*/*;q=0")]
    [InlineData("*/*, application/json;q=0, text/*;q=0")]
    public async Task An_accept_that_gives_json_and_csv_quality_0_is_406(string accept)
    {
        // Routes match without case: so does the reading of Accept.
        await (await GetRaw("/API/V1/metrics/summary", accept)).ProblemAsync(HttpStatusCode.NotAcceptable);
        var problem = await (await GetRaw("/api/v1/metrics/summary", accept)).ProblemAsync(HttpStatusCode.NotAcceptable);

        Assert.StartsWith("This endpoint cannot answer in ", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains(": ask for application/json", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("*/*, application/json;q=0", "text/csv")] // anything but JSON
    [InlineData("application/json;q=0, text/csv", "text/csv")]
    [InlineData("application/*;q=0.2, text/csv;q=0.1", "application/json")]
    [InlineData("text/*;q=0, */*", "application/json")]
    public async Task The_type_served_is_the_acceptable_one_of_highest_quality(string accept, string served)
    {
        var response = await GetRaw("/api/v1/segments", accept);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(served, response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_json_only_endpoint_asked_for_anything_but_json_is_406()
    {
        var run = await ModelRunTests.StartAndWaitAsync(_client, new { asOf = "2024-01-31" });

        await (await GetRaw($"/api/v1/model-runs/{run.GetProperty("id").GetGuid()}", "*/*, application/json;q=0")).ProblemAsync(HttpStatusCode.NotAcceptable);
    }

    // Binding read the first value and dropped the rest: ?atomic=false&atomic=true ran non-atomically (the
    // hostile-user pass of 2026-12-06). Keys compare without case, as binding reads them.
    [Theory]
    [InlineData("/api/v1/segments?by=country&by=cohort", "by", 2)]
    [InlineData("/api/v1/segments?asOf=2024-01-31&asof=2024-02-29&AsOf=2024-03-31", "asOf", 3)]
    [InlineData("/api/v1/metrics/summary?asOf=2024-01-31&asOf=2024-01-31", "asOf", 2)]
    public async Task A_query_parameter_given_twice_is_400_naming_it(string path, string name, int times)
    {
        var problem = await (await _client.GetAsync(path)).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal([$"Give {name} once, not {times} times."], problem.GetProperty("errors").GetProperty(name).EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task An_atomic_batch_whose_atomic_is_given_twice_stores_nothing()
    {
        var response = await _client.PostAsJsonAsync("/api/v1/transactions?atomic=false&atomic=true", new
        {
            transactions = new object[]
            {
                new { externalId = "twice-1", customerExternalId = "twice", occurredAt = "2024-01-10T12:00:00Z", type = "purchase", amount = 10m, currency = "USD" },
                new { externalId = "twice-2", customerExternalId = "twice", occurredAt = "2024-01-10T12:00:00Z", type = "purchase", amount = -1m, currency = "USD" },
            },
        });

        Assert.True((await response.ProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("atomic", out _));
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/v1/customers/twice")).StatusCode);
    }

    // A gzip body failed as JSON whose first byte is 0x1F, and a body labelled br was read as plain text (the
    // hostile-user pass of 2026-12-06).
    [Theory]
    [InlineData("/api/v1/transactions", "application/json", "gzip")]
    [InlineData("/api/v1/transactions/import", "text/csv", "br")]
    public async Task A_body_with_a_content_encoding_is_415(string path, string mediaType, string encoding)
    {
        using var body = new StringContent(
            mediaType == "text/csv" ? "external_id,customer_external_id,occurred_at,type,amount,currency\nenc-1,enc,2024-01-10T12:00:00Z,purchase,10,USD\n"
                : """{"transactions":[{"externalId":"enc-1","customerExternalId":"enc","occurredAt":"2024-01-10T12:00:00Z","type":"purchase","amount":10,"currency":"USD"}]}""",
            Encoding.UTF8,
            mediaType);
        body.Headers.ContentEncoding.Add(encoding);

        var problem = await (await _client.PostAsync(path, body)).ProblemAsync(HttpStatusCode.UnsupportedMediaType);

        Assert.Equal($"Send the body uncompressed, without Content-Encoding ({encoding}).", problem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/v1/customers/enc")).StatusCode);
    }

    // A Latin-1 CSV failed on its first accented letter as "not valid UTF-8", and Latin-1 JSON got "Send the body as
    // application/json", the type it was sent as.
    [Theory]
    [InlineData("/api/v1/transactions", "application/json", "iso-8859-1")]
    [InlineData("/api/v1/transactions", "application/json", "utf-16")]
    [InlineData("/api/v1/transactions/import", "text/csv", "windows-1252")]
    public async Task A_body_declared_in_a_charset_other_than_utf8_is_415(string path, string mediaType, string charset)
    {
        var text = mediaType == "text/csv" ? "external_id,customer_external_id,occurred_at,type,amount,currency\ncs-1,cs,2024-01-10T12:00:00Z,purchase,10,USD\n"
            : """{"transactions":[{"externalId":"cs-1","customerExternalId":"cs","occurredAt":"2024-01-10T12:00:00Z","type":"purchase","amount":10,"currency":"USD"}]}""";
        using var body = new ByteArrayContent((charset == "utf-16" ? Encoding.Unicode : Encoding.Latin1).GetBytes(text));
        body.Headers.TryAddWithoutValidation("Content-Type", $"{mediaType}; charset={charset}");

        var problem = await (await _client.PostAsync(path, body)).ProblemAsync(HttpStatusCode.UnsupportedMediaType);

        Assert.Equal($"Send the body in UTF-8, with charset=utf-8 or no charset ({charset} is not read).", problem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/v1/customers/cs")).StatusCode);
    }

    [Theory]
    [InlineData("utf-8")]
    [InlineData("UTF-8")]
    [InlineData("\"utf-8\"")]
    [InlineData("us-ascii")]
    public async Task A_body_declared_utf8_or_ascii_is_read(string charset)
    {
        using var body = new StringContent(
            "external_id,customer_external_id,occurred_at,type,amount,currency\nok-1,ok-charset,2024-01-10T12:00:00Z,purchase,10,USD\n", Encoding.UTF8);
        body.Headers.Remove("Content-Type");
        body.Headers.TryAddWithoutValidation("Content-Type", $"text/csv; charset={charset}");

        var response = await _client.PostAsync("/api/v1/transactions/import", body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    // RFC 9110 (9.3.2): a server that answers GET answers HEAD. Every GET was 405 to HEAD.
    [Theory]
    [InlineData("/api/v1/metrics/summary", "application/json")]
    [InlineData("/api/v1/customers?pageSize=1", "application/json")]
    [InlineData("/api/v1/segments?by=acquisitionChannel", "text/csv")]
    public async Task Head_answers_what_get_answers_without_the_content(string path, string accept)
    {
        var get = await Get(path, accept);
        using var request = new HttpRequestMessage(HttpMethod.Head, path);
        request.Headers.Accept.Clear();
        request.Headers.Accept.ParseAdd(accept);

        var head = await _client.SendAsync(request);

        Assert.Equal((HttpStatusCode.OK, accept), (get.StatusCode, get.Content.Headers.ContentType?.MediaType));
        Assert.Equal((HttpStatusCode.OK, accept), (head.StatusCode, head.Content.Headers.ContentType?.MediaType));
    }

    [Fact]
    public async Task Head_where_there_is_no_get_is_405_as_get_is()
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, "/api/v1/transactions/import");

        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["POST"], response.Content.Headers.Allow);
        using var get = new HttpRequestMessage(HttpMethod.Get, "/api/v1/transactions/import");
        var problem = await (await _client.SendAsync(get)).ProblemAsync(HttpStatusCode.MethodNotAllowed);
        Assert.Equal("GET is not allowed on /api/v1/transactions/import.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_bad_parameter_asked_for_as_csv_is_still_a_400_problem()
    {
        await (await Get("/api/v1/segments?by=favouriteColour", "text/csv")).ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("/api/v1/model-runs", "id,status,")]
    [InlineData("/api/v1/api-keys", "id,name,scopes,")]
    public async Task Model_runs_and_api_keys_answer_csv(string path, string header)
    {
        // Something to list: a run (failed for want of data) or a key.
        _ = path.Contains("model-runs", StringComparison.Ordinal)
            ? await ModelRunTests.StartAndWaitAsync(_client, new { asOf = "2024-01-31" })
            : await (await _client.PostAsJsonAsync(path, new { name = "csv reader", scopes = new[] { "read" } })).JsonAsync(HttpStatusCode.Created);

        var response = await Get(path, "text/csv");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.StartsWith(header, lines[0], StringComparison.Ordinal);
        Assert.True(lines.Length >= 2, string.Join('\n', lines));
    }

    private Task<HttpResponseMessage> GetRaw(string path, string accept)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        Assert.True(request.Headers.TryAddWithoutValidation("Accept", accept));
        return _client.SendAsync(request);
    }

    private Task<HttpResponseMessage> Get(string path, string accept)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        return _client.SendAsync(request);
    }
}
