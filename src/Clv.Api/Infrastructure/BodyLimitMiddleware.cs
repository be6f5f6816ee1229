using Clv.Api.Configurations;
using Clv.Api.Errors;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Clv.Api.Infrastructure;

/// <summary>
/// Caps request bodies: <see cref="HttpOptions.MaxJsonBodyBytes"/> for everything but the CSV imports,
/// which has <see cref="HttpOptions.MaxCsvBodyBytes"/>. A larger body is answered 413 before the
/// endpoint runs when its length is declared, and stops the read when it is streamed. A body with a
/// <c>Content-Encoding</c> (gzip, say) is 415: bodies are read as sent, and a compressed one failed as
/// JSON or CSV that is not, with an error about its first byte. So is a body declared in a charset
/// other than UTF-8 (RFC 8259 has JSON exchanged in UTF-8, and the CSV imports read UTF-8): a
/// Latin-1 CSV failed on its first accented letter, and Latin-1 JSON got a 415 that asked for the
/// media type it was sent as.
/// </summary>
internal sealed class BodyLimitMiddleware(RequestDelegate next, IOptions<HttpOptions> options)
{
    public Task InvokeAsync(HttpContext context)
    {
        var csv = context.Request.Path.StartsWithSegments("/api/v1/transactions/import", StringComparison.OrdinalIgnoreCase)
            || context.Request.Path.StartsWithSegments("/api/v1/feedback/import", StringComparison.OrdinalIgnoreCase)
            || context.Request.Path.StartsWithSegments("/api/v1/subscriptions/import", StringComparison.OrdinalIgnoreCase);
        var limit = csv ? options.Value.MaxCsvBodyBytes : options.Value.MaxJsonBodyBytes;
        var encoding = context.Request.Headers.ContentEncoding.ToString();
        if (encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            throw new ClvProblemException(
                StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", $"Send the body uncompressed, without Content-Encoding ({encoding}).");
        }

        if (DeclaredCharset(context.Request) is { } charset && !IsUtf8(charset))
        {
            throw new ClvProblemException(
                StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", $"Send the body in UTF-8, with charset=utf-8 or no charset ({charset} is not read).");
        }

        if (context.Request.ContentLength > limit)
        {
            throw new BadHttpRequestException($"The body is larger than the {limit:N0} bytes allowed here.", StatusCodes.Status413PayloadTooLarge);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } server)
        {
            server.MaxRequestBodySize = limit;
        }

        context.Request.Body = new LimitedReadStream(context.Request.Body, limit);
        return next(context);
    }

    private static string? DeclaredCharset(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var type) && type.Charset.HasValue ? HeaderUtilities.RemoveQuotes(type.Charset).Value : null;

    // US-ASCII is UTF-8's first 128 characters.
    private static bool IsUtf8(string charset) =>
        charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase)
        || charset.Equals("us-ascii", StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads through, and fails with 413 once more than the limit has been read.</summary>
    private sealed class LimitedReadStream(Stream inner, long limit) : ObservedReadStream(inner)
    {
        private long _read;

        protected override void OnRead(ReadOnlySpan<byte> data)
        {
            _read += data.Length;
            if (_read > limit)
            {
                throw new BadHttpRequestException($"The body is larger than the {limit:N0} bytes allowed here.", StatusCodes.Status413PayloadTooLarge);
            }
        }
    }
}
