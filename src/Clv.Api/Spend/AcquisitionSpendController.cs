using Clv.Analytics.Currency;
using Clv.Api.Authentication;
using Clv.Api.Ingestion;
using Clv.Api.Observability;
using Clv.Api.Requests;
using Clv.Data.Ingestion;
using FluentValidation;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Clv.Api.Spend;

/// <summary>The write path for acquisition spend, which CAC is computed from.</summary>
[ApiController]
[Route("api/v1/acquisition-spend")]
[Authorize(Policy = Policies.Ingest)]
[Tags("Ingestion")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
public sealed class AcquisitionSpendController(SpendWriter writer, IValidator<SpendItem> validator, CurrencyConverter converter, TimeProvider time, ClvMetrics metrics) : ControllerBase
{
    /// <summary>Records spend per channel and period, up to 10,000 rows.</summary>
    /// <remarks>
    /// A (channel, periodStart, periodEnd) already stored is replaced, so re-sending a period is
    /// safe. A later row repeating a period of the same batch is rejected.
    /// </remarks>
    /// <param name="request">The batch.</param>
    /// <param name="cancellationToken">Aborted with the request.</param>
    [HttpPost]
    [Consumes("application/json")]
    [ProducesResponseType<SpendIngestResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status413PayloadTooLarge, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status415UnsupportedMediaType, "application/problem+json")]
    public async Task<ActionResult<SpendIngestResponse>> PostAsync([FromBody] SpendBatchRequest request, CancellationToken cancellationToken)
    {
        if (request.Spend is null)
        {
            return ValidationProblem(new ValidationProblemDetails(new Dictionary<string, string[]>
            {
                ["spend"] = ["The body must be an object with a 'spend' array."],
            }));
        }

        ItemErrors.ThrowIfTooMany(request.Spend.Count);
        var errors = new ItemErrors();
        var seen = new Dictionary<(string, DateOnly, DateOnly), int>();
        var rows = new List<SpendRow>(request.Spend.Count);
        foreach (var (index, sent) in errors.ValidateAll(request.Spend, validator, ToRow))
        {
            // Spend in another currency converts at the rate of its first day.
            var row = sent;
            if (sent.Currency != converter.Reporting)
            {
                var (rate, error) = await converter.RateAsync(sent.Currency, sent.PeriodStart, cancellationToken);
                if (rate is not { } r)
                {
                    errors.Reject([new ItemError { Index = index, Field = "currency", Message = error! }]);
                    continue;
                }

                row = sent with
                {
                    Amount = FxRateBook.Convert(sent.Amount, r),
                    Currency = converter.Reporting,
                    OriginalAmount = sent.Amount,
                    OriginalCurrency = sent.Currency,
                    FxRate = r.RateToReporting,
                };
            }

            if (!seen.TryAdd((row.Channel, row.PeriodStart, row.PeriodEnd), index))
            {
                errors.Reject([new ItemError { Index = index, Field = "channel", Message = $"Repeats the channel and period of item {seen[(row.Channel, row.PeriodStart, row.PeriodEnd)]} in this batch." }]);
                continue;
            }

            rows.Add(row);
        }

        metrics.ItemsRejected(ClvMetrics.Kinds.AcquisitionSpend, errors.Rejected);
        var counts = await writer.UpsertAsync(rows, time.GetUtcNow(), cancellationToken);
        metrics.RowsIngested(ClvMetrics.Kinds.AcquisitionSpend, counts.Created + counts.Existing);
        return new SpendIngestResponse
        {
            Created = (int)counts.Created,
            Updated = (int)counts.Existing,
            Rejected = (int)errors.Rejected,
            Errors = errors.Errors,
        };
    }

    private static SpendRow ToRow(SpendItem item) => new(
        item.Channel!.Trim(),
        IsoDateTime.TryParseDate(item.PeriodStart, out var start) ? start : throw new InvalidOperationException("Map only validated items."),
        IsoDateTime.TryParseDate(item.PeriodEnd, out var end) ? end : throw new InvalidOperationException("Map only validated items."),
        item.Amount!.Value,
        item.Currency!.ToUpperInvariant());
}
