using Clv.Api.Authentication;
using Clv.Api.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Clv.Api.Transactions;

/// <summary>The write path for purchases and refunds.</summary>
[ApiController]
[Route("api/v1/transactions")]
[Authorize(Policy = Policies.Ingest)]
[Tags("Ingestion")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
public sealed class TransactionsController(TransactionIngestion ingestion) : ControllerBase
{
    /// <summary>Stores a batch of up to 10,000 transactions.</summary>
    /// <remarks>
    /// An external id already stored, or repeated in the batch, is a duplicate: counted, not stored
    /// again, so a retried batch stores nothing new. An unknown customer is created. Invalid items
    /// are rejected by index and the valid ones stored; with <c>atomic=true</c> any invalid item
    /// fails the request with 422 and nothing is stored.
    /// </remarks>
    /// <param name="request">The batch.</param>
    /// <param name="atomic">All or nothing: any invalid item rejects the whole batch.</param>
    /// <param name="cancellationToken">Aborted with the request.</param>
    [HttpPost]
    [Consumes("application/json")]
    [ProducesResponseType<TransactionIngestResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status413PayloadTooLarge, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status415UnsupportedMediaType, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public async Task<ActionResult<TransactionIngestResponse>> PostAsync(
        [FromBody] TransactionBatchRequest request, [FromQuery] bool atomic, CancellationToken cancellationToken)
    {
        if (request.Transactions is null)
        {
            return ValidationProblem(new ValidationProblemDetails(new Dictionary<string, string[]>
            {
                ["transactions"] = ["The body must be an object with a 'transactions' array."],
            }));
        }

        return await ingestion.IngestAsync(request.Transactions, atomic, cancellationToken);
    }

    /// <summary>Imports transactions from a CSV file of any size, streamed.</summary>
    /// <remarks>
    /// Header: <c>external_id,customer_external_id,occurred_at,type,amount,currency[,cost]</c>, in any
    /// column order. UTF-8 with or without a BOM, CRLF, LF or CR, RFC 4180 quoting. Errors carry
    /// 1-based line numbers, the header being line 1 (a line break inside quotes counts). Malformed
    /// quoting, invalid UTF-8, a field over 1 MiB or a record over 2 MiB stops the import with 400.
    /// Two writers store the rows, a customer's rows all going to one (by a hash of the customer
    /// id: docs/api.md); each writer's rows are written in
    /// chunks of 50,000, each its own database transaction. With <c>atomic=true</c> the whole file
    /// is one, and any invalid row fails the request with 422 and nothing is stored.
    /// </remarks>
    /// <param name="atomic">All or nothing for the whole file.</param>
    /// <param name="cancellationToken">Aborted with the request.</param>
    [HttpPost("import")]
    [TrimsHeap]
    [Consumes("text/csv")]
    [ProducesResponseType<TransactionIngestResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status413PayloadTooLarge, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status415UnsupportedMediaType, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public async Task<ActionResult<TransactionIngestResponse>> ImportAsync([FromQuery] bool atomic, CancellationToken cancellationToken) =>
        await ingestion.ImportCsvAsync(Request.Body, atomic, cancellationToken);
}
