using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Clv.Api.Errors;

/// <summary>
/// Writes every problem as <c>application/problem+json</c>, completed by <see cref="ProblemFields"/>,
/// whatever the request's <c>Accept</c>: a client that asked for CSV and sent a bad parameter gets
/// the error it can read, not an empty body (ASP.NET Core's own writer declines unless JSON is
/// acceptable).
/// </summary>
internal sealed class ProblemJsonWriter(IOptions<JsonOptions> json) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var http = context.HttpContext;
        ProblemFields.Complete(context.ProblemDetails, http);
        http.Response.StatusCode = context.ProblemDetails.Status!.Value;
        http.Response.ContentType = "application/problem+json";
        return new ValueTask(JsonSerializer.SerializeAsync(
            http.Response.Body, context.ProblemDetails, context.ProblemDetails.GetType(), json.Value.JsonSerializerOptions, http.RequestAborted));
    }
}
