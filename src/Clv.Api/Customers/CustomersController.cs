using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Clv.Analytics.Historical;
using Clv.Analytics.Portfolio;
using Clv.Api.Authentication;
using Clv.Api.Infrastructure;
using Clv.Api.ModelRuns;
using Clv.Api.Portfolio;
using Clv.Api.Requests;
using Clv.Api.Subscriptions;
using Clv.Data;
using Clv.Data.Customers;
using Clv.Data.Feedback;
using Clv.Data.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Clv.Api.Customers;

/// <summary>The read path for customers and their historical CLV.</summary>
[ApiController]
[Route("api/v1/customers")]
[Authorize(Policy = Policies.Read)]
[Tags("Customers")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
public sealed class CustomersController(ClvDbContext db, IOptions<ClvOptions> options, TimeProvider time, PortfolioRankings rankings, ExportGate exports) : ControllerBase
{
    /// <summary>The largest page.</summary>
    public const int MaxPageSize = 1_000;

    /// <summary>One customer's profile, historical CLV, predicted CLV, RFM, churn, spend trend, latest NPS and CSAT answers, and subscriptions.</summary>
    /// <remarks>With <c>Accept: text/csv</c>, one row of the same fields, nested ones as <c>historical.netRevenue</c>.</remarks>
    /// <param name="externalId">The CRM's customer id, percent-encoded (a <c>/</c> in it as <c>%2F</c>).</param>
    /// <param name="asOf">The figures as they stood at the end of this day (YYYY-MM-DD) in the reporting time zone.</param>
    /// <param name="cancellationToken">Aborted with the request.</param>
    [HttpGet("{externalId}")]
    [ProducesResponseType<CustomerResponse>(StatusCodes.Status200OK, "application/json", "text/csv")]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public async Task<IActionResult> GetAsync(string externalId, [FromQuery] DateOnly? asOf, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        QueryDates.Check(errors, "asOf", asOf, QueryDates.Latest);
        if (errors.Count > 0)
        {
            return ValidationProblem(new ValidationProblemDetails(errors));
        }

        externalId = PathIds.LastSegment(HttpContext, externalId);
        // One round trip finds the profile, the summary, the days and the active prediction.
        var row = await db.FindCustomerAsync(externalId, cancellationToken);
        if (row is null)
        {
            return Problem(statusCode: StatusCodes.Status404NotFound, title: "Customer not found", detail: $"No customer has the external id '{externalId}'.");
        }

        var timeZone = options.Value.TimeZone;
        var customer = row.Customer;
        var reference = asOf ?? Today;
        HistoricalMetrics metrics;
        IEnumerable<DayFact> days;
        if (asOf is null)
        {
            metrics = row.Totals.ToMetrics(customer.AcquiredAt, time.GetUtcNow(), timeZone);
            days = row.Days!;
        }
        else
        {
            var cutoff = HistoricalClvCalculator.EndOfDay(asOf.Value, timeZone);
            var transactions = await db.TransactionRecordsAsync(customer.Id, cutoff, cancellationToken);
            metrics = HistoricalClvCalculator.Compute(transactions, customer.AcquiredAt, cutoff.AddTicks(-1), cutoff, timeZone);
            days = DayFacts.FromTransactions(customer.Id, transactions, timeZone);
        }

        // The customer's own figures are current (read-your-writes); the portfolio they rank among
        // is the one last ranked, which nothing here waits for (docs/read-model.md, "Rankings").
        var ranking = await rankings.ForCustomerAsync(asOf, reference, row.DataVersion, cancellationToken);
        var standing = CustomerRanking.Standing(Fact(customer, timeZone), days, asOf, reference, Settings, ranking);
        var (nps, csat) = asOf is { } day
            ? await db.LatestAnswersAsync(customer.Id, HistoricalClvCalculator.EndOfDay(day, timeZone), cancellationToken)
            : (row.LatestNps, row.LatestCsat);
        var subscriptions = row.HasSubscriptions
            ? await CustomerSubscriptions.ReadAsync(db, customer.Id, reference, timeZone, cancellationToken)
            : [];
        var response = CustomerResponse.From(customer, metrics, Predicted(row), standing, ModelChurned(row), CustomerFeedbackResponse.From(nps, csat), subscriptions);
        return CsvColumns.Wanted(Request)
            ? new CsvResult<CustomerResponse>(new[] { response }.ToAsyncEnumerable(), "customer.csv")
            : Ok(response);
    }

    /// <summary>Erases a customer (right to erasure): the profile, their transactions and every figure derived from them.</summary>
    /// <remarks>
    /// Admin only. One database transaction removes the customer, their purchases and refunds, their
    /// NPS and CSAT answers (comments included), their subscriptions, their
    /// day rollup and summary, and their predictions in every model run; portfolio figures, cohorts,
    /// lists and later model runs no longer count them. Clv keeps no trace of the ids: sending the
    /// same customer or transaction ids again later, with a new Idempotency-Key or none, stores them
    /// as new data (a resend with the same key within its retention replays its answer instead).
    /// </remarks>
    /// <param name="externalId">The CRM's customer id, percent-encoded (a <c>/</c> in it as <c>%2F</c>).</param>
    /// <param name="retry">Re-runs the erasure after a transient database failure.</param>
    /// <param name="cancellationToken">Aborted with the request.</param>
    [HttpDelete("{externalId}")]
    [Authorize(Policy = Policies.Admin)]
    [ProducesResponseType<ErasureResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status503ServiceUnavailable, "application/problem+json")]
    public async Task<ActionResult<ErasureResponse>> EraseAsync(string externalId, [FromServices] TransientRetry retry, CancellationToken cancellationToken)
    {
        externalId = PathIds.LastSegment(HttpContext, externalId);
        var erased = await db.EraseAsync(externalId, time.GetUtcNow(), retry, cancellationToken);
        if (erased is null)
        {
            return Problem(statusCode: StatusCodes.Status404NotFound, title: "Customer not found", detail: $"No customer has the external id '{externalId}'.");
        }

        return new ErasureResponse
        {
            ExternalId = externalId,
            Customer = 1,
            Transactions = erased.Transactions,
            PurchaseDays = erased.PurchaseDays,
            Predictions = erased.Predictions,
            Feedback = erased.Feedback,
            Subscriptions = erased.Subscriptions,
        };
    }

    /// <summary>Customers with their historical CLV, sorted, filtered and paged; or every matching row as CSV.</summary>
    /// <remarks>
    /// Page with <c>cursor</c> (pass the previous page's <c>nextCursor</c>; stable while data changes)
    /// or with <c>page</c>. With <c>Accept: text/csv</c> the response streams every matching
    /// customer, in the same order, and ignores paging; at most <c>Clv:Http:MaxConcurrentExports</c>
    /// exports stream at once (503 with <c>Retry-After</c> beyond), each at least
    /// <c>Clv:Http:ExportMinBytesPerSecond</c>. <c>asOf</c> sets the day
    /// <c>atRisk</c> is judged at and the day of the fields <c>include</c> adds: the listed
    /// <c>historical</c> figures are always as of now.
    /// </remarks>
    /// <param name="sort">historicalClv (default), netRevenue, lastPurchaseAt or predictedClv.</param>
    /// <param name="direction">desc (default) or asc.</param>
    /// <param name="acquisitionChannel">Only customers of this channel.</param>
    /// <param name="country">Only customers of this ISO 3166-1 alpha-2 country.</param>
    /// <param name="atRisk">true: only customers whose spend of the last 12 months fell by at least <c>Clv:AtRiskDecline</c> against the 12 before; false: the others.</param>
    /// <param name="asOf">The day (YYYY-MM-DD) <c>atRisk</c> is judged at, from the transactions up to its end; default today. The rows' figures stay current.</param>
    /// <param name="cursor">Continue after the page that returned this cursor, with the same sort, direction and filters (<c>pageSize</c> may change).</param>
    /// <param name="page">1-based page number, instead of a cursor.</param>
    /// <param name="pageSize">Rows per page, 1 to 1,000 (default 100).</param>
    /// <param name="include">
    /// Comma-separated: <c>rfm</c>, <c>trend</c> and/or <c>churned</c> add those fields to each row, as of <c>asOf</c>
    /// (default now), as the single-customer read gives them; computed for the page's rows only. JSON pages only.
    /// </param>
    /// <param name="cancellationToken">Aborted with the request.</param>
    [HttpGet]
    [ProducesResponseType<CustomerPage>(StatusCodes.Status200OK, "application/json", "text/csv")]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status503ServiceUnavailable, "application/problem+json")]
    public async Task<IActionResult> ListAsync(
        [FromQuery] string sort = "historicalClv",
        [FromQuery] string direction = "desc",
        [FromQuery] string? acquisitionChannel = null,
        [FromQuery] string? country = null,
        [FromQuery] bool? atRisk = null,
        [FromQuery] DateOnly? asOf = null,
        [FromQuery] string? cursor = null,
        [FromQuery, Range(1, int.MaxValue)] int? page = null,
        [FromQuery, Range(1, MaxPageSize)] int pageSize = 100,
        [FromQuery, MaxLength(CustomerListInclude.MaxLength)] string? include = null,
        CancellationToken cancellationToken = default)
    {
        var errors = new Dictionary<string, string[]>();
        CustomerSort? sortKey = sort switch
        {
            "historicalClv" => CustomerSort.HistoricalClv,
            "netRevenue" => CustomerSort.NetRevenue,
            "lastPurchaseAt" => CustomerSort.LastPurchaseAt,
            "predictedClv" => CustomerSort.PredictedClv,
            _ => null,
        };
        if (sortKey is null)
        {
            errors["sort"] = ["Sort by historicalClv, netRevenue, lastPurchaseAt or predictedClv."];
        }

        if (direction is not ("asc" or "desc"))
        {
            errors["direction"] = ["Direction is asc or desc."];
        }

        QueryDates.Check(errors, "asOf", asOf, QueryDates.Latest);

        var csv = CsvColumns.Wanted(Request);
        if (!CustomerListInclude.TryParse(include, out var fields))
        {
            errors["include"] = [$"Include names {CustomerListInclude.Names}, comma-separated."];
        }
        else if (csv && fields != CustomerListFields.None)
        {
            errors["include"] = ["The CSV export carries no rfm, trend or churned: ask for JSON pages, or read a customer."];
        }

        // A cursor is a position in one list: the one its sort, direction and filters make.
        var countryCode = country?.ToUpperInvariant();
        var list = CustomerListCursor.Fingerprint(sort, direction, acquisitionChannel, countryCode, atRisk, asOf);
        CustomerCursor? after = null;
        if (cursor is not null)
        {
            if (!CustomerListCursor.TryDecode(cursor, out var made, out var position))
            {
                errors["cursor"] = [CustomerListCursor.NotReturnedHere];
            }
            else if (made != list)
            {
                errors["cursor"] = [CustomerListCursor.ReturnedForAnotherList];
            }

            after = position;
            if (page is not null)
            {
                errors["page"] = ["Use either cursor or page, not both."];
            }
        }

        if (errors.Count > 0)
        {
            return ValidationProblem(new ValidationProblemDetails(errors));
        }

        var risk = atRisk is { } wanted ? new AtRiskFilter(wanted, asOf ?? Today, Settings.AtRiskDecline, options.Value.ReportingTimeZone) : null;

        var query = new CustomerListQuery(
            sortKey!.Value,
            direction == "desc",
            acquisitionChannel,
            countryCode,
            csv ? null : after,
            csv || page is null ? 0 : (page.Value - 1L) * pageSize,
            csv ? null : pageSize + 1,
            AtRisk: risk,
            WithDays: fields != CustomerListFields.None);
        var now = time.GetUtcNow();
        var timeZone = options.Value.TimeZone;
        if (csv)
        {
            // The export streams from one connection for as long as the client downloads it.
            if (!exports.TryEnter(HttpContext))
            {
                Response.Headers.RetryAfter = "5";
                return Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Too many exports",
                    detail: $"{exports.Slots} CSV exports are streaming, as many as may at once; retry after the seconds in Retry-After. Paged JSON reads are not limited.");
            }

            return new CsvResult<CustomerCsvRow>(db.ListCustomersAsync(query, cancellationToken).Select(r => ToCsv(r, now, timeZone, Predicted(r))), "customers.csv");
        }

        var rows = db.ListCustomersAsync(query, cancellationToken);

        var items = new List<CustomerWithTotals>(pageSize + 1);
        await foreach (var row in rows)
        {
            items.Add(row);
        }

        var more = items.Count > pageSize;
        if (more)
        {
            items.RemoveAt(pageSize);
        }

        // The page's rows scored as the single-customer read scores one, against one read of the stored rankings.
        var reference = asOf ?? Today;
        var ranking = fields == CustomerListFields.None || items.Count == 0
            ? null
            : await rankings.ForCustomerAsync(asOf, reference, items.Max(r => r.DataVersion), cancellationToken);
        return Ok(new CustomerPage
        {
            Items = items.ConvertAll(r => CustomerResponse.From(
                r.Customer,
                r.Totals.ToMetrics(r.Customer.AcquiredAt, now, timeZone),
                Predicted(r),
                ranking is null ? null : CustomerRanking.Standing(Fact(r.Customer, timeZone), r.Days!, asOf, reference, Settings, ranking),
                modelChurned: null,
                feedback: null,
                fields: fields)),
            PageSize = pageSize,
            Page = page,
            NextCursor = more ? CustomerListCursor.Encode(list, items[^1].Position) : null,
        });
    }

    private static CustomerFact Fact(Customer customer, TimeZoneInfo timeZone) => new(
        customer.Id,
        customer.AcquiredAt is { } at ? HistoricalClvCalculator.LocalDate(at, timeZone) : null,
        customer.AcquisitionChannel,
        customer.Country);

    private PortfolioSettings Settings => options.Value.Portfolio();

    private DateOnly Today => HistoricalClvCalculator.LocalDate(time.GetUtcNow(), options.Value.TimeZone);

    private bool? ModelChurned(CustomerWithTotals row) =>
        row.Prediction is { } prediction ? prediction.ProbabilityAlive < Settings.AliveThreshold : null;

    private static PredictedResponse? Predicted(CustomerWithTotals row) =>
        row.Prediction is null || row.RunOptions is null
            ? null
            : PredictedResponse.From(row.Prediction, JsonSerializer.Deserialize<ModelRunOptions>(row.RunOptions, RunJson)!);

    private static readonly JsonSerializerOptions RunJson = new(JsonSerializerDefaults.Web);

    private static CustomerCsvRow ToCsv(CustomerWithTotals row, DateTimeOffset now, TimeZoneInfo timeZone, PredictedResponse? predicted) => new(
        row.Customer.ExternalId,
        row.Customer.AcquiredAt,
        row.Customer.AcquisitionChannel,
        row.Customer.Country,
        CustomerResponse.AttributesOf(row.Customer),
        row.Customer.CreatedAt,
        row.Customer.UpdatedAt,
        HistoricalResponse.From(row.Totals.ToMetrics(row.Customer.AcquiredAt, now, timeZone)),
        predicted);
}
