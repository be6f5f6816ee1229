using System.Text.Json;
using Npgsql;

namespace Clv.Data.ModelRuns;

/// <summary>One group's interval of predicted customer equity, as a run stores it.</summary>
/// <param name="Grouping"><c>overall</c>, <c>acquisitionChannel</c> or <c>country</c>.</param>
/// <param name="Key">The segment key (<c>overall</c> for the whole run).</param>
/// <param name="Lower">The lower end, in the reporting currency.</param>
/// <param name="Upper">The upper end.</param>
public sealed record StoredEquityInterval(string Grouping, string Key, decimal Lower, decimal Upper);

/// <summary>
/// What a run stores of its intervals (<see cref="ModelRun.EquityIntervals"/>): their level, the equity intervals,
/// or why there are none.
/// </summary>
/// <param name="Level">The level of every interval of the run.</param>
/// <param name="Equity">The intervals of customer equity, overall first.</param>
/// <param name="Warning">Why the run has no intervals although it asked for them; null when it has them.</param>
public sealed record RunIntervals(double Level, IReadOnlyList<StoredEquityInterval> Equity, string? Warning)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The stored JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads the stored JSON; null for null.</summary>
    public static RunIntervals? FromJson(string? json) => json is null ? null : JsonSerializer.Deserialize<RunIntervals>(json, Json);

    /// <summary>The interval of one group, as [lower, upper]; null when the run has none for it.</summary>
    public IReadOnlyList<decimal>? Of(string grouping, string key) =>
        Equity.FirstOrDefault(e => e.Grouping == grouping && e.Key == key) is { } e ? [e.Lower, e.Upper] : null;

    /// <summary>
    /// The intervals of the active run, read on <paramref name="connection"/> (in the snapshot of the figures they go
    /// with); null without an active run or when it has none.
    /// </summary>
    public static async Task<RunIntervals?> ActiveAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = new NpgsqlCommand("SELECT equity_intervals::text FROM model_runs WHERE is_active", connection);
        return FromJson(await command.ExecuteScalarAsync(cancellationToken) as string);
    }
}
