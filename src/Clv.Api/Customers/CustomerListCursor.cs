using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Clv.Data.Customers;

namespace Clv.Api.Customers;

/// <summary>
/// The customer list's <c>cursor</c>: the position the next page starts after, and a fingerprint of
/// the list it is a position in, so that a cursor sent with another sort, direction or filter is
/// refused instead of being read as a position in a list it was not made for.
/// </summary>
/// <remarks>
/// The token is base64url (unpadded) of <c>fingerprint|sortValue|customerId</c>. Only the exact
/// spelling <see cref="Encode"/> writes is read back; cursors of the earlier <c>sortValue|customerId</c>
/// format are refused as not returned here.
/// </remarks>
internal static class CustomerListCursor
{
    /// <summary>The error of a token this endpoint did not write.</summary>
    public const string NotReturnedHere = "Not a cursor this endpoint returned.";

    /// <summary>The error of a cursor written for another list.</summary>
    public const string ReturnedForAnotherList = "This cursor was returned for another sort or filter; start again without it.";

    // Eight bytes of SHA-256 as hex: it tells lists apart, it does not guard a secret (a client may
    // still write any position it likes into a cursor of its own list, as into a page number).
    private const int FingerprintBytes = 8;

    /// <summary>
    /// The list a cursor pages through: every parameter that decides which customers it holds and
    /// their order, as the query reads them; <c>pageSize</c> and <c>include</c> are not among them.
    /// </summary>
    /// <param name="sort">The sort key's name.</param>
    /// <param name="direction">asc or desc.</param>
    /// <param name="acquisitionChannel">The channel filter, if any.</param>
    /// <param name="country">The country filter upper-cased, as the query compares it.</param>
    /// <param name="atRisk">The at-risk filter, if any.</param>
    /// <param name="asOf">The day at-risk is judged at; counted only with <paramref name="atRisk"/>, the one filter it moves.</param>
    public static string Fingerprint(string sort, string direction, string? acquisitionChannel, string? country, bool? atRisk, DateOnly? asOf)
    {
        // A JSON array keeps null apart from "" and a value with a separator in it apart from two values.
        var list = JsonSerializer.SerializeToUtf8Bytes<object?[]>([sort, direction, acquisitionChannel, country, atRisk, atRisk is null ? null : asOf]);
        return Convert.ToHexStringLower(SHA256.HashData(list).AsSpan(0, FingerprintBytes));
    }

    /// <summary>The cursor of <paramref name="position"/> in the list of <paramref name="fingerprint"/>: an opaque, URL-safe token.</summary>
    public static string Encode(string fingerprint, CustomerCursor position) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{fingerprint}|{position.Value}|{position.CustomerId}")));

    /// <summary>Reads a token made by <see cref="Encode"/>; false for anything else, however close.</summary>
    public static bool TryDecode(string token, out string fingerprint, out CustomerCursor position)
    {
        fingerprint = "";
        position = default;
        string text;
        try
        {
            text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
        }
        catch (FormatException)
        {
            return false;
        }

        var parts = text.Split('|');
        if (parts.Length != 3
            || parts[0].Length != FingerprintBytes * 2
            || !parts[0].All(char.IsAsciiHexDigitLower)
            || !decimal.TryParse(parts[1], NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            return false;
        }

        // The parses above still take a leading plus or zero, "1." or ".5", and the decoder takes
        // whitespace, padding and the other base64 alphabet: only the token Encode writes again is ours.
        var decoded = new CustomerCursor(value, id);
        if (Encode(parts[0], decoded) != token)
        {
            return false;
        }

        fingerprint = parts[0];
        position = decoded;
        return true;
    }
}
