using Clv.Api.Authentication;
using Clv.Api.Infrastructure;
using Clv.Data;
using Clv.Data.ApiKeys;
using Clv.Data.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Clv.Api.ApiKeys;

/// <summary>API keys: created with scopes, shown once, stored only as SHA-256 hashes.</summary>
[ApiController]
[Route("api/v1/api-keys")]
[Authorize(Policy = Policies.Admin)]
[Tags("API keys")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
public sealed class ApiKeysController(ClvDbContext db, ApiKeyStore store, TimeProvider time) : ControllerBase
{
    /// <summary>Creates a key. The secret is in <c>key</c> of this response and never shown again.</summary>
    /// <param name="request">Its name and scopes.</param>
    /// <param name="cancellationToken">Aborted with the request.</param>
    [HttpPost]
    [Consumes("application/json")]
    [ProducesResponseType<CreatedApiKeyResponse>(StatusCodes.Status201Created)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status415UnsupportedMediaType, "application/problem+json")]
    public async Task<ActionResult<CreatedApiKeyResponse>> CreateAsync([FromBody] CreateApiKeyRequest request, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Name) || Ingestion.IngestionRules.Characters(request.Name) > ColumnLimits.Name || !Ingestion.IngestionRules.IsStorable(request.Name))
        {
            errors["name"] = [$"A name of 1 to {ColumnLimits.Name} characters, without NUL (U+0000), is required."];
        }

        if (request.Scopes is not { Count: > 0 } || request.Scopes.Any(s => !Scopes.All.Contains(s)))
        {
            errors["scopes"] = ["Give one or more of: read, ingest, admin."];
        }

        if (errors.Count > 0)
        {
            return ValidationProblem(new ValidationProblemDetails(errors));
        }

        var secret = ApiKeyHasher.NewSecret();
        var key = new ApiKey
        {
            Id = Guid.CreateVersion7(),
            Name = request.Name!.Trim(),
            KeyHash = ApiKeyHasher.Hash(secret),
            Scopes = request.Scopes!.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray(),
            CreatedAt = time.GetUtcNow(),
        };
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(cancellationToken);
        return Created($"/api/v1/api-keys/{key.Id}", new CreatedApiKeyResponse
        {
            Id = key.Id,
            Name = key.Name,
            Scopes = key.Scopes,
            CreatedAt = key.CreatedAt,
            Key = secret,
        });
    }

    /// <summary>Lists keys, newest first, without their secrets.</summary>
    /// <remarks>With <c>Accept: text/csv</c>, one row per key, its scopes as a JSON array.</remarks>
    /// <param name="cancellationToken">Aborted with the request.</param>
    [HttpGet]
    [ProducesResponseType<List<ApiKeyResponse>>(StatusCodes.Status200OK, "application/json", "text/csv")]
    public async Task<IActionResult> ListAsync(CancellationToken cancellationToken)
    {
        var keys = await db.ApiKeys.AsNoTracking()
            .OrderByDescending(k => k.CreatedAt)
            .Select(k => new ApiKeyResponse { Id = k.Id, Name = k.Name, Scopes = k.Scopes, CreatedAt = k.CreatedAt, RevokedAt = k.RevokedAt })
            .ToListAsync(cancellationToken);
        return CsvColumns.Wanted(Request) ? new CsvResult<ApiKeyResponse>(keys.ToAsyncEnumerable(), "api-keys.csv") : Ok(keys);
    }

    /// <summary>Revokes a key: every request that starts after this answers is refused, on every instance.</summary>
    /// <remarks>Answers after <c>Auth:CacheSeconds</c> (default 2), when no instance remembers the key any longer.</remarks>
    /// <param name="id">The key's id.</param>
    /// <param name="cancellationToken">Aborted with the request.</param>
    [HttpDelete("{id:guid}")]
    [ProducesResponseType(StatusCodes.Status204NoContent)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public async Task<IActionResult> RevokeAsync(Guid id, CancellationToken cancellationToken)
    {
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == id, cancellationToken);
        if (key is null)
        {
            return Problem(statusCode: StatusCodes.Status404NotFound, title: "API key not found", detail: $"No API key has the id {id}.");
        }

        key.RevokedAt ??= time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        await store.ForgetAsync(key.KeyHash);
        return NoContent();
    }
}

/// <summary>A key to create.</summary>
public sealed class CreateApiKeyRequest
{
    /// <summary>What the key is for, 1 to 128 characters.</summary>
    /// <example>hubspot-sync</example>
    public string? Name { get; set; }

    /// <summary>One or more of <c>read</c>, <c>ingest</c>, <c>admin</c>.</summary>
    /// <example>["ingest"]</example>
    public List<string>? Scopes { get; set; }
}

/// <summary>A stored key, without its secret.</summary>
public class ApiKeyResponse
{
    /// <summary>The key's id, for revocation.</summary>
    public Guid Id { get; init; }

    /// <summary>What the key is for.</summary>
    /// <example>hubspot-sync</example>
    public required string Name { get; init; }

    /// <summary>Its scopes.</summary>
    public required string[] Scopes { get; init; }

    /// <summary>When it was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it was revoked; null while valid.</summary>
    public DateTimeOffset? RevokedAt { get; init; }
}

/// <summary>A new key, with its secret shown this once.</summary>
public sealed class CreatedApiKeyResponse : ApiKeyResponse
{
    /// <summary>The secret to send in <c>X-Api-Key</c>. Clv keeps only its hash.</summary>
    /// <example>clv_3q2-7wEvuDw0Nn0XrXyiFnpGQbZJ7tr1yWqZ0gVfmkE</example>
    public required string Key { get; init; }
}
