using Clv.Data;
using Clv.Api.Subscriptions;
using Clv.Analytics.Cohorts;
using Clv.Analytics.Portfolio;
using Clv.Api.Authentication;
using Clv.Api.Infrastructure;
using Clv.Api.Portfolio;
using Clv.Data.Analytics.ReadModel;
using Clv.Data.ModelRuns;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;

namespace Clv.Api.Segments;

/// <summary>Segments: the portfolio's figures by channel, country, cohort, RFM segment, CLV tier or a free attribute.</summary>
[ApiController]
[Route("api/v1/segments")]
[Authorize(Policy = Policies.Read)]
[Tags("Segments")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
public sealed class SegmentsController(AnalyticsAnswers answers, IOptions<ClvOptions> options, IOptions<JsonOptions> json, ClvDbContext db) : ControllerBase
{
    /// <summary>Every segment's customers, activity, retention, churn, CLV, equity, spend, CAC, CLV:CAC, payback, health and subscriptions.</summary>
    /// <remarks>
    /// Definitions and formulas are in docs/metrics.md. Retention and churn are for the last
    /// complete <c>period</c> on or before <c>asOf</c>. New customers, spend, CAC, CLV:CAC and
    /// payback cover the customers acquired in [from, to]. Spend is attributed by acquisition
    /// channel, so it is null for other groupings. Subscriptions: MRR and active subscriptions at the
    /// end of asOf, new and cancelled subscriptions in [from, to], and the subscription churn rate of
    /// the last complete period. With <c>Accept: text/csv</c>, one row per segment.
    /// </remarks>
    /// <param name="by">acquisitionChannel (default), country, cohort, rfmSegment, clvTier, npsClass (promoter, passive, detractor, none: the latest NPS answer as of asOf), plan (of the latest-started subscription as of asOf; none without one), or attribute:{key}.</param>
    /// <param name="asOf">Figures as they stood at the end of this day (YYYY-MM-DD); default now.</param>
    /// <param name="from">First acquisition day of the new customers and spend; default all time.</param>
    /// <param name="to">Last acquisition day of the new customers and spend; default asOf.</param>
    /// <param name="period">month (default), quarter or year: the period of retention and churn, and of cohorts.</param>
    /// <param name="grossMargin">Gross margin of formulaClv, above 0 and at most 1; default the setting <c>Clv:GrossMargin</c> (1).</param>
    /// <param name="fields">
    /// The figures to show, by their JSON names, comma-separated (e.g. <c>customers,customerEquity,revenueShare</c>); default every
    /// figure. <c>key</c> and <c>health</c> are always shown; the others are left out of the answer (JSON and CSV), and the work
    /// they alone need is not done: a dashboard widget showing a few figures answers sooner.
    /// </param>
    /// <param name="cancellationToken">Aborted with the request.</param>
    [HttpGet]
    [ProducesResponseType<SegmentsResponse>(StatusCodes.Status200OK, "application/json", "text/csv")]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    public async Task<IActionResult> GetAsync(
        [FromQuery] string by = "acquisitionChannel",
        [FromQuery] DateOnly? asOf = null,
        [FromQuery] DateOnly? from = null,
        [FromQuery] DateOnly? to = null,
        [FromQuery] string period = "month",
        [FromQuery] decimal? grossMargin = null,
        [FromQuery, MaxLength(SegmentFields.MaxLength)] string? fields = null,
        CancellationToken cancellationToken = default)
    {
        var errors = new Dictionary<string, string[]>();
        var margin = GrossMarginParameter.Check(errors, grossMargin, options.Value.GrossMargin);
        var shown = SegmentFields.Parse(fields, errors);
        var unit = CalendarPeriods.Parse(period);
        if (unit is null)
        {
            errors["period"] = ["month, quarter or year."];
        }

        var query = GroupedQuery.Check(errors, by, asOf, from, to, answers.Today);
        if (query is null || unit is null || shown is null)
        {
            return ValidationProblem(new ValidationProblemDetails(errors));
        }

        var (day, last) = (query.Day, query.To);

        // Residual value comes from the latest sbg run, which no data version marks: it is part of the question.
        var valuation = await SbgValuation.LatestAsync(db, cancellationToken);
        // Tiers and RFM segments are one question: a dashboard asks both at once, and computed
        // together their per-customer work is done once (GroupSpec.TiersAndRfm).
        var asked = by is "clvTier" or "rfmSegment" ? GroupSpec.TiersAndRfm : by;
        var answer = await answers.GroupedAsync(
            $"segments|{asked}|{from}|{last}|{unit}|{valuation?.RunId}|{shown.CacheKey}",
            asOf,
            asked,
            unit!.Value,
            async (context, group, ct) =>
            {
                var segmentQuery = new SegmentQuery(from, last, unit.Value);
                var figures = await SegmentQueries.ComputeAsync(context.Connection, context.Scope, group, segmentQuery, answers.Settings, shown.Parts, ct);
                var subscriptions = shown.HasSubscriptions ? await SubscriptionSegmentQueries.ComputeAsync(context.Connection, context.Scope, group, segmentQuery, ct) : [];
                var residual = valuation is null || !shown.HasResidualValue ? null
                    : SegmentResidualValues.Of(await SubscriptionSegmentQueries.ActiveAsync(context.Connection, context.Scope, group, ct), valuation, SubscriptionSegmentQueries.LastDay(context.Scope));
                var intervals = by is "acquisitionChannel" or "country" && !(asOf < answers.Today) && shown.HasIntervals
                    ? await RunIntervals.ActiveAsync(context.Connection, ct)
                    : null;
                return figures.ConvertAll(f => SegmentResponse.From(
                    f, subscriptions.GetValueOrDefault(f.Key, SubscriptionFigures.None), residual is null ? null : residual.GetValueOrDefault(f.Key), intervals?.Of(by, f.Key)))
                    .GroupBy(s => group.Part(s.Key).By)
                    .ToDictionary(g => g.Key, g => g.Select(s => s with { Key = group.Part(s.Key).Key }).ToList(), StringComparer.Ordinal);
            },
            cancellationToken);
        if (answer.Value.Groups.TooMany() is { } tooMany)
        {
            return ValidationProblem(tooMany);
        }

        var response = new SegmentsResponse
        {
            By = by,
            AsOf = day,
            DataThrough = answer.DataThrough(Response),
            From = from,
            To = last,
            Period = period,
            Currency = options.Value.ReportingCurrency,
            Predictions = PredictionsUsedResponse.Of(answer, Response),
            Segments = answer.Value.Value!.GetValueOrDefault(by, []).ConvertAll(s => s.WithGrossMargin(margin)),
        };
        if (CsvColumns.Wanted(Request))
        {
            return new CsvResult<SegmentResponse>(response.Segments.ToAsyncEnumerable(), "segments.csv", column => shown.Shows(column.Property));
        }

        return shown == SegmentFields.All ? Ok(response) : Ok(shown.Prune(JsonSerializer.SerializeToNode(response, json.Value.JsonSerializerOptions)!.AsObject()));
    }
}
