using System.Net;
using System.Net.Http.Json;
using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Security;

public sealed class AuthorizationTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private async Task<(string Id, string Key)> CreateKeyAsync(params string[] scopes)
    {
        var body = await (await api.Client().PostAsJsonAsync("/api/v1/api-keys", new { name = "test " + string.Join('+', scopes), scopes })).JsonAsync(HttpStatusCode.Created);
        return (body.GetProperty("id").GetString()!, body.GetProperty("key").GetString()!);
    }

    [Fact]
    public async Task No_key_is_401_problem()
    {
        await (await api.Client(apiKey: null).GetAsync("/api/v1/metrics/summary")).ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Invalid_key_is_401_problem()
    {
        await (await api.Client("clv_not-a-key").GetAsync("/api/v1/metrics/summary")).ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_key_sent_twice_is_401_saying_to_send_one()
    {
        // The two values were read as one key, "k, k", and refused as "invalid or revoked" (the hostile-user pass of 2026-12-06).
        var client = api.Client(apiKey: null);
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/metrics/summary");
        request.Headers.Add("X-Api-Key", [ClvApiFactory.AdminKey, ClvApiFactory.AdminKey]);

        var problem = await (await client.SendAsync(request)).ProblemAsync(HttpStatusCode.Unauthorized);

        Assert.Equal("Send one API key in the X-Api-Key header, not 2.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Read_key_reads_but_cannot_ingest_or_manage_keys()
    {
        var (_, key) = await CreateKeyAsync("read");
        var client = api.Client(key);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/metrics/summary")).StatusCode);
        await (await client.PostTransactionsAsync(Tx("ro-1", "ro"))).ProblemAsync(HttpStatusCode.Forbidden);
        await (await client.GetAsync("/api/v1/api-keys")).ProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Ingest_key_writes_but_cannot_read()
    {
        var (_, key) = await CreateKeyAsync("ingest");
        var client = api.Client(key);

        Assert.Equal(HttpStatusCode.OK, (await client.PostTransactionsAsync(Tx("in-1", "in"))).StatusCode);
        await (await client.GetAsync("/api/v1/customers/in")).ProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Revoked_key_is_401()
    {
        var (id, key) = await CreateKeyAsync("read");
        Assert.Equal(HttpStatusCode.OK, (await api.Client(key).GetAsync("/api/v1/metrics/summary")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await api.Client().DeleteAsync($"/api/v1/api-keys/{id}")).StatusCode);

        await (await api.Client(key).GetAsync("/api/v1/metrics/summary")).ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Keys_are_stored_only_as_sha256_hashes()
    {
        var (_, key) = await CreateKeyAsync("admin");

        var dump = await api.ScalarAsync<string>("SELECT string_agg(t::text, '|') FROM api_keys t");
        var expectedHash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key))).ToLowerInvariant();

        Assert.DoesNotContain(key, dump, StringComparison.Ordinal);
        Assert.Contains(expectedHash, dump, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Key_with_unknown_scope_is_400_and_unknown_key_id_is_404()
    {
        await (await api.Client().PostAsJsonAsync("/api/v1/api-keys", new { name = "x", scopes = new[] { "root" } })).ProblemAsync(HttpStatusCode.BadRequest);
        await (await api.Client().DeleteAsync($"/api/v1/api-keys/{Guid.NewGuid()}")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Listed_keys_show_no_secret()
    {
        await CreateKeyAsync("read");

        var list = await (await api.Client().GetAsync("/api/v1/api-keys")).JsonAsync();

        Assert.All(list.EnumerateArray(), k => Assert.False(k.TryGetProperty("key", out _)));
    }
}
