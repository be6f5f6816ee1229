using System.Net;
using System.Threading.RateLimiting;

namespace Clv.Api.Authentication;

/// <summary>
/// A token bucket per client address for key lookups in the database: a key that is neither the
/// bootstrap key nor a valid key remembered by <see cref="ApiKeyStore"/> takes a token before it
/// is looked up, and is refused without a lookup when its address has none left. Valid keys are
/// looked up once per <see cref="AuthOptions.CacheSeconds"/>, so the tokens go to made-up,
/// revoked and mistyped keys: failed authentications.
/// </summary>
public sealed class KeyLookupLimiter(int burstLimit, int lookupsPerSecond) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(address =>
        RateLimitPartition.GetTokenBucketLimiter(address, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = burstLimit,
            TokensPerPeriod = lookupsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    /// <summary>A token for one lookup from this address; not acquired when it is over its rate.</summary>
    public RateLimitLease AttemptAcquire(IPAddress? address) => _limiter.AttemptAcquire(address?.ToString() ?? "");

    /// <inheritdoc />
    public void Dispose() => _limiter.Dispose();
}
