using Clv.Api.Authentication;
using Clv.Api.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Clv.Api.Feedback;

/// <summary>The write path for NPS and CSAT answers.</summary>
[ApiController]
[Route("api/v1/feedback")]
[Authorize(Policy = Policies.Ingest)]
[Tags("Ingestion")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
public sealed class FeedbackIngestionController(FeedbackIngestion ingestion) : ControllerBase
{
    /// <summary>Stores a batch of up to 10,000 NPS and CSAT answers.</summary>
    /// <remarks>
    /// An NPS score is an integer 0..10, a CSAT score an integer 1..5. An external id already
    /// stored, or repeated in the batch, is a duplicate: counted, not stored again (the first answer
    /// sent under it stays, whatever a later one says), so a retried batch stores nothing new. An
    /// unknown customer is created. Invalid items are rejected by index and the valid ones stored;
    /// with <c>atomic=true</c> any invalid item fails the request with 422 and nothing is stored.
    /// </remarks>
    /// <param name="request">The batch.</param>
    /// <param name="atomic">All or nothing: any invalid item rejects the whole batch.</param>
    /// <param name="cancellationToken">Aborted with the request.</param>
    [HttpPost]
    [Consumes("application/json")]
    [ProducesResponseType<FeedbackIngestResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status413PayloadTooLarge, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status415UnsupportedMediaType, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public async Task<ActionResult<FeedbackIngestResponse>> PostAsync(
        [FromBody] FeedbackBatchRequest request, [FromQuery] bool atomic, CancellationToken cancellationToken)
    {
        if (request.Feedback is null)
        {
            return ValidationProblem(new ValidationProblemDetails(new Dictionary<string, string[]>
            {
                ["feedback"] = ["The body must be an object with a 'feedback' array."],
            }));
        }

        return await ingestion.IngestAsync(request.Feedback, atomic, cancellationToken);
    }

    /// <summary>Imports answers from a CSV file of any size, streamed.</summary>
    /// <remarks>
    /// Header: <c>external_id,customer_external_id,answered_at,kind,score[,comment]</c>, in any
    /// column order; the rules of the JSON items. UTF-8 with or without a BOM, RFC 4180 quoting.
    /// Errors carry 1-based line numbers, the header being line 1. Rows are written in chunks of
    /// 10,000, each its own database transaction (re-sending is safe); with <c>atomic=true</c> the
    /// whole file is one, and any invalid row fails the request with 422 and nothing is stored.
    /// </remarks>
    /// <param name="atomic">All or nothing for the whole file.</param>
    /// <param name="cancellationToken">Aborted with the request.</param>
    [HttpPost("import")]
    [TrimsHeap]
    [Consumes("text/csv")]
    [ProducesResponseType<FeedbackIngestResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status413PayloadTooLarge, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status415UnsupportedMediaType, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public async Task<ActionResult<FeedbackIngestResponse>> ImportAsync([FromQuery] bool atomic, CancellationToken cancellationToken) =>
        await ingestion.ImportCsvAsync(Request.Body, atomic, cancellationToken);
}
