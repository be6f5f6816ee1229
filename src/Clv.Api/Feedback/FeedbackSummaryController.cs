using Clv.Analytics.Cohorts;
using Clv.Api.Authentication;
using Clv.Api.Infrastructure;
using Clv.Api.Portfolio;
using Clv.Data.Analytics.ReadModel;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Clv.Api.Feedback;

/// <summary>NPS and CSAT per group of customers.</summary>
[ApiController]
[Route("api/v1/feedback")]
[Authorize(Policy = Policies.Read)]
[Tags("Feedback")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
public sealed class FeedbackSummaryController(AnalyticsAnswers answers) : ControllerBase
{
    /// <summary>The confidence level of the summary's intervals.</summary>
    public const double Level = 0.95;

    /// <summary>Every group's NPS with its standard error and 95% interval, and CSAT with its Wilson 95% interval.</summary>
    /// <remarks>
    /// Each customer acquired by <c>asOf</c> counts once per survey, by their latest answer given in
    /// [from, to] (days in the reporting time zone); the groups are those of segments, as of
    /// <c>asOf</c>. Definitions are in docs/metrics.md, "Feedback". With <c>Accept: text/csv</c>, one row per group.
    /// </remarks>
    /// <param name="by">acquisitionChannel (default), country, cohort, rfmSegment, clvTier, npsClass, or attribute:{key}.</param>
    /// <param name="from">First day of the answers counted; default all time.</param>
    /// <param name="to">Last day of the answers counted; default and at most asOf.</param>
    /// <param name="asOf">Groups as they stood at the end of this day (YYYY-MM-DD); default now.</param>
    /// <param name="cancellationToken">Aborted with the request.</param>
    [HttpGet("summary")]
    [ProducesResponseType<FeedbackSummaryResponse>(StatusCodes.Status200OK, "application/json", "text/csv")]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    public async Task<IActionResult> GetAsync(
        [FromQuery] string by = "acquisitionChannel",
        [FromQuery] DateOnly? from = null,
        [FromQuery] DateOnly? to = null,
        [FromQuery] DateOnly? asOf = null,
        CancellationToken cancellationToken = default)
    {
        var errors = new Dictionary<string, string[]>();
        var query = GroupedQuery.Check(errors, by, asOf, from, to, answers.Today);
        if (query is not null && query.To > query.Day)
        {
            // Answers after the as-of day are not known yet at it: such a range would count none of them.
            errors["to"] = ["to must not be after asOf (default today)."];
        }

        if (query is null || errors.Count > 0)
        {
            return ValidationProblem(new ValidationProblemDetails(errors));
        }

        var answer = await answers.GroupedAsync(
            $"feedback|{by}|{from}|{query.To}",
            asOf,
            by,
            CalendarPeriod.Month,
            (context, group, ct) => FeedbackSummaryQueries.ComputeAsync(context.Connection, context.Scope, group, from, query.To, ct),
            cancellationToken);
        if (answer.Value.Groups.TooMany() is { } tooMany)
        {
            return ValidationProblem(tooMany);
        }

        var response = new FeedbackSummaryResponse
        {
            By = by,
            AsOf = query.Day,
            DataThrough = answer.DataThrough(Response),
            From = from,
            To = query.To,
            Level = Level,
            Groups = answer.Value.Value!.ConvertAll(g => FeedbackGroupResponse.From(g, Level)),
        };
        return CsvColumns.Wanted(Request)
            ? new CsvResult<FeedbackGroupResponse>(response.Groups.ToAsyncEnumerable(), "feedback-summary.csv")
            : Ok(response);
    }
}
