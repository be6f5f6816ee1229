using Microsoft.EntityFrameworkCore;

namespace Clv.Data.Idempotency;

/// <summary>
/// Idempotency keys in PostgreSQL, so replays survive restarts and are shared by every instance.
/// A key is claimed by one request at a time through a lease that the request renews while it
/// runs; a request that dies without finishing loses its claim when the lease runs out.
/// </summary>
public sealed class IdempotencyStore(ClvDbContext db)
{
    /// <summary>
    /// Claims the key for a new request, when it is unknown, expired, or held by a request whose
    /// lease ran out. Returns true when claimed; otherwise the key's current record is
    /// <see cref="FindAsync"/>'s to read.
    /// </summary>
    public async Task<bool> TryClaimAsync(Guid apiKeyId, string key, Guid leaseToken, DateTimeOffset now, DateTimeOffset lockedUntil, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO idempotency_keys AS k (api_key_id, key, lease_token, locked_until, created_at, expires_at)
            VALUES ({apiKeyId}, {key}, {leaseToken}, {lockedUntil}, {now}, {expiresAt})
            ON CONFLICT (api_key_id, key) DO UPDATE SET
                lease_token = excluded.lease_token, locked_until = excluded.locked_until,
                created_at = excluded.created_at, expires_at = excluded.expires_at,
                fingerprint = NULL, status = NULL, content_type = NULL, location = NULL, body = NULL
            WHERE k.expires_at <= {now} OR (k.status IS NULL AND k.locked_until <= {now})
            """, cancellationToken) == 1;

    /// <summary>The key's record, in flight or completed; null when there is none.</summary>
    public Task<IdempotencyRecord?> FindAsync(Guid apiKeyId, string key, CancellationToken cancellationToken) =>
        db.IdempotencyKeys.AsNoTracking().FirstOrDefaultAsync(r => r.ApiKeyId == apiKeyId && r.Key == key, cancellationToken);

    /// <summary>Extends the lease of a request still running; false when it lost its claim.</summary>
    public async Task<bool> RenewAsync(Guid apiKeyId, string key, Guid leaseToken, DateTimeOffset lockedUntil, CancellationToken cancellationToken) =>
        await Held(apiKeyId, key, leaseToken).ExecuteUpdateAsync(u => u.SetProperty(r => r.LockedUntil, lockedUntil), cancellationToken) == 1;

    /// <summary>Stores the answer to replay; false when the request had lost its claim.</summary>
    public async Task<bool> CompleteAsync(Guid apiKeyId, string key, Guid leaseToken, IdempotencyRecord answer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(answer);
        return await Held(apiKeyId, key, leaseToken).ExecuteUpdateAsync(u => u
            .SetProperty(r => r.Fingerprint, answer.Fingerprint)
            .SetProperty(r => r.Status, answer.Status)
            .SetProperty(r => r.ContentType, answer.ContentType)
            .SetProperty(r => r.Location, answer.Location)
            .SetProperty(r => r.Body, answer.Body)
            .SetProperty(r => r.ExpiresAt, answer.ExpiresAt), cancellationToken) == 1;
    }

    /// <summary>Frees the key of a request that did not succeed, so the same key may be retried.</summary>
    public Task ReleaseAsync(Guid apiKeyId, string key, Guid leaseToken, CancellationToken cancellationToken) =>
        Held(apiKeyId, key, leaseToken).ExecuteDeleteAsync(cancellationToken);

    /// <summary>Deletes expired keys; returns how many.</summary>
    public Task<int> PurgeAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        db.IdempotencyKeys.Where(r => r.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);

    private IQueryable<IdempotencyRecord> Held(Guid apiKeyId, string key, Guid leaseToken) =>
        db.IdempotencyKeys.Where(r => r.ApiKeyId == apiKeyId && r.Key == key && r.LeaseToken == leaseToken && r.Status == null);
}
