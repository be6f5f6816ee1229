using Clv.Analytics.ModelRuns;
using Clv.Analytics.Models;

namespace Clv.Analytics.Tests.ModelRuns;

/// <summary>The renewal calendar, right-censoring and survival counts of subscriptions, worked by hand.</summary>
public sealed class SubscriptionCohortsTests
{
    private static SubscriptionSpan Span(string start, string? end = null) =>
        new("plan", DateOnly.Parse(start, System.Globalization.CultureInfo.InvariantCulture), end is null ? null : DateOnly.Parse(end, System.Globalization.CultureInfo.InvariantCulture), 10m);

    [Fact]
    public void Monthly_renewals_of_the_31st_fall_on_the_month_s_last_day()
    {
        var start = new DateOnly(2024, 1, 31);

        Assert.Equal(
            [new DateOnly(2024, 2, 29), new DateOnly(2024, 3, 31), new DateOnly(2024, 4, 30)],
            Enumerable.Range(1, 3).Select(k => SubscriptionRenewals.RenewalDate(start, k, yearly: false)));
        Assert.Equal(3, SubscriptionRenewals.ObservedRenewals(start, new DateOnly(2024, 4, 30), yearly: false));
        Assert.Equal(2, SubscriptionRenewals.ObservedRenewals(start, new DateOnly(2024, 4, 29), yearly: false));
    }

    [Fact]
    public void A_subscription_ended_on_its_renewal_date_did_not_renew()
    {
        Assert.Equal(new SbgObservation(1, true, 1), SubscriptionRenewals.Observe(Span("2024-01-15", "2024-02-15"), new DateOnly(2024, 6, 30), yearly: false));
        Assert.Equal(new SbgObservation(2, true, 1), SubscriptionRenewals.Observe(Span("2024-01-15", "2024-02-16"), new DateOnly(2024, 6, 30), yearly: false));
    }

    [Fact]
    public void An_end_after_the_last_observed_renewal_date_is_censored_there()
    {
        // Started 10 June, ended 25 June, as of 30 June: its first renewal (10 July) is not observed yet.
        Assert.Equal(new SbgObservation(0, false, 1), SubscriptionRenewals.Observe(Span("2024-06-10", "2024-06-25"), new DateOnly(2024, 6, 30), yearly: false));
        Assert.Equal(new SbgObservation(1, false, 1), SubscriptionRenewals.Observe(Span("2024-05-20"), new DateOnly(2024, 6, 30), yearly: false));
    }

    [Fact]
    public void Survival_counts_each_subscription_only_at_the_renewal_dates_observed()
    {
        // A: 15 Jan, ended 10 Mar (alive at 15 Feb, not 15 Mar; observed to 15 Jun, k = 5). B: 20 May, active (k ≤ 1).
        // C: 10 Jun, ended 25 Jun (k = 0). D: 15 Jan, ended 15 Feb (not alive at k = 1; observed to k = 5).
        var spans = new[] { Span("2024-01-15", "2024-03-10"), Span("2024-05-20"), Span("2024-06-10", "2024-06-25"), Span("2024-01-15", "2024-02-15") };

        var cohort = SubscriptionCohorts.Fit(spans, new DateOnly(2024, 6, 30), yearly: false, horizonPeriods: 5, discountRate: 0.01, grossMargin: 1).Single();

        Assert.Equal(
            [new CohortSurvival(0, 4, 4), new CohortSurvival(1, 3, 2), new CohortSurvival(2, 2, 0), new CohortSurvival(3, 2, 0), new CohortSurvival(4, 2, 0), new CohortSurvival(5, 2, 0)],
            cohort.Survival);
        Assert.Equal(1, cohort.ActiveSubscriptions); // B: C ended on 25 June, before 30 June
    }

    [Fact]
    public void Cohort_keys_are_the_plan_the_start_month_or_the_start_year()
    {
        var day = new DateOnly(2024, 3, 5);

        Assert.Equal(("pro", "2024-03", "2024"), (SubscriptionCohorts.CohortOf("plan", "pro", day), SubscriptionCohorts.CohortOf("startMonth", "pro", day), SubscriptionCohorts.CohortOf("startYear", "pro", day)));
    }
}
