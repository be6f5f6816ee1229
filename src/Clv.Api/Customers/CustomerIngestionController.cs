using Clv.Api.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Clv.Api.Customers;

/// <summary>The write path for customer profiles.</summary>
[ApiController]
[Route("api/v1/customers")]
[Authorize(Policy = Policies.Ingest)]
[Tags("Ingestion")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
public sealed class CustomerIngestionController(CustomerIngestion ingestion) : ControllerBase
{
    /// <summary>Creates or updates up to 10,000 customers by external id.</summary>
    /// <remarks>
    /// Fields that are absent or null keep their stored values. A customer sent without
    /// <c>acquiredAt</c> is taken as acquired at their first transaction or subscription start, whichever is earlier.
    /// A customer sent as stored counts as <c>unchanged</c> and is not written.
    /// Invalid items are rejected by index and the valid ones stored; with <c>atomic=true</c> any invalid item
    /// fails the request with 422 and nothing is stored.
    /// </remarks>
    /// <param name="request">The batch.</param>
    /// <param name="atomic">All or nothing: any invalid item rejects the whole batch.</param>
    /// <param name="cancellationToken">Aborted with the request.</param>
    [HttpPost]
    [Consumes("application/json")]
    [ProducesResponseType<CustomerIngestResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status413PayloadTooLarge, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status415UnsupportedMediaType, "application/problem+json")]
    public async Task<ActionResult<CustomerIngestResponse>> PostAsync([FromBody] CustomerBatchRequest request, [FromQuery] bool atomic, CancellationToken cancellationToken)
    {
        if (request.Customers is null)
        {
            return ValidationProblem(new ValidationProblemDetails(new Dictionary<string, string[]>
            {
                ["customers"] = ["The body must be an object with a 'customers' array."],
            }));
        }

        return await ingestion.IngestAsync(request.Customers, atomic, cancellationToken);
    }
}
