using Clv.Api.Authentication;
using Clv.Api.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Clv.Api.Subscriptions;

/// <summary>The write path for subscriptions (contractual customers).</summary>
[ApiController]
[Route("api/v1/subscriptions")]
[Authorize(Policy = Policies.Ingest)]
[Tags("Ingestion")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
public sealed class SubscriptionIngestionController(SubscriptionIngestion ingestion) : ControllerBase
{
    /// <summary>Creates or updates a batch of up to 10,000 subscriptions by external id.</summary>
    /// <remarks>
    /// Each item states the subscription as it stands: an external id already stored is updated to
    /// the item (plan, <c>startedAt</c>, <c>endedAt</c>, billing period, amount and currency); sending
    /// it again with <c>endedAt</c> records the cancellation, and without <c>endedAt</c> reopens it. A
    /// subscription cannot move to another customer: an item naming another customer than the
    /// stored one is rejected. An item equal to the stored subscription counts as unchanged, so a
    /// retried batch changes nothing. An unknown customer is created; another currency than the
    /// reporting one is converted at the rate of the start's day. An external id repeated in the
    /// batch is rejected after its first item. Invalid items are rejected by index and the valid ones
    /// stored; with <c>atomic=true</c> any invalid item fails the request with 422 and nothing is stored.
    /// </remarks>
    /// <param name="request">The batch.</param>
    /// <param name="atomic">All or nothing: any invalid item rejects the whole batch.</param>
    /// <param name="cancellationToken">Aborted with the request.</param>
    [HttpPost]
    [Consumes("application/json")]
    [ProducesResponseType<SubscriptionIngestResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status413PayloadTooLarge, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status415UnsupportedMediaType, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public async Task<ActionResult<SubscriptionIngestResponse>> PostAsync(
        [FromBody] SubscriptionBatchRequest request, [FromQuery] bool atomic, CancellationToken cancellationToken)
    {
        if (request.Subscriptions is null)
        {
            return ValidationProblem(new ValidationProblemDetails(new Dictionary<string, string[]>
            {
                ["subscriptions"] = ["The body must be an object with a 'subscriptions' array."],
            }));
        }

        return await ingestion.IngestAsync(request.Subscriptions, atomic, cancellationToken);
    }

    /// <summary>Imports subscriptions from a CSV file, streamed.</summary>
    /// <remarks>
    /// Header: <c>external_id,customer_external_id,plan,started_at,billing_period,amount,currency[,ended_at]</c>,
    /// in any column order; the rules of the JSON items, an external id repeated in the file rejected
    /// after its first row. UTF-8 with or without a BOM, RFC 4180 quoting. Errors carry 1-based line
    /// numbers, the header being line 1. Rows are written in chunks of 10,000, each its own database
    /// transaction (re-sending is safe); with <c>atomic=true</c> the whole file is one, and any invalid
    /// row fails the request with 422 and nothing is stored.
    /// </remarks>
    /// <param name="atomic">All or nothing for the whole file.</param>
    /// <param name="cancellationToken">Aborted with the request.</param>
    [HttpPost("import")]
    [TrimsHeap]
    [Consumes("text/csv")]
    [ProducesResponseType<SubscriptionIngestResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status413PayloadTooLarge, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status415UnsupportedMediaType, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public async Task<ActionResult<SubscriptionIngestResponse>> ImportAsync([FromQuery] bool atomic, CancellationToken cancellationToken) =>
        await ingestion.ImportCsvAsync(Request.Body, atomic, cancellationToken);
}
