namespace Clv.Data.ApiKeys;

/// <summary>An API key. Only the SHA-256 hash of the secret is stored.</summary>
public sealed class ApiKey
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    public required byte[] KeyHash { get; set; }

    public required string[] Scopes { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}
