using Clv.Api.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Clv.Api.Currency;

/// <summary>Exchange rates into the reporting currency, for transactions and spend in other currencies.</summary>
[ApiController]
[Route("api/v1/fx-rates")]
[Authorize(Policy = Policies.Ingest)]
[Tags("Ingestion")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
public sealed class FxRatesController(FxRateIngestion ingestion) : ControllerBase
{
    /// <summary>Records daily rates, up to 10,000; a currency and date sent again in a later request replaces its rate, and twice in one request rejects the second item.</summary>
    /// <remarks>
    /// An amount in another currency is converted at ingest with the latest rate of its currency on or
    /// before its day, at most <c>Clv:FxMaxAgeDays</c> (default 7) older; without one it is rejected.
    /// The converted amount is stored with the original: rates posted later do not change amounts
    /// already stored.
    /// Invalid items are rejected by index and the valid ones stored; with <c>atomic=true</c> any invalid item
    /// fails the request with 422 and nothing is stored.
    /// </remarks>
    /// <param name="request">The rates.</param>
    /// <param name="atomic">All or nothing: any invalid item rejects the whole batch.</param>
    /// <param name="cancellationToken">Aborted with the request.</param>
    [HttpPost]
    [Consumes("application/json")]
    [ProducesResponseType<FxRatesResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status413PayloadTooLarge, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status415UnsupportedMediaType, "application/problem+json")]
    public async Task<ActionResult<FxRatesResponse>> PostAsync([FromBody] FxRatesRequest request, [FromQuery] bool atomic, CancellationToken cancellationToken)
    {
        if (request.Rates is null)
        {
            return ValidationProblem(new ValidationProblemDetails(new Dictionary<string, string[]>
            {
                ["rates"] = ["The body must be an object with a 'rates' array."],
            }));
        }

        return await ingestion.IngestAsync(request.Rates, atomic, cancellationToken);
    }
}
