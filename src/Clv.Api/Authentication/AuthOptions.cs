using System.ComponentModel.DataAnnotations;

namespace Clv.Api.Authentication;

/// <summary>Settings under <c>Auth</c>.</summary>
public sealed class AuthOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Auth";

    /// <summary>The fewest characters a bootstrap admin key may have: a shorter one stops the service at start.</summary>
    public const int MinBootstrapKeyLength = 32;

    /// <summary>
    /// An admin key accepted without being stored, to create the first real keys
    /// (env <c>Auth__BootstrapAdminKey</c>), at least 32 characters. Empty disables it.
    /// </summary>
    public string? BootstrapAdminKey { get; set; }

    /// <summary>
    /// Seconds a valid key is remembered after its lookup started. Revoking a key waits this long
    /// before it answers, so no instance still holds it. Default 2; 0 looks every key up every time.
    /// </summary>
    [Range(0, 60)]
    public int CacheSeconds { get; set; } = 2;

    /// <summary>The most valid keys remembered at once; beyond it a key is looked up each time. Default 10,000.</summary>
    [Range(1, 1_000_000)]
    public int CacheSize { get; set; } = 10_000;
}
