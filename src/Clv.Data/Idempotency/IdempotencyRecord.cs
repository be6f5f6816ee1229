namespace Clv.Data.Idempotency;

/// <summary>
/// One Idempotency-Key of one API key: in flight while <see cref="Status"/> is null (held by the
/// request whose <see cref="LeaseToken"/> it carries until <see cref="LockedUntil"/>), then the
/// stored answer that a retry with the same request is given instead of running it again.
/// </summary>
public sealed class IdempotencyRecord
{
    public Guid ApiKeyId { get; set; }

    public required string Key { get; set; }

    /// <summary>SHA-256 of method, path, query and the body's SHA-256; null while in flight.</summary>
    public byte[]? Fingerprint { get; set; }

    public Guid LeaseToken { get; set; }

    public DateTimeOffset LockedUntil { get; set; }

    public int? Status { get; set; }

    public string? ContentType { get; set; }

    public string? Location { get; set; }

    /// <summary>The response body, encrypted with a key derived from the API key that sent it.</summary>
    public byte[]? Body { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }
}
