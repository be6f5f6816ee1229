using System.Globalization;
using System.Text;
using System.Text.Json;
using CsCheck;

namespace Clv.Api.Tests.Security;

/// <summary>One generated request.</summary>
public sealed record FuzzRequest(HttpMethod Method, string Path, string? ContentType, byte[]? Body)
{
    public HttpRequestMessage ToMessage()
    {
        var message = new HttpRequestMessage(Method, Path);
        if (Body is not null)
        {
            message.Content = new ByteArrayContent(Body);
            message.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
        }

        return message;
    }

    /// <summary>Short enough to read in a failure message, escaped so that control bytes show.</summary>
    public override string ToString()
    {
        var body = Body is null ? "" : Encoding.UTF8.GetString(Body);
        body = body.Length > 400 ? body[..400] + $"… ({Body!.Length} bytes)" : body;
        return $"{Method} {(Path.Length > 400 ? Path[..400] + "…" : Path)} {JsonSerializer.Serialize(body)}";
    }
}

/// <summary>
/// CsCheck generators of hostile input: wrong types, huge and tiny numbers, NaN and Infinity,
/// deep nesting, invalid UTF-8, strings of 100,000 characters, SQL and script injection,
/// out-of-range dates, unknown fields, nulls, random bytes. Field values start from a valid
/// template so that most requests get past the JSON reader and reach validation and storage.
/// </summary>
internal static class HostileInput
{
    /// <summary>Cases per endpoint: <c>CLV_FUZZ_CASES</c>, default 100. <c>CsCheck_Seed</c> replays a failure.</summary>
    public static long Cases =>
        long.TryParse(Environment.GetEnvironmentVariable("CLV_FUZZ_CASES"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 100;

    private const string Omitted = "\u0001omitted";

    private static readonly string[] Strings =
    [
        "", " ", "\t\r\n", "' OR '1'='1", "'; DROP TABLE customers; --", "\"; DELETE FROM transactions; --", "1; SELECT pg_sleep(10)",
        "<script>alert(1)</script>", "javascript:alert(1)", "=HYPERLINK(\"http://x\")", "${jndi:ldap://x/a}", "../../etc/passwd",
        "\0", "a\0b", "\uD800", "\uDFFF", "x\uD83D", "\u202Eevil", "💥🔥", "Ω≈ç√", "\uFEFF", "null", "NaN", "Infinity", "-0", "1e400",
        new string('x', 100_000), new string('é', 129), new string('y', 128), new string('z', 65),
        "2024-02-30T00:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1969-12-31T23:59:59Z", "2024-01-01T00:00:00",
        "2024-01-01T00:00:00+14:00", "2024-01-01T00:00:00-23:59", "+275760-09-13T00:00:00Z", "-000001-01-01T00:00:00Z",
        "2024-13-01", "2024-01-01", "0000-00-00", "9999-12-31", "0001-01-01", "99999-01-01", "1970-01-01",
        "purchase", "refund", "USD", "EUR", "XXX", "usd", "us", "DE", "de", "ZZ", "bgnbd", "weeks", "days", "admin", "read",
    ];

    private static readonly string[] Numbers =
    [
        "1e400", "-1e400", "-0", "0", "1e-30", "-1e-30", "NaN", "Infinity", "-Infinity", "99999999999999999999999999999999",
        "1e15", "999999999999999.9999", "99999999999999.99999", "0.00001", "-1", "1.23456", "9223372036854775808",
        "2147483647", "2147483648", "-2147483648", "-2147483649", "3000000", "1E+2", "0x10", "01", "1.", ".5", "+1", "1e", "--1",
    ];

    private static readonly string[] Others =
    [
        "null", "true", "false", "[]", "{}", "[null]", "{\"a\":1}", "\"\"", "[\"x\",1,null]",
        new string('[', 10_000) + new string(']', 10_000),
        string.Concat(Enumerable.Repeat("{\"a\":", 1_000)) + "1" + new string('}', 1_000),
        new string('[', 100_000),
    ];

    private static string Quote(string s) => JsonSerializer.Serialize(s);

    /// <summary>A hostile JSON value, as JSON text.</summary>
    public static readonly Gen<string> Value = Gen.Frequency(
        (4, Gen.OneOf(Strings).Select(Quote)),
        (1, Gen.String.Select(Quote)),
        (3, Gen.OneOf(Numbers)),
        (1, Gen.Double.Select(d => d.ToString("R", CultureInfo.InvariantCulture))),
        (1, Gen.Long.Select(l => l.ToString(CultureInfo.InvariantCulture))),
        (2, Gen.OneOf(Others)));

    /// <summary>A JSON object from a template of valid values, each field kept, made hostile, null or left out, plus unknown fields.</summary>
    public static Gen<string> Object(params (string Name, string Valid)[] fields)
    {
        var members = Gen.Const("");
        foreach (var (name, valid) in fields.Append(("unknownField", Omitted)).Append(("__proto__", Omitted)))
        {
            // Mostly valid, and mostly hostile within the field's JSON type, so that most requests
            // pass the JSON reader and reach validation and storage.
            var sameType = valid.StartsWith('"') ? Gen.OneOf(Strings).Select(Quote) : valid.StartsWith('{') || valid.StartsWith('[') ? Value : Gen.OneOf(Numbers);
            var member = Gen.Frequency(
                (valid == Omitted ? 0 : 20, Gen.Const(valid)),
                (3, sameType),
                (1, Value),
                (1, Gen.Const("null")),
                (valid == Omitted ? 20 : 1, Gen.Const(Omitted)))
                .Select(v => v == Omitted ? "" : Quote(name) + ":" + v);
            members = Gen.SelectMany(members, m => member.Select(v => v.Length == 0 ? m : m.Length == 0 ? v : m + "," + v));
        }

        return members.Select(m => "{" + m + "}");
    }

    /// <summary>A batch body <c>{"wrapper":[items]}</c>, or something else where it belongs.</summary>
    public static Gen<byte[]> Batch(string wrapper, Gen<string> item) =>
        Bytes(Gen.Frequency(
            (10, Gen.Frequency((8, item), (1, Value)).Array[0, 4].Select(items => "{" + Quote(wrapper) + ":[" + string.Join(',', items) + "]}")),
            (1, Value.Select(v => "{" + Quote(wrapper) + ":" + v + "}")),
            (1, Value)));

    /// <summary>A single-object body, or something else.</summary>
    public static Gen<byte[]> Single(Gen<string> item) => Bytes(Gen.Frequency((8, item), (1, Value)));

    /// <summary>Text as UTF-8, sometimes truncated, salted with invalid UTF-8, or replaced by random bytes.</summary>
    public static Gen<byte[]> Bytes(Gen<string> text) => Gen.SelectMany(text, Gen.Int[0, 9], Gen.Int[0, int.MaxValue], (t, kind, at) =>
    {
        var bytes = Encoding.UTF8.GetBytes(t);
        var position = bytes.Length == 0 ? 0 : at % bytes.Length;
        return kind switch
        {
            0 => Gen.Const(bytes[..position]),
            1 => Gen.OneOf<byte[]>([0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0x80], [0xE2, 0x82])
                .Select(bad => bytes[..position].Concat(bad).Concat(bytes[position..]).ToArray()),
            2 => Gen.Byte.Array[0, 300],
            _ => Gen.Const(bytes),
        };
    });

    /// <summary>A CSV import body: the valid header and cells, or hostile ones, quoted or not.</summary>
    public static Gen<byte[]> Csv()
    {
        const string header = "external_id,customer_external_id,occurred_at,type,amount,currency,cost";
        var cell = Gen.Frequency(
            (3, Gen.Const((string?)null)),
            (2, Gen.OneOf(Strings)),
            (2, Gen.OneOf(Numbers)),
            (1, Gen.String));
        var quoted = Gen.SelectMany(cell, Gen.Int[0, 4], (c, q) => Gen.Const<string?>(c is null ? null : q switch
        {
            0 => "\"" + c.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"",
            1 => "\"" + c,
            2 => c + "\n",
            _ => c,
        }));
        var row = Gen.Select(Gen.Int[0, 99_999], quoted.Array[7], (n, cells) => string.Join(',', new[]
        {
            $"fz-{n}", $"fz-c{n % 7}", "2024-01-10T12:00:00Z", "purchase", "10.5", "USD", "2",
        }.Select((valid, i) => cells[i] ?? valid)));
        var headerLine = Gen.Frequency((8, Gen.Const(header)), (1, Gen.OneOf(Strings)), (1, Gen.Const("external_id,external_id,amount")));
        return Bytes(Gen.Select(headerLine, row.Array[0, 5], Gen.OneOf("\n", "\r\n", "\r"), (h, rows, eol) => h + eol + string.Join(eol, rows)));
    }

    /// <summary>A query string of the given parameters, each valid, hostile or absent; values percent-encoded byte by byte.</summary>
    public static Gen<string> Query(params (string Name, string Valid)[] parameters)
    {
        var query = Gen.Const("");
        foreach (var (name, valid) in parameters)
        {
            var value = Gen.Frequency(
                (3, Gen.Const((string?)null)),
                (3, Gen.Const<string?>(Encode(valid))),
                (3, PathOrQueryValue.Select(v => (string?)v)));
            query = Gen.SelectMany(query, q => value.Select(v => v is null ? q : q + (q.Length == 0 ? "?" : "&") + name + "=" + v));
        }

        return query;
    }

    /// <summary>A hostile path segment: a query value without NUL, which the test server refuses before the app sees it (Kestrel answers 400).</summary>
    public static Gen<string> PathValue => PathOrQueryValue.Where(v => !v.Contains("%00", StringComparison.Ordinal));

    /// <summary>A hostile path segment or query value, already percent-encoded (some of it deliberately badly).</summary>
    public static readonly Gen<string> PathOrQueryValue = Gen.Frequency(
        (4, Gen.OneOf(Strings).Select(Encode)),
        (2, Gen.OneOf(Numbers).Select(Encode)),
        (1, Gen.String.Select(Encode)),
        (1, Gen.OneOf("%FF", "%C3%28", "%00", "%", "%%", "%zz", "%ED%A0%80", "-1", "0", "2147483647", "2147483648", "3000000", "1e3", "1000", "1001")));

    private static string Encode(string value)
    {
        var encoded = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            encoded.Append(char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'_' or (byte)'.' ? ((char)b).ToString() : $"%{b:X2}");
        }

        return encoded.ToString();
    }
}
