using System.Text.Json;
using Clv.Api.Observability;
using Clv.Api.Requests;
using Clv.Data.Ingestion;
using FluentValidation;

namespace Clv.Api.Customers;

/// <summary>Validates customer profiles and upserts the valid ones.</summary>
public sealed class CustomerIngestion(CustomerWriter writer, IValidator<CustomerItem> validator, TimeProvider time, ClvMetrics metrics)
{
    /// <summary>Upserts a batch; a later item repeating an external id of the batch is rejected. Atomic, any invalid item rejects the batch.</summary>
    public async Task<CustomerIngestResponse> IngestAsync(IReadOnlyList<CustomerItem?> items, bool atomic, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        ItemErrors.ThrowIfTooMany(items.Count);
        var errors = new ItemErrors();
        var firstIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var unique = new List<CustomerRow>(items.Count);
        foreach (var (index, row) in errors.ValidateAll(items, validator, ToRow))
        {
            if (!firstIndex.TryAdd(row.ExternalId, index))
            {
                errors.Reject([new ItemError { Index = index, Field = "externalId", Message = $"Repeats the external id of item {firstIndex[row.ExternalId]} in this batch." }]);
                continue;
            }

            unique.Add(row);
        }

        metrics.ItemsRejected(ClvMetrics.Kinds.Customers, errors.Rejected);
        errors.ThrowIfAtomicAndRejected(atomic);
        var counts = await writer.UpsertAsync(unique, time.GetUtcNow(), cancellationToken);
        metrics.RowsIngested(ClvMetrics.Kinds.Customers, counts.Created + counts.Updated);
        return new CustomerIngestResponse
        {
            Created = (int)counts.Created,
            Updated = (int)counts.Updated,
            Unchanged = (int)counts.Unchanged,
            Rejected = (int)errors.Rejected,
            ErrorsTruncated = errors.Truncated,
            Errors = errors.Errors,
        };
    }

    private static CustomerRow ToRow(CustomerItem item) => new(
        item.ExternalId!,
        IsoDateTime.TryParse(item.AcquiredAt, out var at) ? at : null,
        item.AcquisitionChannel?.Trim(),
        item.Country?.ToUpperInvariant(),
        item.Attributes is null ? null : JsonSerializer.Serialize(item.Attributes));
}
