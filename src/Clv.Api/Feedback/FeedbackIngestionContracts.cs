using Clv.Api.Requests;

namespace Clv.Api.Feedback;

/// <summary>A batch of survey answers from a CRM.</summary>
public sealed class FeedbackBatchRequest
{
    /// <summary>At most 10,000 answers.</summary>
    public List<FeedbackItem>? Feedback { get; set; }
}

/// <summary>One NPS or CSAT answer.</summary>
public sealed class FeedbackItem
{
    /// <summary>The CRM's answer id, at most 128 characters; the answer's idempotency key.</summary>
    /// <example>nps-2024-0001</example>
    public string? ExternalId { get; set; }

    /// <summary>The CRM's customer id. An unknown customer is created.</summary>
    /// <example>cust-42</example>
    public string? CustomerExternalId { get; set; }

    /// <summary>When the customer answered: ISO 8601 date-time with an offset, from 1970-01-01 to one day ahead of now.</summary>
    /// <example>2024-03-20T09:15:00Z</example>
    public string? AnsweredAt { get; set; }

    /// <summary><c>nps</c> (score 0..10) or <c>csat</c> (score 1..5).</summary>
    /// <example>nps</example>
    public string? Kind { get; set; }

    /// <summary>An integer: 0..10 for NPS, 1..5 for CSAT.</summary>
    /// <example>9</example>
    public decimal? Score { get; set; }

    /// <summary>Optional free text, at most 4,000 characters; erased with the customer.</summary>
    /// <example>Fast delivery.</example>
    public string? Comment { get; set; }
}

/// <summary>What happened to a batch of answers.</summary>
public sealed class FeedbackIngestResponse
{
    /// <summary>Items (or CSV data rows) received.</summary>
    public long Received { get; set; }

    /// <summary>Answers stored by this request.</summary>
    public long Inserted { get; set; }

    /// <summary>Valid answers whose external id was already stored, or repeated earlier in the batch: the first stays.</summary>
    public long Duplicates { get; set; }

    /// <summary>Invalid items, not stored.</summary>
    public long Rejected { get; set; }

    /// <summary>Whether <c>errors</c> was cut at its limit of 1,000 entries.</summary>
    public bool ErrorsTruncated { get; set; }

    /// <summary>One entry per invalid field, naming the item.</summary>
    public List<ItemError> Errors { get; set; } = [];
}
