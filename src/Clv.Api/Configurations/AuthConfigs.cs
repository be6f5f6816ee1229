using Clv.Api.Authentication;
using Microsoft.AspNetCore.Authorization;

namespace Clv.Api.Configurations;

internal static class AuthConfigs
{
    public static IServiceCollection AddClvAuth(this IServiceCollection services)
    {
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section)
            .ValidateDataAnnotations()
            .Validate(
                o => string.IsNullOrEmpty(o.BootstrapAdminKey) || o.BootstrapAdminKey.Length >= AuthOptions.MinBootstrapKeyLength,
                $"Auth:BootstrapAdminKey must be at least {AuthOptions.MinBootstrapKeyLength} characters (or empty, which disables it).")
            .ValidateOnStart();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ApiKeyStore>();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(Policies.Read, p => p.RequireClaim(Scopes.ClaimType, Scopes.Read, Scopes.Admin))
            .AddPolicy(Policies.Ingest, p => p.RequireClaim(Scopes.ClaimType, Scopes.Ingest, Scopes.Admin))
            .AddPolicy(Policies.Admin, p => p.RequireClaim(Scopes.ClaimType, Scopes.Admin));
        return services;
    }
}
