using System.Globalization;
using System.Text;

namespace Clv.Api.Requests;

/// <summary>
/// Whether a number's text is the decimal parsed from it. <see cref="decimal"/> holds 28 or 29
/// significant digits, and its parsers round the rest away without a word: 1e-29 reads as 0, and
/// 1.00000000000000000000000000001 as 1. Ingestion refuses such a number instead of storing
/// another value than the one sent.
/// </summary>
internal static class ExactDecimal
{
    /// <summary>The message of a number that would be rounded.</summary>
    public static string Message(string field) =>
        $"'{field}' has more significant digits than can be stored exactly (28); it would be rounded.";

    /// <summary>True when <paramref name="value"/>, parsed from <paramref name="text"/>, is the very number written there.</summary>
    public static bool IsExact(ReadOnlySpan<char> text, decimal value) =>
        // At most 28 digits without an exponent: the mantissa is below 10^28 and the scale at most 27.
        (text.Length <= 28 && !text.ContainsAny('e', 'E')) || SameNumber(text, value);

    /// <inheritdoc cref="IsExact(ReadOnlySpan{char}, decimal)"/>
    public static bool IsExact(ReadOnlySpan<byte> utf8, decimal value) =>
        (utf8.Length <= 28 && !utf8.ContainsAny((byte)'e', (byte)'E')) || SameNumber(Encoding.ASCII.GetString(utf8), value);

    private static bool SameNumber(ReadOnlySpan<char> text, decimal value) =>
        Canonical(text) is { } written && Canonical(value.ToString(CultureInfo.InvariantCulture)) is { } parsed
        && written.Digits == parsed.Digits && (written.Digits.Length == 0 || written.Exponent == parsed.Exponent);

    // The number as significant digits (no leading or trailing zero; empty for zero) times 10^Exponent.
    private static (string Digits, long Exponent)? Canonical(ReadOnlySpan<char> text)
    {
        long exponent = 0;
        var e = text.IndexOfAny('e', 'E');
        if (e >= 0)
        {
            if (!long.TryParse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exponent))
            {
                return null;
            }

            text = text[..e];
        }

        var digits = new StringBuilder(text.Length);
        var fraction = false;
        foreach (var c in text)
        {
            if (c == '.')
            {
                fraction = true;
            }
            else if (char.IsAsciiDigit(c))
            {
                digits.Append(c);
                exponent -= fraction ? 1 : 0;
            }
        }

        var significant = digits.ToString().TrimStart('0');
        var trimmed = significant.TrimEnd('0');
        return (trimmed, exponent + significant.Length - trimmed.Length);
    }
}
