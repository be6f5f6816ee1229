using Clv.Api.Requests;
using Clv.Data.Infrastructure;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Clv.Api.Errors;

/// <summary>
/// Turns every unhandled exception into RFC 9457 problem+json. Known client faults keep their
/// status; anything else is a 500 whose body says nothing about the code or the SQL behind it.
/// </summary>
internal sealed class ClvExceptionHandler(IProblemDetailsService problems, ILogger<ClvExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail) = Classify(exception, httpContext);
        if (status >= StatusCodes.Status500InternalServerError)
        {
            logger.LogError(exception, "Request {Method} {Path} failed with {Status}", httpContext.Request.Method, httpContext.Request.Path, status);
        }
        else
        {
            logger.LogInformation("Request {Method} {Path} rejected with {Status}: {Reason}", httpContext.Request.Method, httpContext.Request.Path, status, exception.Message);
        }

        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        if (exception is ItemsRejectedException rejected)
        {
            problem.Extensions["rejected"] = rejected.Rejected;
            problem.Extensions["errors"] = rejected.Errors;
            problem.Extensions["errorsTruncated"] = rejected.Truncated;
        }

        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, Exception = exception, ProblemDetails = problem });
    }

    private static (int Status, string Title, string? Detail) Classify(Exception exception, HttpContext context) => exception switch
    {
        ClvProblemException p => (p.Status, p.Title, p.Detail),
        ItemsRejectedException r => (StatusCodes.Status422UnprocessableEntity, "Invalid items", r.Message),
        BadHttpRequestException b => (b.StatusCode, b.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Payload too large" : "Bad request", b.Message),
        System.Text.DecoderFallbackException => (StatusCodes.Status400BadRequest, "Bad request", "The body is not valid UTF-8."),
        // Each amount is below 10^15, but a customer's day or total may add up beyond what is stored.
        PostgresException { SqlState: PostgresErrorCodes.NumericValueOutOfRange } =>
            (StatusCodes.Status422UnprocessableEntity, "Amounts too large", "The amounts would add up beyond 10^15 for one customer; nothing was stored."),
        // The validators refuse NUL in what they store; this catches any query text or field they miss.
        PostgresException { SqlState: PostgresErrorCodes.CharacterNotInRepertoire or PostgresErrorCodes.UntranslatableCharacter } =>
            (StatusCodes.Status400BadRequest, "Bad request", "The request contains text PostgreSQL cannot hold, such as the NUL character (U+0000)."),
        OperationCanceledException when context.RequestAborted.IsCancellationRequested => (499, "Client closed request", null),
        NpgsqlException n when n.IsTransient || TransientRetry.IsTransient(n) => Unavailable,

        // EF Core wraps a transient failure of its own queries (the API key lookup) in this.
        InvalidOperationException { InnerException: NpgsqlException n } when n.IsTransient || TransientRetry.IsTransient(n) => Unavailable,
        TimeoutException => Unavailable,
        PostgresException { SqlState: PostgresErrorCodes.LockNotAvailable } => Unavailable,
        _ => (StatusCodes.Status500InternalServerError, "Internal server error", "An unexpected error occurred. The trace id identifies it in the logs."),
    };

    // What is left of a transient database failure after the write's own retries (or where it
    // could not retry, inside an atomic import): the client may send the request again.
    private static readonly (int, string, string?) Unavailable =
        (StatusCodes.Status503ServiceUnavailable, "Service unavailable", "The database is busy or unreachable; retry later.");
}
