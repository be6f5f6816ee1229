using System.Globalization;
using System.Text.RegularExpressions;

namespace Clv.Api.Requests;

/// <summary>Strict ISO 8601 parsing: a date-time must carry its offset, a date is YYYY-MM-DD.</summary>
public static partial class IsoDateTime
{
    /// <summary>The earliest accepted instant.</summary>
    public static readonly DateTimeOffset Earliest = new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Parses <c>YYYY-MM-DDThh:mm[:ss[.fffffff]](Z|±hh:mm)</c> to UTC.</summary>
    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        value = default;
        // The whole text: .NET's $ also matches before a final line break, which JSON Schema's does not.
        return text is not null
            && DateTimeWithOffset().Match(text) is { Success: true } match && match.Length == text.Length
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out value);
    }

    /// <summary>Parses <c>YYYY-MM-DD</c>.</summary>
    public static bool TryParseDate(string? text, out DateOnly value)
    {
        value = default;
        return text is not null && DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
    }

    /// <summary>The form <see cref="TryParse"/> accepts, also declared in the OpenAPI document.</summary>
    public const string Pattern = @"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|z|[+-]\d{2}:\d{2})$";

    [GeneratedRegex(Pattern, RegexOptions.CultureInvariant, 100)]
    private static partial Regex DateTimeWithOffset();
}
