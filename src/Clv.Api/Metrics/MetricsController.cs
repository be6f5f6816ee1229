using Clv.Analytics.Cohorts;
using Clv.Analytics.Portfolio;
using Clv.Api.Authentication;
using Clv.Api.Infrastructure;
using Clv.Api.Portfolio;
using Clv.Api.Requests;
using Clv.Analytics.ModelRuns;
using Clv.Data.Analytics.ReadModel;
using Clv.Data.ModelRuns;
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
public sealed class MetricsController(AnalyticsAnswers answers, IOptions<ClvOptions> options) : ControllerBase
{
    private const int MaxPoints = 1000;

    /// <summary>The portfolio: customers, historical CLV, retention, churn, repeat purchase rate, blended CAC, CLV:CAC, payback and health.</summary>
    /// <remarks>
    /// Retention and churn are for the last complete month on or before asOf. Blended CAC uses all
    /// acquisition spend and all customers acquired in [from, to] (default: all time up to asOf).
    /// Definitions are in docs/metrics.md. With <c>Accept: text/csv</c>, one row.
    /// </remarks>
    /// <param name="asOf">The portfolio as it stood at the end of this day (YYYY-MM-DD) in the reporting time zone.</param>
    /// <param name="from">First acquisition day for blended CAC, CLV:CAC and payback; default all time.</param>
    /// <param name="to">Last acquisition day for those; default asOf.</param>
    /// <param name="grossMargin">Gross margin of formulaClv, above 0 and at most 1; default the setting <c>Clv:GrossMargin</c> (1).</param>
    /// <param name="cancellationToken">Aborted with the request.</param>
    [HttpGet("summary")]
    [ProducesResponseType<SummaryResponse>(StatusCodes.Status200OK, "application/json", "text/csv")]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    public async Task<IActionResult> SummaryAsync(
        [FromQuery] DateOnly? asOf, [FromQuery] DateOnly? from, [FromQuery] DateOnly? to, [FromQuery] decimal? grossMargin, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var margin = GrossMarginParameter.Check(errors, grossMargin, options.Value.GrossMargin);
        QueryDates.Check(errors, "asOf", asOf, QueryDates.Latest);
        QueryDates.Check(errors, "from", from, QueryDates.Latest);
        QueryDates.Check(errors, "to", to, QueryDates.Latest);
        var last = to ?? asOf ?? answers.Today;
        if (from > last)
        {
            errors["from"] = ["from must not be after to."];
        }

        if (errors.Count > 0)
        {
            return ValidationProblem(new ValidationProblemDetails(errors));
        }

        var answer = await answers.GetAsync(
            $"summary|{from}|{last}",
            asOf,
            async (context, ct) => new SummaryFigures(
                await SegmentQueries.TotalAsync(context.Connection, context.Scope, from, last, answers.Settings, ct),
                asOf < answers.Today ? null : await RunIntervals.ActiveAsync(context.Connection, ct)),
            cancellationToken);
        var (all, intervals) = answer.Value;
        var response = new SummaryResponse
        {
            AsOf = asOf,
            Customers = all.Customers,
            RepeatCustomers = all.RepeatCustomers,
            NetRevenue = all.CustomerEquity,
            AverageHistoricalClv = all.AvgHistoricalClv,
            MedianHistoricalClv = all.MedianHistoricalClv,
            CustomerEquity = all.CustomerEquity,
            Currency = options.Value.ReportingCurrency,
            RepeatPurchaseRate = all.RepeatPurchaseRate,
            ActiveCustomers = all.ActiveCustomers,
            RetentionRate = all.RetentionRate,
            ChurnRate = all.ChurnRate,
            ChurnedCustomers = all.ChurnedCustomers,
            ModelChurnedCustomers = all.ModelChurnedCustomers,
            AveragePredictedClv = all.AvgPredictedClv,
            PredictedCustomerEquity = all.PredictedCustomerEquity,
            PredictedCustomerEquityInterval = all.PredictedCustomerEquity is null ? null : intervals?.Of(EquityInterval.Overall, EquityInterval.Overall),
            Predictions = PredictionsUsedResponse.Of(answer, Response),
            NewCustomers = all.NewCustomers,
            Spend = all.Spend,
            BlendedCac = all.Cac,
            ClvToCac = all.ClvToCac,
            PredictedClvToCac = all.PredictedClvToCac,
            PaybackMonths = all.PaybackMonths,
            Health = new HealthResponse { ClvToCac = all.ClvToCacHealth, Payback = all.PaybackHealth },
            ArpuMonthly = all.Formula.ArpuMonthly,
            GrossMargin = margin,
            MonthlyChurnRate = all.Formula.MonthlyChurnRate,
            FormulaClv = all.Formula.Clv(margin),
            DataThrough = answer.DataThrough(Response),
        };
        return CsvColumns.Wanted(Request)
            ? new CsvResult<SummaryResponse>(new[] { response }.ToAsyncEnumerable(), "summary.csv")
            : Ok(response);
    }

