namespace Clv.Api.Authentication;

/// <summary>Settings under <c>Auth</c>.</summary>
public sealed class AuthOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Auth";

    /// <summary>
    /// An admin key accepted without being stored, to create the first real keys
    /// (env <c>Auth__BootstrapAdminKey</c>). Empty disables it.
    /// </summary>
    public string? BootstrapAdminKey { get; set; }

    /// <summary>Seconds a key lookup is cached. Revocation through this instance takes effect at once.</summary>
    public int CacheSeconds { get; set; } = 30;
}
