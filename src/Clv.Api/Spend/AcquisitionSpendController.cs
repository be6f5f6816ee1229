using Clv.Api.Authentication;
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
public sealed class AcquisitionSpendController(SpendIngestion ingestion) : ControllerBase
{
    /// <summary>Records spend per channel and period, up to 10,000 rows.</summary>
    /// <remarks>
    /// A (channel, periodStart, periodEnd) already stored is replaced, so re-sending a period is
    /// safe. A later row repeating a period of the same batch is rejected.
    /// Invalid items are rejected by index and the valid ones stored; with <c>atomic=true</c> any invalid item
    /// fails the request with 422 and nothing is stored.
    /// </remarks>
    /// <param name="request">The batch.</param>
    /// <param name="atomic">All or nothing: any invalid item rejects the whole batch.</param>
    /// <param name="cancellationToken">Aborted with the request.</param>
    [HttpPost]
    [Consumes("application/json")]
    [ProducesResponseType<SpendIngestResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status413PayloadTooLarge, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status415UnsupportedMediaType, "application/problem+json")]
    public async Task<ActionResult<SpendIngestResponse>> PostAsync([FromBody] SpendBatchRequest request, [FromQuery] bool atomic, CancellationToken cancellationToken)
    {
        if (request.Spend is null)
        {
            return ValidationProblem(new ValidationProblemDetails(new Dictionary<string, string[]>
            {
                ["spend"] = ["The body must be an object with a 'spend' array."],
            }));
        }

        return await ingestion.IngestAsync(request.Spend, atomic, cancellationToken);
    }
}
