using System.Text.Json;
using Clv.Analytics.Historical;
using Clv.Analytics.ModelRuns;
using Clv.Analytics.Models;
using Clv.Api.ModelRuns;
using Clv.Data;
using Clv.Data.Analytics.ReadModel;
using Clv.Data.ModelRuns;
using Clv.Data.Subscriptions;
using Microsoft.EntityFrameworkCore;

namespace Clv.Api.Subscriptions;

/// <summary>A customer's subscription in the customer detail.</summary>
public sealed class CustomerSubscriptionResponse
{
    /// <summary>The billing system's subscription id.</summary>
    /// <example>sub-2024-0001</example>
    public required string ExternalId { get; init; }

    /// <summary>The plan.</summary>
    /// <example>pro</example>
    public required string Plan { get; init; }

    /// <summary><c>active</c>, or <c>ended</c> once its end day is on or before the day of the figures.</summary>
    /// <example>active</example>
    public required string Status { get; init; }

    /// <summary>When it started.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>
    /// When it ended or is set to end, as known now: a scheduled end after the day of the figures is shown too, with
    /// <c>status</c> <c>active</c> (also as of a past day before a later cancellation); null when no end is known.
    /// </summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary><c>month</c> or <c>year</c>.</summary>
    /// <example>month</example>
    public required string BillingPeriod { get; init; }

    /// <summary>The amount per period in the reporting currency.</summary>
    /// <example>49</example>
    public decimal Amount { get; init; }

    /// <summary>The renewals made so far: the renewal dates after the start, up to the day of the figures, at which it was still active.</summary>
    /// <example>3</example>
    public int Renewals { get; init; }

    /// <summary>
    /// For an active subscription, once an sbg run has fitted its cohort: the discounted expected residual lifetime
    /// (Fader &amp; Hardie 2010, eq. 6) in payments, with the run's discount rate; null otherwise.
    /// </summary>
    public double? Derl { get; init; }

    /// <summary>amount × the run's gross margin × <c>derl</c>, in the reporting currency; null when <c>derl</c> is.</summary>
    public double? ResidualClv { get; init; }
}

/// <summary>
/// A customer's subscriptions for the customer detail, valued with the latest succeeded sbg run: its
/// cohort's α and β, its discount rate and gross margin, for the subscriptions billed per the run's period.
/// </summary>
public static class CustomerSubscriptions
{
    /// <summary>The customer's subscriptions started on or before <paramref name="day"/>, the latest started first, as they stood at its end.</summary>
    public static async Task<List<CustomerSubscriptionResponse>> ReadAsync(ClvDbContext db, long customerId, DateOnly day, TimeZoneInfo zone, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var stored = await db.OfCustomerAsync(customerId, cancellationToken);
        if (stored.Count == 0)
        {
            return [];
        }

        var valuation = await SbgValuation.LatestAsync(db, cancellationToken);
        var list = new List<CustomerSubscriptionResponse>(stored.Count);
        foreach (var s in stored)
        {
            var started = HistoricalClvCalculator.LocalDate(s.StartedAt, zone);
            if (started > day)
            {
                continue;
            }

            var yearly = s.BillingPeriod == BillingPeriod.Year;
            var span = new SubscriptionSpan(s.Plan, started, s.EndedAt is { } end ? HistoricalClvCalculator.LocalDate(end, zone) : null, s.Amount);
            var active = span.EndedOn is not { } endedOn || endedOn > day;
            var renewals = SubscriptionRenewals.RenewalsMade(span, day, yearly);
            var derl = active ? valuation?.Derl(s.Plan, started, yearly, renewals) : null;

            list.Add(new CustomerSubscriptionResponse
            {
                ExternalId = s.ExternalId,
                Plan = s.Plan,
                Status = active ? "active" : "ended",
                StartedAt = s.StartedAt,
                EndedAt = s.EndedAt,
                BillingPeriod = yearly ? "year" : "month",
                Amount = s.Amount,
                Renewals = renewals,
                Derl = derl,
                ResidualClv = derl * (double)s.Amount * valuation?.GrossMargin,
            });
        }

        return list;
    }
}

/// <summary>
/// The latest succeeded sbg run, as the customer detail and segments value active subscriptions with it: its
/// cohorts' α and β, its cohorting, period, discount rate and gross margin.
/// </summary>
public sealed class SbgValuation
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly ModelRunOptions _options;
    private readonly Dictionary<string, SbgParameters> _cohorts;

    private SbgValuation(Guid runId, ModelRunOptions options, Dictionary<string, SbgParameters> cohorts) => (RunId, _options, _cohorts) = (runId, options, cohorts);

    /// <summary>The run's id.</summary>
    public Guid RunId { get; }

    /// <summary>The run's gross margin.</summary>
    public double GrossMargin => _options.GrossMargin ?? 1;

    /// <summary>The latest succeeded sbg run's valuation; null without one.</summary>
    public static async Task<SbgValuation?> LatestAsync(ClvDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var run = await db.ModelRuns.AsNoTracking()
            .Where(r => r.Status == ModelRunStatus.Succeeded && r.Cohorts != null)
            .OrderByDescending(r => r.FinishedAt).ThenByDescending(r => r.Id)
            .Select(r => new { r.Id, r.Options, r.Cohorts })
            .FirstOrDefaultAsync(cancellationToken);
        if (run is null)
        {
            return null;
        }

        var cohorts = JsonSerializer.Deserialize<List<SbgCohortResponse>>(run.Cohorts!, Json)!
            .Where(c => c is { Alpha: not null, Beta: not null })
            .ToDictionary(c => c.Cohort, c => new SbgParameters(c.Alpha!.Value, c.Beta!.Value), StringComparer.Ordinal);
        return new SbgValuation(run.Id, JsonSerializer.Deserialize<ModelRunOptions>(run.Options, Json)!, cohorts);
    }

    /// <summary>
    /// DERL at the run's discount rate of an active subscription that has made <paramref name="renewals"/> renewals;
    /// null when it is billed per another period than the run's or its cohort has no fit.
    /// </summary>
    public double? Derl(string plan, DateOnly startedOn, bool yearly, int renewals) =>
        _options is { CohortBy: { } cohortBy, DiscountRate: { } discount } && _options.PeriodUnit == (yearly ? "year" : "month")
        && _cohorts.TryGetValue(SubscriptionCohorts.CohortOf(cohortBy, plan, startedOn), out var parameters)
            ? parameters.DiscountedExpectedResidualLifetime(discount, renewals)
            : null;
}

/// <summary>The residual value of segments: Σ over each group's active subscriptions of amount × margin × DERL.</summary>
public static class SegmentResidualValues
{
    /// <summary>By group key; empty without an sbg run.</summary>
    public static Dictionary<string, double> Of(IEnumerable<ActiveSubscription> active, SbgValuation? valuation, DateOnly day)
    {
        ArgumentNullException.ThrowIfNull(active);
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        if (valuation is null)
        {
            return values;
        }

        foreach (var s in active)
        {
            var yearly = s.BillingPeriod == BillingPeriod.Year;
            var renewals = SubscriptionRenewals.RenewalsMade(new SubscriptionSpan(s.Plan, s.StartedOn, s.EndedOn, s.Amount), day, yearly);
            if (valuation.Derl(s.Plan, s.StartedOn, yearly, renewals) is { } derl)
            {
                values[s.GroupKey] = values.GetValueOrDefault(s.GroupKey) + ((double)s.Amount * valuation.GrossMargin * derl);
            }
        }

        return values;
    }
}
