using Clv.Api.Requests;

namespace Clv.Api.Currency;

/// <summary>Daily exchange rates.</summary>
public sealed class FxRatesRequest
{
    /// <summary>At most 10,000 rates.</summary>
    public List<FxRateItem?>? Rates { get; set; }
}

/// <summary>One currency's rate into the reporting currency on one day.</summary>
public sealed class FxRateItem
{
    /// <summary>The day (YYYY-MM-DD).</summary>
    /// <example>2024-03-01</example>
    public string? Date { get; set; }

    /// <summary>ISO 4217 code, not the reporting currency.</summary>
    /// <example>EUR</example>
    public string? Currency { get; set; }

    /// <summary>Reporting-currency units per unit of the currency, at most 10 decimals.</summary>
    /// <example>1.0837</example>
    public decimal? RateToReporting { get; set; }
}

/// <summary>What happened to a batch of rates.</summary>
public sealed class FxRatesResponse
{
    /// <summary>Rates for a new currency and date.</summary>
    public int Created { get; init; }

    /// <summary>Rates that replaced a stored one.</summary>
    public int Updated { get; init; }

    /// <summary>Rates sent as stored (the same rate for a stored currency and date): not written.</summary>
    public int Unchanged { get; init; }

    /// <summary>Invalid items, not stored.</summary>
    public int Rejected { get; init; }

    /// <summary>Whether <c>errors</c> was cut at its limit of 1,000 entries.</summary>
    public bool ErrorsTruncated { get; init; }

    /// <summary>One entry per invalid field, naming the item.</summary>
    public required List<ItemError> Errors { get; init; }
}
