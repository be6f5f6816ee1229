using System.Globalization;
using Clv.Analytics.Cohorts;
using Clv.Analytics.Portfolio;
using Clv.Analytics.Statistics;
using Clv.Api.Authentication;
using Clv.Api.Infrastructure;
using Clv.Api.Portfolio;
using Clv.Api.Statistics;
using Clv.Data.Analytics.ReadModel;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Clv.Api.Compare;

/// <summary>Two groups of a segment grouping compared on one metric, with confidence intervals.</summary>
[ApiController]
[Route("api/v1/compare")]
[Authorize(Policy = Policies.Read)]
[Tags("Segments")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
public sealed class CompareController(AnalyticsAnswers answers, IOptions<ClvOptions> options) : ControllerBase
{
    /// <summary>The metrics, by their names in <c>metric</c>.</summary>
    public static readonly IReadOnlyDictionary<string, CustomerFigure> Metrics = new Dictionary<string, CustomerFigure>(StringComparer.Ordinal)
    {
        ["historicalClv"] = CustomerFigure.HistoricalClv,
        ["predictedClv"] = CustomerFigure.PredictedClv,
        ["netRevenue"] = CustomerFigure.NetRevenue,
        ["purchaseCount"] = CustomerFigure.PurchaseCount,
        ["averageOrderValue"] = CustomerFigure.AverageOrderValue,
        ["retained"] = CustomerFigure.Retained,
        ["repeatPurchase"] = CustomerFigure.RepeatPurchase,
        ["churned"] = CustomerFigure.Churned,
        ["nps"] = CustomerFigure.Nps,
    };

    /// <summary>Group b against group a: each group's n, mean and sd, b − a with its interval, the relative lift with its interval, and a p-value.</summary>
    /// <remarks>
    /// The groups are two keys of a segments grouping <c>by</c>, with its customers as of
    /// <c>asOf</c>; with <c>from</c> or <c>to</c>, only the customers acquired in [from, to].
    /// Means (historicalClv, predictedClv, netRevenue, purchaseCount, averageOrderValue) by Welch's
    /// t-test, rates (retained, repeatPurchase, churned) by the two-proportion z-test, nps (each
    /// customer's latest answer) by the difference of two NPS; the lift's interval by the delta
    /// method (docs/metrics.md, "Comparing two groups"). A group below 2 members has null figures
    /// where a variance is needed, with a reason. 404 when a or b is not a group of the grouping (no
    /// customer in it as of asOf). With <c>Accept: text/csv</c>, one row.
    /// </remarks>
    /// <param name="a">The baseline group's key (required).</param>
    /// <param name="b">The group compared with it (required, not a).</param>
    /// <param name="metric">historicalClv, predictedClv, netRevenue, purchaseCount, averageOrderValue, retained, repeatPurchase, churned or nps (required).</param>
    /// <param name="by">acquisitionChannel (default), country, cohort, rfmSegment, clvTier, npsClass, or attribute:{key}.</param>
    /// <param name="asOf">Figures as they stood at the end of this day (YYYY-MM-DD); default now.</param>
    /// <param name="from">First acquisition day of the customers compared; default all time.</param>
    /// <param name="to">Last acquisition day of the customers compared; default asOf.</param>
    /// <param name="level">Confidence level of the intervals, strictly between 0 and 1; default 0.95.</param>
    /// <param name="period">month (default), quarter or year: the period of retained, and of cohorts.</param>
    /// <param name="cancellationToken">Aborted with the request.</param>
    [HttpGet]
    [ProducesResponseType<CompareResponse>(StatusCodes.Status200OK, "application/json", "text/csv")]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public async Task<IActionResult> GetAsync(
        [FromQuery] string? a,
        [FromQuery] string? b,
        [FromQuery] string? metric,
        [FromQuery] string by = "acquisitionChannel",
        [FromQuery] DateOnly? asOf = null,
        [FromQuery] DateOnly? from = null,
        [FromQuery] DateOnly? to = null,
        [FromQuery] double level = 0.95,
        [FromQuery] string period = "month",
        CancellationToken cancellationToken = default)
    {
        var errors = new Dictionary<string, string[]>();
        var query = GroupedQuery.Check(errors, by, asOf, from, to, answers.Today);
        var figure = default(CustomerFigure);
        if (metric is null || !Metrics.TryGetValue(metric, out figure))
        {
            errors["metric"] = ["One of " + string.Join(", ", Metrics.Keys) + "."];
        }

        if (!(level > 0 && level < 1))
        {
            errors["level"] = ["A confidence level strictly between 0 and 1, such as 0.95."];
        }

        var unit = CalendarPeriods.Parse(period);
        if (unit is null)
        {
            errors["period"] = ["month, quarter or year."];
        }

        if (string.IsNullOrEmpty(a))
        {
            errors["a"] = ["The key of the baseline group is required."];
        }

        if (string.IsNullOrEmpty(b))
        {
            errors["b"] = ["The key of the group compared is required."];
        }
        else if (a == b)
        {
            errors["b"] = ["b must differ from a: a group compared with itself has no difference to test."];
        }

        if (query is null || errors.Count > 0)
        {
            return ValidationProblem(new ValidationProblemDetails(errors));
        }

        var acquiredInRange = from is not null || to is not null;
        var keys = new[] { a!, b! };
        var answer = await answers.GroupedAsync(
            string.Create(CultureInfo.InvariantCulture, $"compare|{by}|{figure}|{unit}|{(acquiredInRange ? $"{from}|{query.To}" : "all")}|{a}|{b}"),
            asOf,
            by,
            unit!.Value,
            (context, group, ct) => SegmentQueries.SamplesAsync(
                context.Connection, context.Scope, group, new SegmentQuery(from, query.To, unit.Value), answers.Settings, figure, acquiredInRange, keys, ct),
            cancellationToken);
        if (answer.Value.Groups.TooMany() is { } tooMany)
        {
            return ValidationProblem(tooMany);
        }

        var samples = answer.Value.Value!;
        if (keys.FirstOrDefault(k => !samples.ContainsKey(k)) is { } missing)
        {
            return Problem(statusCode: StatusCodes.Status404NotFound, title: "Group not found",
                detail: $"'{missing}' is not a group of by={by} as of {query.Day:yyyy-MM-dd}: no customer is in it.");
        }

        var comparison = Compare(figure, samples[a!], samples[b!], level);
        var response = new CompareResponse
        {
            By = by,
            Metric = metric!,
            AsOf = query.Day,
            DataThrough = answer.DataThrough(Response),
            From = from,
            To = acquiredInRange ? query.To : null,
            Period = period,
            Method = comparison.Method,
            Level = level,
            A = CompareGroupResponse.From(a!, comparison.A),
            B = CompareGroupResponse.From(b!, comparison.B),
            Difference = comparison.Difference,
            StandardError = comparison.StandardError,
            DifferenceInterval = IntervalResponse.From(comparison.DifferenceInterval),
            Statistic = comparison.Statistic,
            DegreesOfFreedom = comparison.DegreesOfFreedom,
            PValue = comparison.PValue,
            Reason = comparison.Reason,
            RelativeLift = comparison.RelativeLift,
            RelativeLiftInterval = IntervalResponse.From(comparison.RelativeLiftInterval),
            RelativeLiftReason = comparison.RelativeLiftReason,
            SmallSample = Math.Min(comparison.A.N, comparison.B.N) < options.Value.MinSegmentSize,
            Currency = options.Value.ReportingCurrency,
        };
        return CsvColumns.Wanted(Request)
            ? new CsvResult<CompareResponse>(new[] { response }.ToAsyncEnumerable(), "compare.csv")
            : Ok(response);
    }

    // The test of the metric's kind over the two groups' samples.
    private static GroupComparison Compare(CustomerFigure figure, FigureSample a, FigureSample b, double level) => figure switch
    {
        CustomerFigure.Retained or CustomerFigure.RepeatPurchase or CustomerFigure.Churned =>
            CompareGroups.Proportions(new ProportionCounts(a.Successes, a.N), new ProportionCounts(b.Successes, b.N), level),
        CustomerFigure.Nps => CompareGroups.Nps(a.Nps, b.Nps, level),
        _ => CompareGroups.Means(new SampleSummary(a.N, a.Mean, a.StandardDeviation), new SampleSummary(b.N, b.Mean, b.StandardDeviation), level),
    };
}
