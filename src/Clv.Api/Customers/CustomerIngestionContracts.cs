using Clv.Api.Requests;

namespace Clv.Api.Customers;

/// <summary>A batch of customers to create or update by external id.</summary>
public sealed class CustomerBatchRequest
{
    /// <summary>At most 10,000 customers.</summary>
    public List<CustomerItem>? Customers { get; set; }
}

/// <summary>A customer profile. Absent or null fields keep their stored values on update.</summary>
public sealed class CustomerItem
{
    /// <summary>The CRM's customer id, at most 128 characters.</summary>
    /// <example>cust-42</example>
    public string? ExternalId { get; set; }

    /// <summary>When the customer was acquired (ISO 8601 with offset). Defaults to the first transaction or subscription start, whichever is earlier.</summary>
    /// <example>2024-01-05T09:00:00Z</example>
    public string? AcquiredAt { get; set; }

    /// <summary>The acquisition channel, at most 64 characters.</summary>
    /// <example>paid_search</example>
    public string? AcquisitionChannel { get; set; }

    /// <summary>ISO 3166-1 alpha-2 country code.</summary>
    /// <example>DE</example>
    public string? Country { get; set; }

    /// <summary>Free segment tags: at most 50 string values, keys up to 64 characters, values up to 256.</summary>
    public Dictionary<string, string>? Attributes { get; set; }
}

/// <summary>What happened to a batch of customers.</summary>
public sealed class CustomerIngestResponse
{
    /// <summary>Customers created.</summary>
    public int Created { get; set; }

    /// <summary>Existing customers the batch changed.</summary>
    public int Updated { get; set; }

    /// <summary>Existing customers sent as stored (fields absent from the item keep their values): nothing written, nothing invalidated.</summary>
    public int Unchanged { get; set; }

    /// <summary>Invalid items, not stored.</summary>
    public int Rejected { get; set; }

    /// <summary>Whether <c>errors</c> was cut at its limit of 1,000 entries.</summary>
    public bool ErrorsTruncated { get; set; }

    /// <summary>One entry per invalid field, naming the item.</summary>
    public List<ItemError> Errors { get; set; } = [];
}
