using System.Text.Json;
using Clv.Analytics.Historical;
using Clv.Data.Customers;

namespace Clv.Api.Customers;

/// <summary>A customer's profile and historical CLV.</summary>
public sealed class CustomerResponse
{
    /// <summary>The CRM's customer id.</summary>
    /// <example>cust-42</example>
    public required string ExternalId { get; init; }

    /// <summary>When the customer was acquired: as sent, or else their first transaction.</summary>
    public DateTimeOffset? AcquiredAt { get; init; }

    /// <summary>The acquisition channel.</summary>
    /// <example>paid_search</example>
    public string? AcquisitionChannel { get; init; }

    /// <summary>ISO 3166-1 alpha-2 country code.</summary>
    /// <example>DE</example>
    public string? Country { get; init; }

    /// <summary>Free segment tags.</summary>
    public Dictionary<string, string>? Attributes { get; init; }

    /// <summary>When Clv first stored the customer.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When Clv last changed the profile.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Historical CLV as of <c>asOf</c>, or now.</summary>
    public required HistoricalResponse Historical { get; init; }

    /// <summary>Maps a profile and its figures.</summary>
    public static CustomerResponse From(Customer c, HistoricalMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(c);
        return new CustomerResponse
        {
            ExternalId = c.ExternalId,
            AcquiredAt = c.AcquiredAt,
            AcquisitionChannel = c.AcquisitionChannel,
            Country = c.Country,
            Attributes = c.Attributes is null ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(c.Attributes),
            CreatedAt = c.CreatedAt,
            UpdatedAt = c.UpdatedAt,
            Historical = HistoricalResponse.From(metrics),
        };
    }
}

/// <summary>Historical CLV figures. Money is in the reporting currency.</summary>
public sealed class HistoricalResponse
{
    /// <summary>Transactions of type purchase.</summary>
    /// <example>4</example>
    public int PurchaseCount { get; init; }

    /// <summary>Distinct calendar days with a purchase, in the reporting time zone.</summary>
    /// <example>3</example>
    public int PurchaseDays { get; init; }

    /// <summary>Purchase days after the first (purchaseDays − 1, or 0).</summary>
    /// <example>2</example>
    public int RepeatPurchaseDays { get; init; }

    /// <summary>Sum of purchases.</summary>
    /// <example>120.5</example>
    public decimal GrossRevenue { get; init; }

    /// <summary>Sum of refunds.</summary>
    /// <example>20</example>
    public decimal Refunds { get; init; }

    /// <summary>Gross revenue less refunds.</summary>
    /// <example>100.5</example>
    public decimal NetRevenue { get; init; }

    /// <summary>Net revenue less known cost; null when no transaction carried a cost.</summary>
    /// <example>60.5</example>
    public decimal? GrossProfit { get; init; }

    /// <summary>Gross revenue per purchase, to 4 decimals; null without purchases.</summary>
    /// <example>30.125</example>
    public decimal? AverageOrderValue { get; init; }

    /// <summary>The first purchase.</summary>
    public DateTimeOffset? FirstPurchaseAt { get; init; }

    /// <summary>The latest purchase.</summary>
    public DateTimeOffset? LastPurchaseAt { get; init; }

    /// <summary>Calendar days from acquisition to the as-of date.</summary>
    /// <example>400</example>
    public int? TenureDays { get; init; }

    /// <summary>Calendar days from the latest purchase to the as-of date.</summary>
    /// <example>12</example>
    public int? RecencyDays { get; init; }

    /// <summary>Historical CLV: net revenue to date.</summary>
    /// <example>100.5</example>
    public decimal HistoricalClv { get; init; }

    /// <summary>Maps the calculated figures.</summary>
    public static HistoricalResponse From(HistoricalMetrics m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return new HistoricalResponse
        {
            PurchaseCount = m.PurchaseCount,
            PurchaseDays = m.PurchaseDays,
            RepeatPurchaseDays = m.RepeatPurchaseDays,
            GrossRevenue = m.GrossRevenue,
            Refunds = m.Refunds,
            NetRevenue = m.NetRevenue,
            GrossProfit = m.GrossProfit,
            AverageOrderValue = m.AverageOrderValue,
            FirstPurchaseAt = m.FirstPurchaseAt,
            LastPurchaseAt = m.LastPurchaseAt,
            TenureDays = m.TenureDays,
            RecencyDays = m.RecencyDays,
            HistoricalClv = m.HistoricalClv,
        };
    }
}

/// <summary>One page of customers.</summary>
public sealed class CustomerPage
{
    /// <summary>The customers of this page, in the requested order.</summary>
    public required List<CustomerResponse> Items { get; init; }

    /// <summary>Rows per page.</summary>
    /// <example>100</example>
    public int PageSize { get; init; }

    /// <summary>The page number, when paging by number.</summary>
    public int? Page { get; init; }

    /// <summary>Pass as <c>cursor</c> to get the next page; null on the last page.</summary>
    public string? NextCursor { get; init; }
}

/// <summary>A row of the customer CSV export: the profile flattened with its historical figures.</summary>
public sealed record CustomerCsvRow(
    string ExternalId,
    DateTimeOffset? AcquiredAt,
    string? AcquisitionChannel,
    string? Country,
    string? Attributes,
    HistoricalResponse Historical);
