namespace Clv.Data.Customers;

/// <summary>A customer as the CRM knows it, keyed by the CRM's id.</summary>
public sealed class Customer
{
    public long Id { get; set; }

    /// <summary>The CRM's id: unique, at most 128 characters.</summary>
    public required string ExternalId { get; set; }

    /// <summary>When the customer was acquired; defaults to the first transaction.</summary>
    public DateTimeOffset? AcquiredAt { get; set; }

    /// <summary>True when the CRM sent <see cref="AcquiredAt"/>; false while it follows the first transaction.</summary>
    public bool AcquiredAtIsExplicit { get; set; }

    public string? AcquisitionChannel { get; set; }

    /// <summary>ISO 3166-1 alpha-2 country code.</summary>
    public string? Country { get; set; }

    /// <summary>Free segment tags as a JSON object of strings (jsonb).</summary>
    public string? Attributes { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
