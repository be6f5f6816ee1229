using Clv.Analytics.Cohorts;
using Clv.Api.Authentication;
using Clv.Api.Infrastructure;
using Clv.Api.Portfolio;
using Clv.Api.Requests;
using Clv.Data.Analytics.ReadModel;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Clv.Api.Cohorts;

/// <summary>Acquisition cohorts: retention and revenue by period since acquisition, ready for a heatmap.</summary>
[ApiController]
[Route("api/v1/cohorts")]
[Authorize(Policy = Policies.Read)]
[Tags("Cohorts")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
public sealed class CohortsController(AnalyticsAnswers answers) : ControllerBase
{
    /// <summary>The cohort matrix: one row per acquisition month (or quarter), one column per period since.</summary>
    /// <remarks>
    /// A cohort is the customers whose <c>acquiredAt</c> falls in the period (reporting time zone).
    /// Column k counts calendar period cohort + k: <c>activeCustomers[k]</c> purchased in it,
    /// <c>retention[k]</c> = activeCustomers[k] / size, <c>netRevenue[k]</c> is purchases less refunds in it,
    /// and <c>cumulativeNetRevenuePerCustomer[k]</c> is the cohort's CLV curve. With
    /// <c>retention=onOrAfter</c> a customer counts as retained in k when they purchased in k or later.
    /// With <c>Accept: text/csv</c> the matrix comes as one row per cohort and k.
    /// </remarks>
    /// <param name="period">month (default) or quarter.</param>
    /// <param name="from">First acquisition day of the cohorts shown (YYYY-MM-DD); default all.</param>
    /// <param name="to">Last acquisition day of the cohorts shown; default asOf.</param>
    /// <param name="channel">Only customers of this acquisition channel.</param>
    /// <param name="asOf">Activity up to the end of this day; default today. Its period is the last column.</param>
    /// <param name="retention">period (default): purchased in period k; onOrAfter: purchased in k or later.</param>
    /// <param name="cancellationToken">Aborted with the request.</param>
    [HttpGet]
    [ProducesResponseType<CohortsResponse>(StatusCodes.Status200OK, "application/json", "text/csv")]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    public async Task<IActionResult> GetAsync(
        [FromQuery] string period = "month",
        [FromQuery] DateOnly? from = null,
        [FromQuery] DateOnly? to = null,
        [FromQuery] string? channel = null,
        [FromQuery] DateOnly? asOf = null,
        [FromQuery] string retention = "period",
        CancellationToken cancellationToken = default)
    {
        var errors = new Dictionary<string, string[]>();
        CalendarPeriod? unit = period switch { "month" => CalendarPeriod.Month, "quarter" => CalendarPeriod.Quarter, _ => null };
        if (unit is null)
        {
            errors["period"] = ["month or quarter."];
        }

        if (retention is not ("period" or "onOrAfter"))
        {
            errors["retention"] = ["period or onOrAfter."];
        }

        QueryDates.Check(errors, "from", from, QueryDates.Latest);
        QueryDates.Check(errors, "to", to, QueryDates.Latest);
        QueryDates.Check(errors, "asOf", asOf, answers.Today.AddDays(1));
        var day = asOf ?? answers.Today;
        var first = from ?? DateOnly.MinValue;
        var last = to ?? day;
        if (first > last && !errors.ContainsKey("from"))
        {
            errors["from"] = ["from must not be after to."];
        }

        if (errors.Count > 0)
        {
            return ValidationProblem(new ValidationProblemDetails(errors));
        }

        var answer = await answers.GetAsync(
            $"cohorts|{unit}|{first}|{last}|{channel}|{retention}",
            asOf,
            (context, ct) => CohortQueries.ComputeAsync(context.Connection, context.Scope, unit!.Value, first, last, channel, retention == "onOrAfter", ct),
            cancellationToken);
        var rows = answer.Value;
        var response = new CohortsResponse
        {
            Period = period,
            AsOf = day,
            DataThrough = answer.DataThrough(Response),
            Retention = retention,
            Cohorts = rows.ConvertAll(r => new CohortResponse
            {
                Cohort = CalendarPeriods.Label(r.Cohort, unit!.Value),
                Size = r.Size,
                ActiveCustomers = r.ActiveCustomers,
                Retention = r.Retention,
                NetRevenue = r.NetRevenue,
                CumulativeNetRevenuePerCustomer = r.CumulativeNetRevenuePerCustomer,
            }),
        };
        return CsvColumns.Wanted(Request)
            ? new CsvResult<CohortCell>(response.Cells().ToAsyncEnumerable(), "cohorts.csv")
            : Ok(response);
    }
}

/// <summary>The cohort matrix.</summary>
public sealed class CohortsResponse
{
    /// <summary>month or quarter.</summary>
    /// <example>month</example>
    public required string Period { get; init; }

    /// <summary>The last day counted.</summary>
    public DateOnly AsOf { get; init; }

    /// <summary>Every write acknowledged before this time (UTC) is included; later ones may not be (docs/metrics.md, "Freshness"). Also the <c>Clv-Data-Through</c> header.</summary>
    public DateTimeOffset DataThrough { get; init; }

    /// <summary>period or onOrAfter: how activeCustomers and retention count.</summary>
    /// <example>period</example>
    public required string Retention { get; init; }

    /// <summary>One row per cohort, oldest first; column k is the k-th period since acquisition.</summary>
    public required List<CohortResponse> Cohorts { get; init; }

    /// <summary>The matrix as one cell per cohort and period, for CSV.</summary>
    public IEnumerable<CohortCell> Cells() =>
        Cohorts.SelectMany(c => c.ActiveCustomers.Select((active, k) =>
            new CohortCell(c.Cohort, k, c.Size, active, c.Retention[k], c.NetRevenue[k], c.CumulativeNetRevenuePerCustomer[k])));
}

/// <summary>One cohort's row.</summary>
public sealed class CohortResponse
{
    /// <summary>The acquisition period: <c>1997-01</c>, or <c>1997-Q1</c> by quarter.</summary>
    /// <example>1997-01</example>
    public required string Cohort { get; init; }

    /// <summary>Customers acquired in it.</summary>
    /// <example>7846</example>
    public int Size { get; init; }

    /// <summary>Per period k since acquisition: customers who purchased in it (or in it or later, for onOrAfter).</summary>
    public required int[] ActiveCustomers { get; init; }

    /// <summary>activeCustomers[k] / size, 0 to 1.</summary>
    public required double[] Retention { get; init; }

    /// <summary>Purchases less refunds of the cohort in period k.</summary>
    public required decimal[] NetRevenue { get; init; }

    /// <summary>Σ netRevenue[0..k] / size, to 4 decimals: the cohort's average CLV curve.</summary>
    public required decimal[] CumulativeNetRevenuePerCustomer { get; init; }
}

/// <summary>One cell of the cohort matrix, as a CSV row.</summary>
public sealed record CohortCell(string Cohort, int PeriodsSinceAcquisition, int Size, int ActiveCustomers, double Retention, decimal NetRevenue, decimal CumulativeNetRevenuePerCustomer);
