using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Clv.Api.Authentication;
using Clv.Api.Errors;
using Clv.Data.Idempotency;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Clv.Api.Idempotency;

/// <summary>
/// The <c>Idempotency-Key</c> header on POST, after Stripe and the IETF httpapi draft. The first
/// request with a key claims it and runs; its 2xx answer is stored and replayed, byte for byte,
/// to every later request with the same key and the same method, path, query and body. Keys
/// belong to the API key that sent them. Runs after authorization, so a request that fails
/// authentication never touches a key.
/// </summary>
internal sealed class IdempotencyMiddleware(
    RequestDelegate next,
    IServiceScopeFactory scopes,
    IOptions<IdempotencyOptions> options,
    TimeProvider time,
    ILogger<IdempotencyMiddleware> logger)
{
    /// <summary>The request header.</summary>
    public const string HeaderName = "Idempotency-Key";

    /// <summary>The response header that marks a replayed answer.</summary>
    public const string ReplayedHeaderName = "Idempotent-Replayed";

    /// <summary>Longest key accepted.</summary>
    public const int MaxKeyLength = Data.Infrastructure.ColumnLimits.IdempotencyKey;

    // Answers are small (an ingest summary, at most 1,000 item errors); a larger one is not stored.
    private const int MaxStoredBodyBytes = 4 * 1024 * 1024;
    private const int ClaimAttempts = 3;

    public async Task InvokeAsync(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method) || !context.Request.Headers.TryGetValue(HeaderName, out var values))
        {
            await next(context);
            return;
        }

        var key = ParseKey(values);
        if (context.User.FindFirst(Scopes.KeyIdClaimType)?.Value is not { } keyIdClaim)
        {
            await next(context); // an anonymous endpoint: nothing to scope a key to
            return;
        }

        var request = new KeyedRequest(Guid.Parse(keyIdClaim), key, context.Request.Headers[ApiKeyAuthenticationHandler.HeaderName].ToString());
        for (var attempt = 1; attempt <= ClaimAttempts; attempt++)
        {
            var lease = Guid.NewGuid();
            if (await ClaimAsync(request, lease, context.RequestAborted))
            {
                await RunAsync(context, request, lease);
                return;
            }

            var record = await UseStoreAsync(s => s.FindAsync(request.ApiKeyId, request.Key, context.RequestAborted));
            if (record is { Status: null })
            {
                await InFlightAsync(context);
                return;
            }

            if (record is not null)
            {
                await ReplayAsync(context, request, record);
                return;
            }

            // Released between the claim and the read: claim again.
        }

        await InFlightAsync(context);
    }

    private static string ParseKey(Microsoft.Extensions.Primitives.StringValues values)
    {
        var key = values.Count == 1 ? values[0] ?? "" : "";

        // The IETF draft sends the key as a structured-field string, "like this"; Stripe sends it bare.
        if (key.Length >= 2 && key[0] == '"' && key[^1] == '"')
        {
            key = key[1..^1];
        }

        if (key.Length is 0 or > MaxKeyLength || key.Any(c => c is < ' ' or > '~') || key.Trim().Length != key.Length)
        {
            throw new ClvProblemException(StatusCodes.Status400BadRequest, "Invalid Idempotency-Key",
                $"Send one {HeaderName} header of 1 to {MaxKeyLength} printable ASCII characters without leading or trailing spaces, such as a UUID.");
        }

        return key;
    }

    private Task<bool> ClaimAsync(KeyedRequest request, Guid lease, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return UseStoreAsync(s => s.TryClaimAsync(request.ApiKeyId, request.Key, lease, now, now.AddSeconds(options.Value.LeaseSeconds),
            now.AddHours(options.Value.RetentionHours), cancellationToken));
    }

    // Runs the request with the key claimed: the body is hashed as the endpoint reads it, and the
    // answer is held back until it is stored, so a client never sees an answer it could not replay.
    private async Task RunAsync(HttpContext context, KeyedRequest request, Guid lease)
    {
        var body = new HashingReadStream(context.Request.Body);
        context.Request.Body = body;
        var original = context.Response.Body;
        using var answer = new MemoryStream();
        context.Response.Body = answer;
        using var renewal = new CancellationTokenSource();
        var renewing = RenewAsync(request, lease, renewal.Token);
        var stored = false;
        try
        {
            await next(context);
            var status = context.Response.StatusCode;
            if (status is >= 200 and < 300 && answer.Length <= MaxStoredBodyBytes)
            {
                var fingerprint = Fingerprint(context.Request, await body.FinishAsync(context.RequestAborted));
                await renewal.CancelAsync();
                await renewing;
                stored = await CompleteAsync(context, request, lease, fingerprint, answer.ToArray());
            }
        }
        finally
        {
            await renewal.CancelAsync();
            await renewing;
            body.Free();
            context.Response.Body = original;
            if (!stored)
            {
                await ReleaseAsync(request, lease);
            }
        }

        answer.Position = 0;
        await answer.CopyToAsync(original, context.RequestAborted);
    }

    private async Task<bool> CompleteAsync(HttpContext context, KeyedRequest request, Guid lease, byte[] fingerprint, byte[] body)
    {
        var record = new IdempotencyRecord
        {
            Key = request.Key,
            Fingerprint = fingerprint,
            Status = context.Response.StatusCode,
            ContentType = context.Response.ContentType,
            Location = context.Response.Headers.Location.ToString() is { Length: > 0 } location ? location : null,
            Body = ReplayProtector.Seal(request.ApiKey, request.Key, body),
            ExpiresAt = time.GetUtcNow().AddHours(options.Value.RetentionHours),
        };
        try
        {
            // Not cancelled with the request: the work is done, and its answer must be kept.
            if (await UseStoreAsync(s => s.CompleteAsync(request.ApiKeyId, request.Key, lease, record, CancellationToken.None)))
            {
                return true;
            }

            logger.LogWarning("A request lost its idempotency key's lease before it finished; its answer is not stored");
        }
        catch (Exception e)
        {
            // The data is written; answer it rather than fail. A retry runs again and finds duplicates.
            logger.LogWarning(e, "Could not store an idempotent answer");
        }

        return false;
    }

    private async Task ReleaseAsync(KeyedRequest request, Guid lease)
    {
        try
        {
            await UseStoreAsync(s => s.ReleaseAsync(request.ApiKeyId, request.Key, lease, CancellationToken.None));
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Could not release an idempotency key; it is free again when its lease runs out");
        }
    }

    // Keeps the key claimed while the request runs, however long a streamed import takes.
    private async Task RenewAsync(KeyedRequest request, Guid lease, CancellationToken cancellationToken)
    {
        var seconds = options.Value.LeaseSeconds;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(seconds / 3.0), time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var until = time.GetUtcNow().AddSeconds(seconds);
                if (!await UseStoreAsync(s => s.RenewAsync(request.ApiKeyId, request.Key, lease, until, cancellationToken)))
                {
                    logger.LogWarning("A running request lost its idempotency key's lease");
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Could not renew an idempotency key's lease");
        }
    }

    // The same key again: the same request gets the stored answer, any other request 422. The body
    // is read (and hashed) first, streamed like the original, whatever its size.
    private static async Task ReplayAsync(HttpContext context, KeyedRequest request, IdempotencyRecord record)
    {
        var body = new HashingReadStream(context.Request.Body);
        byte[] fingerprint;
        try
        {
            fingerprint = Fingerprint(context.Request, await body.FinishAsync(context.RequestAborted));
        }
        finally
        {
            body.Free();
        }

        if (!CryptographicOperations.FixedTimeEquals(fingerprint, record.Fingerprint ?? []))
        {
            await WriteProblemAsync(context, StatusCodes.Status422UnprocessableEntity, "Idempotency-Key reused",
                $"This {HeaderName} was used for another request (method, path, query or body differ). Use a new key for a new request.");
            return;
        }

        var response = context.Response;
        response.StatusCode = record.Status!.Value;
        response.ContentType = record.ContentType;
        if (record.Location is not null)
        {
            response.Headers.Location = record.Location;
        }

        response.Headers[ReplayedHeaderName] = "true";
        var answer = ReplayProtector.Open(request.ApiKey, request.Key, record.Body!);
        response.ContentLength = answer.Length;
        await response.Body.WriteAsync(answer, context.RequestAborted);
    }

    private Task InFlightAsync(HttpContext context)
    {
        context.Response.Headers.RetryAfter = Math.Max(1, options.Value.LeaseSeconds / 3).ToString(CultureInfo.InvariantCulture);
        return WriteProblemAsync(context, StatusCodes.Status409Conflict, "Request in progress",
            $"A request with this {HeaderName} is still running. Retry after it has finished to get its answer.");
    }

    private static async Task WriteProblemAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }

    // What "the same request" means: method, path, query string and the body's SHA-256.
    private static byte[] Fingerprint(HttpRequest request, byte[] bodyHash)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{request.Method}\n{request.PathBase}{request.Path}\n{request.QueryString}\n"));
        hash.AppendData(bodyHash);
        return hash.GetHashAndReset();
    }

    private async Task<T> UseStoreAsync<T>(Func<IdempotencyStore, Task<T>> work)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<IdempotencyStore>());
    }

    private async Task UseStoreAsync(Func<IdempotencyStore, Task> work)
    {
        await using var scope = scopes.CreateAsyncScope();
        await work(scope.ServiceProvider.GetRequiredService<IdempotencyStore>());
    }

    private sealed record KeyedRequest(Guid ApiKeyId, string Key, string ApiKey);
}