    /// <summary>A metric per calendar period, optionally per group, for charts.</summary>
    /// <remarks>
    /// Metrics: activeCustomers, newCustomers, churnedCustomers, churnRate (churned ÷ not churned at
    /// the period's start), retentionRate (of the previous period's active customers, the share
    /// active), netRevenue, averageOrderValue (purchases ÷ their count), spend and cac (spend ÷ new
    /// customers; these two only overall or by acquisitionChannel), nps (of the NPS answers given in
    /// the period: 100 × (promoters − detractors) ÷ answers) and csat (of the CSAT answers given in the
    /// period: the share of 4s and 5s; null in a period without answers); and of subscriptions: mrr
    /// (the monthly-equivalent amount, a yearly one ÷ 12, of the subscriptions active at the period's
    /// end), activeSubscriptions (at the period's end), newSubscriptions, cancelledSubscriptions and
    /// subscriptionChurnRate (cancelled in the period ÷ active at its start). The period holding asOf is
    /// counted up to asOf. Definitions are in docs/metrics.md. With <c>Accept: text/csv</c>, one
    /// row per group and period.
    /// </remarks>
    /// <param name="metric">The metric (required).</param>
    /// <param name="period">month (default), quarter or year.</param>
    /// <param name="from">A day of the first period; default the period of the earliest activity.</param>
    /// <param name="to">A day of the last period; default asOf.</param>
    /// <param name="by">Optional grouping: acquisitionChannel, country, cohort, rfmSegment, clvTier, npsClass, plan (of the latest-started subscription as of asOf) or attribute:{key}.</param>
    /// <param name="asOf">Figures as they stood at the end of this day; default now.</param>
    /// <param name="cancellationToken">Aborted with the request.</param>
    [HttpGet("timeseries")]
    [ProducesResponseType<TimeSeriesResponse>(StatusCodes.Status200OK, "application/json", "text/csv")]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    public async Task<IActionResult> TimeSeriesAsync(
        [FromQuery] string? metric,
        [FromQuery] string period = "month",
        [FromQuery] DateOnly? from = null,
        [FromQuery] DateOnly? to = null,
        [FromQuery] string? by = null,
        [FromQuery] DateOnly? asOf = null,
        CancellationToken cancellationToken = default)
    {
        var errors = new Dictionary<string, string[]>();
        var kind = Enum.GetValues<TimeSeriesMetric>().Cast<TimeSeriesMetric?>().FirstOrDefault(m => JsonName(m!.Value) == metric);
        if (kind is null)
        {
            errors["metric"] = ["One of " + string.Join(", ", Enum.GetValues<TimeSeriesMetric>().Select(JsonName)) + "."];
        }

        var unit = CalendarPeriods.Parse(period);
        if (unit is null)
        {
            errors["period"] = ["month, quarter or year."];
        }

        if (by is not null && !GroupBy.IsKnown(by))
        {
            errors["by"] = [GroupBy.Choices];
        }
        else if (by is not null and not "acquisitionChannel" && kind is TimeSeriesMetric.Spend or TimeSeriesMetric.Cac)
        {
            errors["by"] = ["Spend is attributed by acquisition channel only: use by=acquisitionChannel or no by."];
        }

        QueryDates.Check(errors, "asOf", asOf, QueryDates.Latest);
        QueryDates.Check(errors, "from", from, QueryDates.Latest);
        QueryDates.Check(errors, "to", to, QueryDates.Latest);
        var day = asOf ?? answers.Today;
        var last = to ?? day;
        if (from > last)
        {
            errors["from"] = ["from must not be after to."];
        }

        if (errors.Count > 0)
        {
            return ValidationProblem(new ValidationProblemDetails(errors));
        }

        // Without from, the series starts at the earliest activity, but never after `to`: a `to`
        // before any activity asks for that one period.
        var earliest = from is null
            ? (await answers.GetAsync("firstDay", null, async (context, ct) => new FirstDay(await PortfolioExtent.FirstDayAsync(context.Connection, context.Scope.TimeZone, ct)), cancellationToken)).Value.Day
            : null;
        var first = from ?? (earliest is { } day0 && day0 < last ? day0 : last);
        if (CalendarPeriods.Between(first, last, unit!.Value) >= MaxPoints)
        {
            return ValidationProblem(new ValidationProblemDetails(new Dictionary<string, string[]> { ["from"] = [$"At most {MaxPoints} periods per series: narrow from and to."] }));
        }

        var answer = await answers.GroupedAsync(
            $"timeseries|{kind}|{unit}|{first}|{last}|{by}",
            asOf,
            by,
            unit.Value,
            (context, group, ct) => TimeSeriesQueries.ComputeAsync(context.Connection, context.Scope, group, kind!.Value, unit.Value, first, last, answers.Settings, ct),
            cancellationToken);
        if (answer.Value.Groups.TooMany() is { } tooMany)
        {
            return ValidationProblem(tooMany);
        }

        var series = answer.Value.Value!;
        var response = new TimeSeriesResponse
        {
            Metric = JsonName(kind!.Value),
            Period = period,
            By = by,
            AsOf = day,
            DataThrough = answer.DataThrough(Response),
            From = CalendarPeriods.Start(first, unit.Value),
            To = last,
            Currency = options.Value.ReportingCurrency,
            Series = series.ConvertAll(s => new TimeSeriesResponseSeries { Key = s.Key, Points = s.Points }),
        };
        return CsvColumns.Wanted(Request)
            ? new CsvResult<TimeSeriesRow>(
                response.Series.SelectMany(s => s.Points.Select(p => new TimeSeriesRow(s.Key, p.Period, p.Start, p.End, p.Value))).ToAsyncEnumerable(),
                "timeseries.csv")
            : Ok(response);
    }

    // The earliest day of the portfolio, kept as an answer.
    private sealed record FirstDay(DateOnly? Day);

    private static string JsonName(TimeSeriesMetric metric) => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(metric.ToString());

    // The portfolio's figures and the active run's intervals, read in one snapshot.
    private sealed record SummaryFigures(SegmentFigures Figures, RunIntervals? Intervals);
}
