using System.Collections.Concurrent;
using System.Security.Cryptography;
using Clv.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Clv.Api.Authentication;

/// <summary>Resolves a presented key to its scopes, remembering valid keys briefly so reads stay fast.</summary>
/// <remarks>
/// Only valid keys are remembered, in a cache of bounded size, so made-up keys cost no memory. A
/// key is remembered for <see cref="AuthOptions.CacheSeconds"/> from the moment its lookup
/// <em>started</em>, and a revocation answers only after that long: a lookup that read the key
/// before the revocation committed, on any instance, has expired by then, even one that was still
/// in flight when the revocation evicted the key.
/// </remarks>
public sealed class ApiKeyStore : IDisposable
{
    private static readonly ApiKeyIdentity Unknown = new(Guid.Empty, []);
    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _time;
    private readonly TimeSpan _remembered;
    private readonly MemoryCache _cache;
    private readonly byte[]? _bootstrapHash;
    private readonly ConcurrentDictionary<string, Lookup> _inFlight = new(StringComparer.Ordinal);

    /// <summary>A store with a key cache of its own, bounded by <see cref="AuthOptions.CacheSize"/>.</summary>
    public ApiKeyStore(IServiceScopeFactory scopes, IOptions<AuthOptions> options, TimeProvider time)
    {
        _scopes = scopes;
        _time = time;
        _remembered = TimeSpan.FromSeconds(options.Value.CacheSeconds);
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = options.Value.CacheSize });
        _bootstrapHash = string.IsNullOrEmpty(options.Value.BootstrapAdminKey) ? null : ApiKeyHasher.Hash(options.Value.BootstrapAdminKey);
    }

    /// <summary>How many valid keys are remembered now.</summary>
    public int CachedKeys => _cache.Count;

    /// <summary>The bootstrap key or a remembered valid key, without a database query; false when it takes a lookup.</summary>
    /// <remarks>The bootstrap key's id is made from its hash, so a new bootstrap key is another key.</remarks>
    public bool TryFindWithoutLookup(string key, out ApiKeyIdentity identity)
    {
        var hash = ApiKeyHasher.Hash(key);
        if (_bootstrapHash is not null && CryptographicOperations.FixedTimeEquals(hash, _bootstrapHash))
        {
            identity = new ApiKeyIdentity(new Guid(hash.AsSpan(0, 16)), [Scopes.Admin]);
            return true;
        }

        return TryRemembered(CacheKey(hash), out identity);
    }

    // A key a lookup found within the remembered time.
    private bool TryRemembered(string cacheKey, out ApiKeyIdentity identity)
    {
        if (_cache.TryGetValue(cacheKey, out Remembered? remembered) && remembered is not null
            && _time.GetElapsedTime(remembered.LookupStarted) < _remembered)
        {
            identity = remembered.Identity;
            return true;
        }

        identity = Unknown;
        return false;
    }

    /// <summary>
    /// Looks a key up in the database: its id and scopes if valid and unrevoked, no scopes
    /// otherwise; null when <paramref name="mayQuery"/> refused the query.
    /// </summary>
    /// <remarks>
    /// Requests that miss the cache for the same key at once share one query, so a busy key's
    /// expiry costs one lookup, not one per request in flight; <paramref name="mayQuery"/> is asked
    /// only when a query is to start. A request joins a lookup only if it started within
    /// <see cref="AuthOptions.CacheSeconds"/>, as a remembered key would be.
    /// </remarks>
    public async Task<ApiKeyIdentity?> LookUpAsync(string key, Func<bool> mayQuery, CancellationToken cancellationToken)
    {
        var hash = ApiKeyHasher.Hash(key);
        var cacheKey = CacheKey(hash);
        while (true)
        {
            var current = _inFlight.TryGetValue(cacheKey, out var running) ? running : null;
            if (current is not null && _time.GetElapsedTime(current.Started) < _remembered)
            {
                if (await current.Identity.Task.WaitAsync(cancellationToken) is { } shared)
                {
                    return shared;
                }

                continue; // its request was over its address's rate: look up on this request's own account
            }

            // A lookup that ended after this request missed the cache has remembered the key: a
            // request must not start another (and meet its address's lookup rate) for it.
            if (current is null && TryRemembered(cacheKey, out var remembered))
            {
                return remembered;
            }

            var mine = new Lookup(new TaskCompletionSource<ApiKeyIdentity?>(TaskCreationOptions.RunContinuationsAsynchronously), _time.GetTimestamp());
            if (!(current is null ? _inFlight.TryAdd(cacheKey, mine) : _inFlight.TryUpdate(cacheKey, mine, current)))
            {
                continue;
            }

            if (!mayQuery())
            {
                _inFlight.TryRemove(new KeyValuePair<string, Lookup>(cacheKey, mine));
                mine.Identity.SetResult(null);
                return null;
            }

            _ = QueryAsync(hash, cacheKey, mine.Started).ContinueWith(
                query =>
                {
                    _inFlight.TryRemove(new KeyValuePair<string, Lookup>(cacheKey, mine));
                    if (query.IsCompletedSuccessfully)
                    {
                        mine.Identity.SetResult(query.Result);
                    }
                    else
                    {
                        mine.Identity.SetException(query.Exception!.InnerExceptions);
                    }
                },
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return await mine.Identity.Task.WaitAsync(cancellationToken);
        }
    }

    // Shared by the requests that join it, so it runs to the end whoever leaves: the command timeout bounds it.
    private async Task<ApiKeyIdentity> QueryAsync(byte[] hash, string cacheKey, long started)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ClvDbContext>();
        var found = await db.ApiKeys.AsNoTracking()
            .Where(k => k.KeyHash == hash && k.RevokedAt == null)
            .Select(k => new ApiKeyIdentity(k.Id, k.Scopes))
            .FirstOrDefaultAsync(CancellationToken.None);
        if (found is null)
        {
            return Unknown;
        }

        var left = _remembered - _time.GetElapsedTime(started);
        if (left > TimeSpan.Zero)
        {
            _cache.Set(cacheKey, new Remembered(found, started), new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = left });
        }

        return found;
    }

    /// <summary>
    /// Forgets a revoked key here at once, then waits until every lookup of it that started before
    /// the revocation, on any instance, has expired.
    /// </summary>
    public async Task ForgetAsync(byte[] hash)
    {
        _cache.Remove(CacheKey(hash));
        if (_remembered > TimeSpan.Zero)
        {
            // The margin covers timers that fire a little early.
            await Task.Delay(_remembered + TimeSpan.FromMilliseconds(50), _time);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _cache.Dispose();

    private static string CacheKey(byte[] hash) => Convert.ToHexString(hash);

    private sealed record Remembered(ApiKeyIdentity Identity, long LookupStarted);

    private sealed record Lookup(TaskCompletionSource<ApiKeyIdentity?> Identity, long Started);
}

/// <summary>Who a presented key is: its id (which scopes its idempotency keys) and its scopes.</summary>
public sealed record ApiKeyIdentity(Guid Id, string[] Scopes);
