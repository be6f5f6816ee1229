using Clv.Api.Requests;

namespace Clv.Api.Spend;

/// <summary>Acquisition spend to record, one row per channel and period.</summary>
public sealed class SpendBatchRequest
{
    /// <summary>At most 10,000 rows.</summary>
    public List<SpendItem>? Spend { get; set; }
}

/// <summary>Money spent on one channel over a period. The same channel and period again replaces the amount.</summary>
public sealed class SpendItem
{
    /// <summary>The acquisition channel, at most 64 characters, as on customers.</summary>
    /// <example>paid_search</example>
    public string? Channel { get; set; }

    /// <summary>First day of the period (YYYY-MM-DD).</summary>
    /// <example>2024-03-01</example>
    public string? PeriodStart { get; set; }

    /// <summary>Last day of the period, inclusive (YYYY-MM-DD).</summary>
    /// <example>2024-03-31</example>
    public string? PeriodEnd { get; set; }

    /// <summary>Amount spent, at least 0, at most 4 decimals.</summary>
    /// <example>12000</example>
    public decimal? Amount { get; set; }

    /// <summary>
    /// ISO 4217 code (required). Another currency than the reporting one is converted with the
    /// latest rate posted to <c>/api/v1/fx-rates</c> on or before the period's first day, at most
    /// <c>Clv:FxMaxAgeDays</c> older; without such a rate the item is rejected.
    /// </summary>
    /// <example>USD</example>
    public string? Currency { get; set; }
}

/// <summary>What happened to a batch of spend rows.</summary>
public sealed class SpendIngestResponse
{
    /// <summary>Rows for a new channel and period.</summary>
    public int Created { get; set; }

    /// <summary>Rows that replaced the amount of a stored channel and period.</summary>
    public int Updated { get; set; }

    /// <summary>
    /// Rows sent as stored (the same amount and currency for a stored channel and period): not
    /// written, and a batch of only these leaves every answer as it was.
    /// </summary>
    public int Unchanged { get; set; }

    /// <summary>Invalid items, not stored.</summary>
    public int Rejected { get; set; }

    /// <summary>Whether <c>errors</c> was cut at its limit of 1,000 entries.</summary>
    public bool ErrorsTruncated { get; set; }

    /// <summary>One entry per invalid field, naming the item.</summary>
    public List<ItemError> Errors { get; set; } = [];
}
