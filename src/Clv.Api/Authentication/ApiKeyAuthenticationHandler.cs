using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Threading.RateLimiting;
using Clv.Api.Observability;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Clv.Api.Authentication;

/// <summary>Authenticates the <c>X-Api-Key</c> header and answers 401 and 403 as problem+json.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyStore store,
    KeyLookupLimiter lookups,
    IProblemDetailsService problems,
    ClvMetrics metrics)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>The scheme name.</summary>
    public const string SchemeName = "ApiKey";

    /// <summary>The header that carries the key.</summary>
    public const string HeaderName = "X-Api-Key";

    private TimeSpan? _overLookupRate;

    /// <inheritdoc />
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(HeaderName, out var values) || string.IsNullOrEmpty(values.ToString()))
        {
            return AuthenticateResult.NoResult();
        }

        if (values.Count > 1)
        {
            // Their values joined are no key: refused before a lookup, with a message that says why.
            return AuthenticateResult.Fail("More than one API key.");
        }

        var presented = values.ToString();
        if (!store.TryFindWithoutLookup(presented, out var key))
        {
            // Before any query: an address sending made-up keys runs out of lookups, not the database.
            var found = await store.LookUpAsync(presented, MayQuery, Context.RequestAborted);
            if (found is null)
            {
                return AuthenticateResult.Fail("Over the key lookup rate of this address.");
            }

            key = found;
        }

        if (key.Scopes.Length == 0)
        {
            return AuthenticateResult.Fail("Invalid or revoked API key.");
        }

        var claims = key.Scopes.Select(s => new Claim(Scopes.ClaimType, s))
            .Append(new Claim(Scopes.KeyIdClaimType, key.Id.ToString()));
        var identity = new ClaimsIdentity(claims, SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    private bool MayQuery()
    {
        using var lease = lookups.AttemptAcquire(Context.Connection.RemoteIpAddress);
        if (!lease.IsAcquired)
        {
            _overLookupRate = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        }

        return lease.IsAcquired;
    }

    /// <inheritdoc />
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (_overLookupRate is { } retryAfter)
        {
            metrics.RateLimited(ClvMetrics.Limiters.KeyLookups);
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            await WriteProblemAsync(StatusCodes.Status429TooManyRequests, "Too many requests",
                "This address sent too many API keys that are not valid; retry after the number of seconds in Retry-After.");
            return;
        }

        Response.StatusCode = StatusCodes.Status401Unauthorized;
        var sent = Request.Headers[HeaderName].Count;
        await WriteProblemAsync(StatusCodes.Status401Unauthorized, "Unauthorized", sent switch
        {
            0 => $"Send an API key in the {HeaderName} header.",
            1 => "The API key is invalid or revoked.",
            _ => $"Send one API key in the {HeaderName} header, not {sent}.",
        });
    }

    /// <inheritdoc />
    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden", "The API key lacks the scope this endpoint requires.");
    }

    private ValueTask WriteProblemAsync(int status, string title, string detail) =>
        problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
}
