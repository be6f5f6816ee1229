using Clv.Analytics.Historical;
using Clv.Api.Authentication;
using Clv.Api.Infrastructure;
using Clv.Data;
using Clv.Data.Metrics;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Clv.Api.Metrics;

/// <summary>Portfolio figures for dashboards.</summary>
[ApiController]
[Route("api/v1/metrics")]
[Authorize(Policy = Policies.Read)]
[Tags("Metrics")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
public sealed class MetricsController(ClvDbContext db, IOptions<ClvOptions> options) : ControllerBase
{
    /// <summary>The portfolio's historical CLV: customers, repeat customers, net revenue, mean and median CLV, customer equity.</summary>
    /// <param name="asOf">The portfolio as it stood at the end of this day (YYYY-MM-DD) in the reporting time zone.</param>
    /// <param name="cancellationToken">Aborted with the request.</param>
    [HttpGet("summary")]
    [ProducesResponseType<SummaryResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    public async Task<ActionResult<SummaryResponse>> SummaryAsync([FromQuery] DateOnly? asOf, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        QueryDates.Check(errors, "asOf", asOf, QueryDates.Latest);
        if (errors.Count > 0)
        {
            return ValidationProblem(new ValidationProblemDetails(errors));
        }

        DateTimeOffset? end = asOf is { } day ? HistoricalClvCalculator.EndOfDay(day, options.Value.TimeZone) : null;
        var totals = await db.PortfolioTotalsAsync(asOf, end, cancellationToken);
        return new SummaryResponse
        {
            AsOf = asOf,
            Customers = totals.Customers,
            RepeatCustomers = totals.RepeatCustomers,
            NetRevenue = totals.NetRevenue,
            AverageHistoricalClv = HistoricalClvCalculator.RoundMoney(totals.AverageHistoricalClv),
            MedianHistoricalClv = HistoricalClvCalculator.RoundMoney(totals.MedianHistoricalClv),
            CustomerEquity = totals.NetRevenue,
            Currency = options.Value.ReportingCurrency,
        };
    }
}

/// <summary>The portfolio's historical CLV.</summary>
public sealed class SummaryResponse
{
    /// <summary>The day the figures stand at; null for now.</summary>
    public DateOnly? AsOf { get; init; }

    /// <summary>Customers acquired by the as-of date (all customers without it).</summary>
    /// <example>23570</example>
    public long Customers { get; init; }

    /// <summary>Customers with at least two purchase days.</summary>
    /// <example>8935</example>
    public long RepeatCustomers { get; init; }

    /// <summary>Net revenue of all customers.</summary>
    /// <example>2500315.63</example>
    public decimal NetRevenue { get; init; }

    /// <summary>Mean historical CLV per customer, customers without purchases counting 0; 4 decimals.</summary>
    /// <example>106.0804</example>
    public decimal AverageHistoricalClv { get; init; }

    /// <summary>Median historical CLV (the mean of the two middle values for an even count).</summary>
    /// <example>43.97</example>
    public decimal MedianHistoricalClv { get; init; }

    /// <summary>Customer equity: the sum of historical CLV over all customers.</summary>
    /// <example>2500315.63</example>
    public decimal CustomerEquity { get; init; }

    /// <summary>The reporting currency of every money figure.</summary>
    /// <example>USD</example>
    public required string Currency { get; init; }
}
