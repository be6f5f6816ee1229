namespace Clv.Api.Authentication;

/// <summary>What an API key may do. <c>admin</c> includes the other two.</summary>
public static class Scopes
{
    /// <summary>Write paths: ingestion and model runs.</summary>
    public const string Ingest = "ingest";

    /// <summary>Read paths: customers, metrics, exports.</summary>
    public const string Read = "read";

    /// <summary>Everything, including API keys and erasure.</summary>
    public const string Admin = "admin";

    /// <summary>Every scope a key may be given.</summary>
    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { Ingest, Read, Admin };

    /// <summary>The claim type that carries a key's scopes.</summary>
    public const string ClaimType = "scope";

    /// <summary>The claim type that carries the authenticated key's id.</summary>
    public const string KeyIdClaimType = "key_id";
}

/// <summary>Authorization policy names, one per scope.</summary>
public static class Policies
{
    /// <summary>Requires the <c>ingest</c> or <c>admin</c> scope.</summary>
    public const string Ingest = "ingest";

    /// <summary>Requires the <c>read</c> or <c>admin</c> scope.</summary>
    public const string Read = "read";

    /// <summary>Requires the <c>admin</c> scope.</summary>
    public const string Admin = "admin";
}
