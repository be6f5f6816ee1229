using Clv.Analytics.Models;

namespace Clv.Analytics.ModelRuns;

/// <summary>One subscription as a contractual run reads it: its cohort, its days in the reporting time zone and its amount.</summary>
/// <param name="Cohort">The cohort key (plan, start month or start year).</param>
/// <param name="StartedOn">The day it started: its 0-th renewal date.</param>
/// <param name="EndedOn">The day it ended; null while active.</param>
/// <param name="AmountPerPeriod">The amount billed per period, in the reporting currency.</param>
public readonly record struct SubscriptionSpan(string Cohort, DateOnly StartedOn, DateOnly? EndedOn, decimal AmountPerPeriod);

/// <summary>
/// The renewal calendar of subscriptions: the k-th renewal date is the start plus k periods (the
/// month's last day when it is shorter). A subscription active at its k-th renewal date (k = 0 at its
/// start) has survived k periods; one that ended on or before that date has not. Only renewal dates on
/// or before the as-of day are observed, so a recent subscription tells only of its first periods.
/// </summary>
public static class SubscriptionRenewals
{
    /// <summary>The k-th renewal date of a subscription that started on <paramref name="start"/>.</summary>
    public static DateOnly RenewalDate(DateOnly start, int k, bool yearly) => yearly ? start.AddYears(k) : start.AddMonths(k);

    /// <summary>The renewal dates on or before <paramref name="asOf"/> after the start: K, the last renewal date observed (−1 when it starts later).</summary>
    public static int ObservedRenewals(DateOnly start, DateOnly asOf, bool yearly)
    {
        if (start > asOf)
        {
            return -1;
        }

        var k = yearly ? asOf.Year - start.Year : (asOf.Year - start.Year) * 12 + asOf.Month - start.Month;
        while (k > 0 && RenewalDate(start, k, yearly) > asOf)
        {
            k--;
        }

        return k;
    }

    /// <summary>Whether the subscription was alive at its k-th renewal date: it had not ended on or before it.</summary>
    public static bool AliveAt(SubscriptionSpan span, int k, bool yearly) =>
        k == 0 || span.EndedOn is not { } end || end > RenewalDate(span.StartedOn, k, yearly);

    /// <summary>
    /// The renewals a subscription has made as of <paramref name="asOf"/>: the renewal dates after its start,
    /// on or before the day, at which it was alive; n − 1 in DERL's terms.
    /// </summary>
    public static int RenewalsMade(SubscriptionSpan span, DateOnly asOf, bool yearly)
    {
        var observed = ObservedRenewals(span.StartedOn, asOf, yearly);
        var k = 0;
        while (k < observed && AliveAt(span, k + 1, yearly))
        {
            k++;
        }

        return k;
    }

    /// <summary>
    /// The sBG observation of a subscription started on or before <paramref name="asOf"/>: churned in period t when it
    /// was alive at renewal t−1 and not at renewal t ≤ K; otherwise active after the K periods observed.
    /// </summary>
    public static SbgObservation Observe(SubscriptionSpan span, DateOnly asOf, bool yearly)
    {
        var observed = ObservedRenewals(span.StartedOn, asOf, yearly);
        var made = RenewalsMade(span, asOf, yearly);
        return made < observed ? new SbgObservation(made + 1, true, 1) : new SbgObservation(observed, false, 1);
    }
}

/// <summary>The survival counts of a cohort at one renewal date.</summary>
/// <param name="Period">k: the k-th renewal date (0 at the start).</param>
/// <param name="Observed">Subscriptions whose k-th renewal date is on or before the as-of day.</param>
/// <param name="Alive">Of those, the ones alive at it: they have survived k periods.</param>
public readonly record struct CohortSurvival(int Period, int Observed, int Alive);

