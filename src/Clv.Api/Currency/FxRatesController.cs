using Clv.Analytics.Currency;
using Clv.Api.Authentication;
using Clv.Api.Observability;
using Clv.Api.Requests;
using Clv.Data.Currency;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Clv.Api.Currency;

/// <summary>Exchange rates into the reporting currency, for transactions and spend in other currencies.</summary>
[ApiController]
[Route("api/v1/fx-rates")]
[Authorize(Policy = Policies.Ingest)]
[Tags("Ingestion")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
public sealed class FxRatesController(FxRateStore store, IOptions<ClvOptions> options, TimeProvider time, ClvMetrics metrics) : ControllerBase
{
    /// <summary>Records daily rates, up to 10,000; a currency and date sent again in a later request replaces its rate, and twice in one request rejects the second item.</summary>
    /// <remarks>
    /// An amount in another currency is converted at ingest with the latest rate of its currency on or
    /// before its day, at most <c>Clv:FxMaxAgeDays</c> (default 7) older; without one it is rejected.
    /// The converted amount is stored with the original: rates posted later do not change amounts
    /// already stored.
    /// </remarks>
    /// <param name="request">The rates.</param>
    /// <param name="cancellationToken">Aborted with the request.</param>
    [HttpPost]
    [Consumes("application/json")]
    [ProducesResponseType<FxRatesResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status413PayloadTooLarge, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status415UnsupportedMediaType, "application/problem+json")]
    public async Task<ActionResult<FxRatesResponse>> PostAsync([FromBody] FxRatesRequest request, CancellationToken cancellationToken)
    {
        if (request.Rates is null)
        {
            return ValidationProblem(new ValidationProblemDetails(new Dictionary<string, string[]>
            {
                ["rates"] = ["The body must be an object with a 'rates' array."],
            }));
        }

        ItemErrors.ThrowIfTooMany(request.Rates.Count);
        var errors = new ItemErrors();
        var reporting = options.Value.ReportingCurrency;
        // Each rate kept, with the index of its item.
        var rows = new Dictionary<(string, DateOnly), (int Index, FxRate Rate)>();
        var latest = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime.AddDays(1));
        for (var i = 0; i < request.Rates.Count; i++)
        {
            var item = request.Rates[i];
            var problems = new List<ItemError>();
            var currency = item?.Currency?.ToUpperInvariant();
            if (currency is null || !IsoCodes.Currencies.Contains(currency) || currency == reporting)
            {
                problems.Add(new ItemError { Index = i, Field = "currency", Message = $"An ISO 4217 code other than the reporting currency {reporting}." });
            }

            // The transactions' range: a rate dated where no transaction can be converts nothing.
            if (!IsoDateTime.TryParseDate(item?.Date, out var date) || date < DateOnly.FromDateTime(IsoDateTime.Earliest.UtcDateTime) || date > latest)
            {
                problems.Add(new ItemError { Index = i, Field = "date", Message = $"A date as YYYY-MM-DD from 1970-01-01 to {latest:yyyy-MM-dd}." });
            }

            if (item?.RateToReporting is not { } rate || rate <= 0 || rate >= 1e9m || decimal.Round(rate, 10) != rate)
            {
                problems.Add(new ItemError { Index = i, Field = "rateToReporting", Message = "A positive number below 10^9 with at most 10 decimals." });
            }

            // Two rates for one day in one batch: which one holds would depend on the order.
            if (problems.Count == 0 && rows.TryGetValue((currency!, date), out var earlier))
            {
                problems.Add(new ItemError { Index = i, Field = "date", Message = $"Repeats the currency and date of item {earlier.Index} in this batch." });
            }

            if (problems.Count > 0)
            {
                errors.Reject(problems);
                continue;
            }

            rows.Add((currency!, date), (i, new FxRate(currency!, date, item!.RateToReporting!.Value)));
        }

        metrics.ItemsRejected(ClvMetrics.Kinds.FxRates, errors.Rejected);
        var counts = await store.UpsertAsync([.. rows.Values.Select(r => r.Rate)], time.GetUtcNow(), cancellationToken);
        metrics.RowsIngested(ClvMetrics.Kinds.FxRates, counts.Created + counts.Existing);
        return new FxRatesResponse { Created = (int)counts.Created, Updated = (int)counts.Existing, Rejected = (int)errors.Rejected, ErrorsTruncated = errors.Truncated, Errors = errors.Errors };
    }
}

/// <summary>Daily exchange rates.</summary>
public sealed class FxRatesRequest
{
    /// <summary>At most 10,000 rates.</summary>
    public List<FxRateItem?>? Rates { get; set; }
}

/// <summary>One currency's rate into the reporting currency on one day.</summary>
public sealed class FxRateItem
{
    /// <summary>The day (YYYY-MM-DD).</summary>
    /// <example>2024-03-01</example>
    public string? Date { get; set; }

    /// <summary>ISO 4217 code, not the reporting currency.</summary>
    /// <example>EUR</example>
    public string? Currency { get; set; }

    /// <summary>Reporting-currency units per unit of the currency, at most 10 decimals.</summary>
    /// <example>1.0837</example>
    public decimal? RateToReporting { get; set; }
}

/// <summary>What happened to a batch of rates.</summary>
public sealed class FxRatesResponse
{
    /// <summary>Rates for a new currency and date.</summary>
    public int Created { get; init; }

    /// <summary>Rates that replaced a stored one.</summary>
    public int Updated { get; init; }

    /// <summary>Invalid items, not stored.</summary>
    public int Rejected { get; init; }

    /// <summary>Whether <c>errors</c> was cut at its limit of 1,000 entries.</summary>
    public bool ErrorsTruncated { get; init; }

    /// <summary>One entry per invalid field, naming the item.</summary>
    public required List<ItemError> Errors { get; init; }
}
