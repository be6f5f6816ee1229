using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Clv.Api.Tests.Infrastructure;

namespace Clv.Api.Tests.Idempotency;

/// <summary>The Idempotency-Key header on every POST: replay, mismatch, in flight, scope, failures, expiry.</summary>
public sealed class IdempotencyTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private const string Csv = "external_id,customer_external_id,occurred_at,type,amount,currency\n";

    // Everything a replay could write: counts, and the last update of the upserted tables.
    private const string Snapshot = """
        SELECT concat_ws('|', (SELECT count(*) FROM customers), (SELECT max(updated_at) FROM customers),
            (SELECT count(*) FROM transactions), (SELECT max(ingested_at) FROM transactions),
            (SELECT count(*) FROM acquisition_spend), (SELECT max(updated_at) FROM acquisition_spend),
            (SELECT count(*) FROM fx_rates), (SELECT max(updated_at) FROM fx_rates),
            (SELECT count(*) FROM model_runs), (SELECT count(*) FROM api_keys))
        """;

    public static TheoryData<string> Endpoints => ["customers", "transactions", "import", "acquisition-spend", "fx-rates", "model-runs", "api-keys"];

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task A_retry_with_the_same_key_replays_the_answer_byte_for_byte_and_writes_nothing(string endpoint)
    {
        var key = NewKey();
        var first = await SendAsync(api.Client(), key, Request(endpoint, "replay-" + endpoint));
        var firstBody = await first.Content.ReadAsByteArrayAsync();
        Assert.True(first.IsSuccessStatusCode, Encoding.UTF8.GetString(firstBody));
        var stored = await api.ScalarAsync<string>(Snapshot);

        var second = await SendAsync(api.Client(), key, Request(endpoint, "replay-" + endpoint));

        Assert.Equal(first.StatusCode, second.StatusCode);
        Assert.Equal(first.Content.Headers.ContentType, second.Content.Headers.ContentType);
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.Equal(firstBody, await second.Content.ReadAsByteArrayAsync());
        Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(stored, await api.ScalarAsync<string>(Snapshot));
    }

    [Fact]
    public async Task A_replay_survives_a_restart_of_the_service()
    {
        var key = NewKey();
        var first = await SendAsync(api.Client(), key, Request("import", "restart"));
        var firstBody = await first.Content.ReadAsByteArrayAsync();
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        await using var restarted = new ClvApiFactory().OnDatabaseOf(api);
        await restarted.InitializeAsync();
        var second = await SendAsync(restarted.Client(), key, Request("import", "restart"));

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(firstBody, await second.Content.ReadAsByteArrayAsync());
        Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());
    }

    [Theory]
    [InlineData("/api/v1/transactions", "other-body")]
    [InlineData("/api/v1/transactions?atomic=true", "same")]
    [InlineData("/api/v1/customers", "same")]
    public async Task The_same_key_with_another_request_is_422_problem_and_writes_nothing(string path, string idSuffix)
    {
        var key = NewKey();
        var prefix = "mismatch-" + Guid.NewGuid().ToString("N")[..8];
        (await SendAsync(api.Client(), key, Request("transactions", prefix + "-same"))).EnsureSuccessStatusCode();
        var stored = await api.ScalarAsync<string>(Snapshot);

        var other = path.EndsWith("customers", StringComparison.Ordinal)
            ? Request("customers", prefix + "-" + idSuffix)
            : Request("transactions", prefix + "-" + idSuffix) with { Path = path };
        var response = await SendAsync(api.Client(), key, other);

        await response.ProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Equal(stored, await api.ScalarAsync<string>(Snapshot));
    }

    [Fact]
    public async Task The_same_key_while_the_first_request_runs_is_409_problem_then_the_answer_is_replayed()
    {
        var key = NewKey();
        var head = Csv + "inflight-1,inflight-c,2024-01-01T10:00:00Z,purchase,5,USD\n";
        var tail = "inflight-2,inflight-c,2024-01-02T10:00:00Z,purchase,7,USD\n";
        var gate = new TaskCompletionSource();
        var slow = new HttpRequestMessage(HttpMethod.Post, "/api/v1/transactions/import") { Content = new GatedContent(head, tail, gate.Task) };
        slow.Headers.Add("Idempotency-Key", key);
        slow.Headers.Add("X-Api-Key", ClvApiFactory.AdminKey);
        var running = api.Server.CreateClient().SendAsync(slow); // without the redirect handler, which buffers bodies
        await WaitForAsync($"SELECT count(*) FROM idempotency_keys WHERE key = '{key}' AND status IS NULL");

        var concurrent = await SendAsync(api.Client(), key, new Req("/api/v1/transactions/import", head + tail, "text/csv"));
        await concurrent.ProblemAsync(HttpStatusCode.Conflict);
        Assert.True(concurrent.Headers.RetryAfter is not null);

        gate.SetResult();
        var first = await running;
        var firstBody = await first.Content.ReadAsByteArrayAsync();
        Assert.Equal(2, JsonDocument.Parse(firstBody).RootElement.GetProperty("inserted").GetInt32());
        var replay = await SendAsync(api.Client(), key, new Req("/api/v1/transactions/import", head + tail, "text/csv"));
        Assert.Equal(firstBody, await replay.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_key_held_by_a_request_that_died_is_free_once_its_lease_runs_out()
    {
        var owner = await ApiKeyIdAsync(api.Client());
        var (held, dead) = (NewKey(), NewKey());
        await api.ScalarAsync<int>($"""
            INSERT INTO idempotency_keys (api_key_id, key, lease_token, locked_until, created_at, expires_at) VALUES
                ('{owner}', '{held}', gen_random_uuid(), now() + interval '1 minute', now(), now() + interval '1 day'),
                ('{owner}', '{dead}', gen_random_uuid(), now() - interval '1 second', now(), now() + interval '1 day')
            RETURNING 1
            """);

        var whileHeld = await SendAsync(api.Client(), held, Request("transactions", "lease-held"));
        var afterLease = await SendAsync(api.Client(), dead, Request("transactions", "lease-dead"));

        await whileHeld.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(1, (await afterLease.JsonAsync()).Long("inserted"));
    }

    [Fact]
    public async Task Keys_belong_to_the_api_key_that_sent_them()
    {
        var key = NewKey();
        var (one, two) = (await IngestKeyAsync(), await IngestKeyAsync());
        (await SendAsync(api.Client(one), key, Request("transactions", "scope-one"))).EnsureSuccessStatusCode();

        var other = await SendAsync(api.Client(two), key, Request("transactions", "scope-two"));

        Assert.Equal(1, (await other.JsonAsync()).Long("inserted"));
        Assert.False(other.Headers.Contains("Idempotent-Replayed"));
    }

    [Theory]
    [InlineData("""{"transactions":[{"externalId":"rejected-1","customerExternalId":"c","occurredAt":"2024-01-01T00:00:00Z","type":"purchase","amount":-1,"currency":"USD"}]}""", HttpStatusCode.UnprocessableEntity)]
    [InlineData("""{"transactions":[{"externalId":"rejected-1","amount":"ten"}]}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"transactions":""", HttpStatusCode.BadRequest)]
    public async Task A_rejected_request_keeps_no_key_and_the_retry_with_the_same_key_runs(string rejected, HttpStatusCode status)
    {
        var key = NewKey();
        var failed = await SendAsync(api.Client(), key, new Req("/api/v1/transactions?atomic=true", rejected, "application/json"));
        await failed.ProblemAsync(status);

        var fixedBody = Request("transactions", "retried-" + Guid.NewGuid().ToString("N")[..8]) with { Path = "/api/v1/transactions?atomic=true" };
        var retry = await SendAsync(api.Client(), key, fixedBody);

        Assert.Equal(1, (await retry.JsonAsync()).Long("inserted"));
        Assert.False(retry.Headers.Contains("Idempotent-Replayed"));
    }

    [Fact]
    public async Task A_request_refused_by_authorization_claims_no_key()
    {
        var read = (await (await api.Client().PostAsJsonAsync("/api/v1/api-keys", new { name = "reader", scopes = new[] { "read" } })).JsonAsync(HttpStatusCode.Created)).GetProperty("key").GetString();
        var key = NewKey();

        var refused = await SendAsync(api.Client(read), key, Request("transactions", "refused"));

        await refused.ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(0, await api.ScalarAsync<long>($"SELECT count(*) FROM idempotency_keys WHERE key = '{key}'"));
    }

    [Fact]
    public async Task A_request_refused_by_authentication_keeps_no_key_and_the_retry_with_a_valid_api_key_runs()
    {
        var key = NewKey();
        var id = "unauthenticated-" + Guid.NewGuid().ToString("N")[..8];

        var refused = await SendAsync(api.Client("clv_not-a-key-this-service-issued"), key, Request("transactions", id));
        await refused.ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(0, await api.ScalarAsync<long>($"SELECT count(*) FROM idempotency_keys WHERE key = '{key}'"));

        var retry = await SendAsync(api.Client(), key, Request("transactions", id));

        Assert.Equal(1, (await retry.JsonAsync()).Long("inserted"));
        Assert.False(retry.Headers.Contains("Idempotent-Replayed"));
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("tab\there")]
    [InlineData(" padded")]
    [InlineData("é")]
    public async Task An_invalid_key_is_400_problem_and_runs_nothing(string key)
    {
        var stored = await api.ScalarAsync<string>(Snapshot);
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/transactions") { Content = JsonContent.Create(new { transactions = new[] { HttpAssertions.Tx("badkey-" + Guid.NewGuid().ToString("N"), "c") } }) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);

        await (await api.Client().SendAsync(request)).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(stored, await api.ScalarAsync<string>(Snapshot));
    }

    [Fact]
    public async Task A_key_of_256_characters_is_400_and_one_of_255_is_accepted()
    {
        await (await SendAsync(api.Client(), new string('k', 256), Request("transactions", "len-256"))).ProblemAsync(HttpStatusCode.BadRequest);

        (await SendAsync(api.Client(), new string('k', 255), Request("transactions", "len-255"))).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task A_quoted_key_as_in_the_ietf_draft_is_the_same_key_unquoted()
    {
        var key = NewKey();
        (await SendAsync(api.Client(), $"\"{key}\"", Request("transactions", "quoted"))).EnsureSuccessStatusCode();

        var replay = await SendAsync(api.Client(), key, Request("transactions", "quoted"));

        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
    }

    [Fact]
    public async Task Answers_are_kept_for_twenty_four_hours_by_default()
    {
        var key = NewKey();
        (await SendAsync(api.Client(), key, Request("transactions", "retention"))).EnsureSuccessStatusCode();

        var hours = await api.ScalarAsync<double>($"SELECT extract(epoch FROM expires_at - now()) / 3600 FROM idempotency_keys WHERE key = '{key}'");

        Assert.InRange(hours, 23.9, 24.0);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("23")]
    public async Task A_retention_under_twenty_four_hours_is_refused_at_start(string hours)
    {
        await using var misconfigured = new ClvApiFactory().OnDatabaseOf(api).With("Clv:Idempotency:RetentionHours", hours);
        await misconfigured.InitializeAsync();

        var refused = Assert.ThrowsAny<Exception>(() => misconfigured.Server);

        Assert.Contains("RetentionHours", refused.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expired_answer_is_not_replayed_and_the_key_may_be_used_again()
    {
        var key = NewKey();
        (await SendAsync(api.Client(), key, Request("transactions", "expired-first"))).EnsureSuccessStatusCode();
        await api.ScalarAsync<int>($"UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = '{key}' RETURNING 1");

        var reused = await SendAsync(api.Client(), key, Request("transactions", "expired-second"));

        Assert.Equal(1, (await reused.JsonAsync()).Long("inserted"));
        Assert.False(reused.Headers.Contains("Idempotent-Replayed"));
    }

    [Fact]
    public async Task Expired_keys_are_purged_when_the_service_starts()
    {
        var key = NewKey();
        (await SendAsync(api.Client(), key, Request("transactions", "purged"))).EnsureSuccessStatusCode();
        await api.ScalarAsync<int>($"UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = '{key}' RETURNING 1");

        await using var restarted = new ClvApiFactory().OnDatabaseOf(api);
        await restarted.InitializeAsync();
        _ = restarted.Server; // starts the host and its purger

        await WaitForAsync($"SELECT 1 - count(*) FROM idempotency_keys WHERE key = '{key}'");
    }

    [Fact]
    public async Task The_stored_answer_does_not_reveal_a_new_api_keys_secret()
    {
        var key = NewKey();
        var created = await (await SendAsync(api.Client(), key, Request("api-keys", "secret"))).JsonAsync(HttpStatusCode.Created);
        var secret = created.GetProperty("key").GetString()!;

        var found = await api.ScalarAsync<long>($"SELECT count(*) FROM idempotency_keys WHERE position(convert_to('{secret}', 'UTF8') IN body) > 0");

        Assert.Equal(0, found);
        Assert.Equal(1, await api.ScalarAsync<long>($"SELECT count(*) FROM idempotency_keys WHERE key = '{key}' AND body IS NOT NULL"));
    }

    [Fact]
    public async Task Every_post_operation_documents_the_optional_header_and_its_409()
    {
        var document = await (await api.Client().GetAsync("/swagger/v1/swagger.json")).JsonAsync();
        var posts = document.GetProperty("paths").EnumerateObject()
            .Where(p => p.Value.TryGetProperty("post", out _))
            .Select(p => (Path: p.Name, Post: p.Value.GetProperty("post")))
            .ToList();

        Assert.Equal(11, posts.Count);
        Assert.All(posts, p =>
        {
            var header = p.Post.GetProperty("parameters").EnumerateArray().Single(h => h.GetProperty("name").GetString() == "Idempotency-Key");
            Assert.Equal("header", header.GetProperty("in").GetString());
            Assert.False(header.TryGetProperty("required", out var required) && required.GetBoolean());
            Assert.True(p.Post.GetProperty("responses").TryGetProperty("409", out _), p.Path);
        });
    }

    internal sealed record Req(string Path, string Body, string ContentType);

    internal static string NewKey() => Guid.NewGuid().ToString();

    /// <summary>A valid request to each POST endpoint, its ids made from <paramref name="id"/>.</summary>
    private static Req Request(string endpoint, string id) => endpoint switch
    {
        "customers" => Json("/api/v1/customers", new { customers = new[] { new { externalId = id, acquisitionChannel = "search" } } }),
        "transactions" => Json("/api/v1/transactions", new { transactions = new[] { HttpAssertions.Tx(id, id + "-c", amount: 12.5m) } }),
        "import" => new Req("/api/v1/transactions/import", Csv + $"{id}-1,{id}-c,2024-01-01T10:00:00Z,purchase,3.25,USD\n{id}-2,{id}-c,2024-01-05T10:00:00Z,refund,1,USD\n", "text/csv"),
        "acquisition-spend" => Json("/api/v1/acquisition-spend", new { spend = new[] { new { channel = id, periodStart = "2024-01-01", periodEnd = "2024-01-31", amount = 100m, currency = "USD" } } }),
        "fx-rates" => Json("/api/v1/fx-rates", new { rates = new[] { new { date = "2024-01-01", currency = "EUR", rateToReporting = 1.1m } } }),
        "model-runs" => Json("/api/v1/model-runs", new { models = new[] { "bgnbd", "gammagamma" } }),
        "api-keys" => Json("/api/v1/api-keys", new { name = id, scopes = new[] { "read" } }),
        _ => throw new ArgumentOutOfRangeException(nameof(endpoint)),
    };

    private static Req Json(string path, object body) => new(path, JsonSerializer.Serialize(body), "application/json");

    internal static Task<HttpResponseMessage> SendAsync(HttpClient client, string? key, Req request)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, request.Path) { Content = new StringContent(request.Body, new UTF8Encoding(false), request.ContentType) };
        if (key is not null)
        {
            message.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        }

        return client.SendAsync(message);
    }

    private async Task<string> IngestKeyAsync() =>
        (await (await api.Client().PostAsJsonAsync("/api/v1/api-keys", new { name = "ingest", scopes = new[] { "ingest" } })).JsonAsync(HttpStatusCode.Created)).GetProperty("key").GetString()!;

    // The id the service scopes the bootstrap admin key's idempotency keys to, read from a key it stored.
    private async Task<string> ApiKeyIdAsync(HttpClient client)
    {
        var key = NewKey();
        (await SendAsync(client, key, Request("transactions", "owner-" + key))).EnsureSuccessStatusCode();
        return await api.ScalarAsync<string>($"SELECT api_key_id::text FROM idempotency_keys WHERE key = '{key}'");
    }

    private async Task WaitForAsync(string countSql)
    {
        for (var i = 0; i < 200; i++)
        {
            if (await api.ScalarAsync<long>(countSql) == 1)
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail("Timed out waiting for: " + countSql);
    }
}

/// <summary>A streamed body that sends its head, then waits for the gate before sending the rest.</summary>
internal sealed class GatedContent : HttpContent
{
    private readonly string _head;
    private readonly string _tail;
    private readonly Task _gate;

    public GatedContent(string head, string tail, Task gate)
    {
        (_head, _tail, _gate) = (head, tail, gate);
        Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv");
    }

    protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
    {
        await stream.WriteAsync(Encoding.UTF8.GetBytes(_head));
        await stream.FlushAsync();
        await _gate;
        await stream.WriteAsync(Encoding.UTF8.GetBytes(_tail));
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}

/// <summary>A request that runs longer than the lease keeps its key: it renews the lease while it runs.</summary>
public sealed class IdempotencyLeaseTests(IdempotencyLeaseTests.Api api) : IClassFixture<IdempotencyLeaseTests.Api>
{
    public sealed class Api() : ConfiguredApi(api => api.With("Clv:Idempotency:LeaseSeconds", "3"));

    [Fact]
    public async Task A_request_running_longer_than_its_lease_still_holds_its_key()
    {
        var key = IdempotencyTests.NewKey();
        const string Head = "external_id,customer_external_id,occurred_at,type,amount,currency\nlong-1,long-c,2024-01-01T10:00:00Z,purchase,5,USD\n";
        var gate = new TaskCompletionSource();
        var slow = new HttpRequestMessage(HttpMethod.Post, "/api/v1/transactions/import") { Content = new GatedContent(Head, "", gate.Task) };
        slow.Headers.Add("Idempotency-Key", key);
        slow.Headers.Add("X-Api-Key", ClvApiFactory.AdminKey);
        var running = api.Factory.Server.CreateClient().SendAsync(slow);

        await Task.Delay(TimeSpan.FromSeconds(5)); // beyond the 3-second lease
        var concurrent = await IdempotencyTests.SendAsync(api.Factory.Client(), key, new IdempotencyTests.Req("/api/v1/transactions/import", Head, "text/csv"));

        await concurrent.ProblemAsync(HttpStatusCode.Conflict);
        gate.SetResult();
        Assert.Equal(1, (await (await running).JsonAsync()).Long("inserted"));
    }
}