/// <summary>One cohort's sBG fit and what follows from it.</summary>
/// <param name="Cohort">The cohort key.</param>
/// <param name="Subscriptions">Subscriptions in the cohort started on or before the as-of day.</param>
/// <param name="Fit">The maximum-likelihood fit (failed with a reason when the data cannot identify α and β).</param>
/// <param name="Survival">Observed survival counts at renewal dates 0..K.</param>
/// <param name="Projection">S(t) and r(t) for the next horizon periods after the last observed one; empty when the fit failed.</param>
/// <param name="ActiveSubscriptions">Subscriptions not ended on the as-of day.</param>
/// <param name="ResidualValue">Σ over the active subscriptions of amount × margin × DERL; null when the fit failed.</param>
public sealed record SbgCohort(
    string Cohort,
    int Subscriptions,
    FitResult<SbgParameters> Fit,
    IReadOnlyList<CohortSurvival> Survival,
    IReadOnlyList<SbgProjection> Projection,
    int ActiveSubscriptions,
    double? ResidualValue);

/// <summary>Fits one shifted-beta-geometric model per cohort of subscriptions (Fader &amp; Hardie 2007) and values the active ones (Fader &amp; Hardie 2010).</summary>
public static class SubscriptionCohorts
{
    /// <summary>
    /// Fits each cohort of <paramref name="spans"/> by maximum likelihood on its survival, right-censored at
    /// <paramref name="asOf"/>, projects <paramref name="horizonPeriods"/> periods, and sums the residual value of its
    /// active subscriptions: amount × <paramref name="grossMargin"/> × DERL at <paramref name="discountRate"/> per period
    /// for a subscriber who has made the renewals observed so far. Cohorts come out in ordinal order of their key.
    /// </summary>
    public static IReadOnlyList<SbgCohort> Fit(
        IEnumerable<SubscriptionSpan> spans, DateOnly asOf, bool yearly, int horizonPeriods, double discountRate, double grossMargin)
    {
        ArgumentNullException.ThrowIfNull(spans);
        var cohorts = new List<SbgCohort>();
        foreach (var group in spans.Where(s => s.StartedOn <= asOf).GroupBy(s => s.Cohort, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var members = group.ToList();
            var observations = members
                .Select(s => SubscriptionRenewals.Observe(s, asOf, yearly))
                .GroupBy(o => (o.Periods, o.Churned))
                .Select(g => new SbgObservation(g.Key.Periods, g.Key.Churned, g.Count()))
                .OrderBy(o => o.Periods).ThenBy(o => o.Churned)
                .ToList();
            var fit = ShiftedBetaGeometric.Fit(observations);
            var lastObserved = members.Max(s => SubscriptionRenewals.ObservedRenewals(s.StartedOn, asOf, yearly));
            var survival = new List<CohortSurvival>(lastObserved + 1);
            for (var k = 0; k <= lastObserved; k++)
            {
                var observed = members.Where(s => SubscriptionRenewals.ObservedRenewals(s.StartedOn, asOf, yearly) >= k).ToList();
                survival.Add(new CohortSurvival(k, observed.Count, observed.Count(s => SubscriptionRenewals.AliveAt(s, k, yearly))));
            }

            var active = members.Where(s => s.EndedOn is not { } end || end > asOf).ToList();
            double? residual = null;
            if (fit.Converged)
            {
                var parameters = fit.Parameters;
                residual = active.Sum(s => parameters.ResidualValue((double)s.AmountPerPeriod, grossMargin, discountRate, SubscriptionRenewals.RenewalsMade(s, asOf, yearly)));
            }

            cohorts.Add(new SbgCohort(
                group.Key,
                members.Count,
                fit,
                survival,
                fit.Converged ? fit.Parameters.Project(lastObserved, horizonPeriods) : [],
                active.Count,
                residual));
        }

        return cohorts;
    }

    /// <summary>The cohort key of a subscription: its plan, its start month (YYYY-MM) or its start year (YYYY).</summary>
    public static string CohortOf(string cohortBy, string plan, DateOnly startedOn) => cohortBy switch
    {
        "startMonth" => startedOn.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture),
        "startYear" => startedOn.ToString("yyyy", System.Globalization.CultureInfo.InvariantCulture),
        _ => plan,
    };
}
