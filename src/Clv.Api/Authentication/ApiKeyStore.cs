using System.Security.Cryptography;
using Clv.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Clv.Api.Authentication;

/// <summary>Resolves a presented key to its scopes, with a short cache so reads stay fast.</summary>
public sealed class ApiKeyStore(IServiceScopeFactory scopes, IMemoryCache cache, IOptions<AuthOptions> options, TimeProvider time)
{
    private static readonly ApiKeyIdentity Unknown = new(Guid.Empty, []);
    private readonly byte[]? _bootstrapHash = string.IsNullOrEmpty(options.Value.BootstrapAdminKey)
        ? null
        : ApiKeyHasher.Hash(options.Value.BootstrapAdminKey);

    /// <summary>The id and scopes of a valid, unrevoked key; no scopes for an unknown or revoked one.</summary>
    /// <remarks>The bootstrap key's id is made from its hash, so a new bootstrap key is another key.</remarks>
    public async Task<ApiKeyIdentity> FindAsync(string key, CancellationToken cancellationToken)
    {
        var hash = ApiKeyHasher.Hash(key);
        if (_bootstrapHash is not null && CryptographicOperations.FixedTimeEquals(hash, _bootstrapHash))
        {
            return new ApiKeyIdentity(new Guid(hash.AsSpan(0, 16)), [Scopes.Admin]);
        }

        var cacheKey = CacheKey(hash);
        if (cache.TryGetValue(cacheKey, out ApiKeyIdentity? cached) && cached is not null)
        {
            return cached;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ClvDbContext>();
        var found = await db.ApiKeys.AsNoTracking()
            .Where(k => k.KeyHash == hash && k.RevokedAt == null)
            .Select(k => new ApiKeyIdentity(k.Id, k.Scopes))
            .FirstOrDefaultAsync(cancellationToken);
        var result = found ?? Unknown;
        cache.Set(cacheKey, result, time.GetUtcNow().AddSeconds(options.Value.CacheSeconds));
        return result;
    }

    /// <summary>Forgets a key at once, so its revocation takes effect on this instance immediately.</summary>
    public void Evict(byte[] hash) => cache.Remove(CacheKey(hash));

    private static string CacheKey(byte[] hash) => "apikey:" + Convert.ToHexString(hash);
}

/// <summary>Who a presented key is: its id (which scopes its idempotency keys) and its scopes.</summary>
public sealed record ApiKeyIdentity(Guid Id, string[] Scopes);
