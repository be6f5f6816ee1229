using System.Globalization;
using System.Text.Json;

namespace Clv.CrashHarness;

/// <summary>
/// A unit of atomicity: rows the API promises to store all or none of. A JSON batch is one; a CSV
/// import is one per 50,000-row chunk, or one for the whole file when atomic.
/// </summary>
internal sealed record Unit(string Name, int Rows, decimal Amount);

/// <summary>One request the harness sent, what it carried and how the API answered.</summary>
internal sealed record Sent(string Request, string Kind, List<Unit> Units)
{
    /// <summary>2xx whose counts cover every row: inserted + duplicates = rows, none rejected.</summary>
    public bool Acknowledged { get; set; }

    /// <summary>The status, or the client-side failure (connection reset, refused, timeout).</summary>
    public string Outcome { get; set; } = "not sent";

    /// <summary>A 2xx whose counts do not cover the rows: a broken promise in itself.</summary>
    public bool CountsMismatch { get; set; }

    /// <summary>When the request was sent and when its answer or failure came, in Unix milliseconds.</summary>
    public long StartedAt { get; set; }

    /// <inheritdoc cref="StartedAt"/>
    public long EndedAt { get; set; }

    /// <summary>Whether the request was on its way at <paramref name="unixMilliseconds"/>.</summary>
    public bool InFlightAt(long unixMilliseconds) => StartedAt <= unixMilliseconds && unixMilliseconds <= EndedAt;

    public int Rows => Units.Sum(u => u.Rows);
}

/// <summary>The requests of a run as JSON lines, written by <c>write</c> and read by <c>verify</c>.</summary>
internal static class Ledger
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task SaveAsync(string path, IEnumerable<Sent> sent)
    {
        await File.WriteAllLinesAsync(path, sent.Select(s => JsonSerializer.Serialize(s, Json)));
    }

    public static async Task<List<Sent>> LoadAsync(string path) =>
        (await File.ReadAllLinesAsync(path)).Select(l => JsonSerializer.Deserialize<Sent>(l, Json)!).ToList();

    /// <summary>The amount of row <paramref name="i"/> of a request: deterministic, so the verifier can check contents too.</summary>
    public static decimal AmountOf(int i) => 1m + (i % 97) + (i % 4) * 0.25m;

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
