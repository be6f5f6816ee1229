using Clv.Analytics.Cohorts;
using Clv.Analytics.Portfolio;
using static Clv.Analytics.Tests.Portfolio.PortfolioBuilder;

namespace Clv.Analytics.Tests.Portfolio;

/// <summary>The definitions of docs/metrics.md on hand-built portfolios; the arithmetic is in the comments.</summary>
public sealed class PortfolioDefinitionTests
{
    private static readonly PortfolioSettings Settings = new();

    private static SegmentFigures All(CustomerStates states, string? from = null, string? to = null) =>
        SegmentReport.Compute(states, Grouping.All(states.Facts), new SegmentQuery(from is null ? null : D(from), D(to ?? DateOnly.FromDayNumber(states.Reference).ToString("O", null)), CalendarPeriod.Month), Settings).Single();

    [Fact]
    public void A_customer_churns_when_the_window_has_passed_since_the_last_purchase()
    {
        // Last purchase 1997-01-01, window 90 days. 1997-01-01 + 90 days = 1997-04-01
        // (31 days of January + 28 of February + 31 of March = 90): churned from 1997-04-01 on.
        var portfolio = new PortfolioBuilder().Customer(1, "ads", ("1997-01-01", 10m));

        Assert.False(portfolio.States("1997-03-31").Churned[0]);
        Assert.True(portfolio.States("1997-04-01").Churned[0]);
    }

    [Fact]
    public void Customer_churn_rate_counts_those_who_became_churned_among_those_not_churned_at_the_start()
    {
        // Window 90. April 1997 (1997-04-01..04-30):
        //   1 bought 1997-01-15: churned on 04-15 (Jan 15 + 90 = Apr 15)         -> at risk, churned
        //   2 bought 1997-03-10: churns on 06-08, not in April                    -> at risk, stayed
        //   3 bought 1996-12-01: churned on 1997-03-01, already churned at start  -> not counted
        //   4 acquired in April: not a customer at the start                      -> not counted
        // churn rate = 1 / 2 = 0.5.
        var portfolio = new PortfolioBuilder()
            .Customer(1, "ads", ("1997-01-15", 10m))
            .Customer(2, "ads", ("1997-03-10", 10m))
            .Customer(3, "ads", ("1996-12-01", 10m))
            .Customer(4, "ads", ("1997-04-20", 10m));
        var facts = portfolio.Build();

        var churn = Enumerable.Range(0, 4).Select(i => CustomerActivity.ChurnIn(facts, i, D("1997-04-01").DayNumber, D("1997-04-30").DayNumber, 90)).ToArray();
        var states = portfolio.States("1997-04-30");
        var all = All(states);

        Assert.Equal([ChurnOutcome.Churned, ChurnOutcome.Stayed, ChurnOutcome.NotAtRisk, ChurnOutcome.NotAtRisk], churn);
        Assert.Equal(0.5, all.ChurnRate);
        // Churned as of 04-30: 1 (since 04-15) and 3 (since 03-01); 2 and 4 are not.
        Assert.Equal(2, all.ChurnedCustomers);
    }

    [Fact]
    public void Retention_across_a_year_boundary_is_the_share_of_december_actives_active_in_january()
    {
        // Active in 1997-12: 1, 2, 3. Active in 1998-01: 1, 2, 4. Retained: 1 and 2 -> 2/3.
        var portfolio = new PortfolioBuilder()
            .Customer(1, "ads", ("1997-12-05", 10m), ("1998-01-07", 10m))
            .Customer(2, "ads", ("1997-12-31", 10m), ("1998-01-01", 10m))
            .Customer(3, "ads", ("1997-12-15", 10m))
            .Customer(4, "ads", ("1998-01-20", 10m));
        var states = portfolio.States("1998-01-31");

        var all = All(states);
        var series = TimeSeriesReport.Compute(states, Grouping.All(states.Facts), TimeSeriesMetric.RetentionRate, CalendarPeriod.Month, D("1997-12-01"), D("1998-01-31"), Settings).Single();

        Assert.Equal(2.0 / 3, all.RetentionRate!.Value, 12);
        Assert.Equal(1.0 / 3, all.PeriodChurnRate!.Value); // the rate of 1 in 3, to the last bit, not 1 − 2/3
        Assert.Equal(3, all.ActiveCustomers);
        Assert.Null(series.Points[0].Value); // nobody was active in November
        Assert.Equal(0.6667m, series.Points[1].Value);
    }

    [Fact]
    public void Spend_across_two_months_is_prorated_by_days()
    {
        // 3,100 over 1997-01-17..02-15 = 30 days, 100 a day: January has 15 of them (17..31), February 15 (1..15).
        // 10 customers acquired in January: CAC of January = 1,550 / 10 = 155; February has spend but no new customer.
        var portfolio = new PortfolioBuilder().Spend("ads", "1997-01-17", "1997-02-15", 3_100m);
        for (var id = 1; id <= 10; id++)
        {
            portfolio.Customer(id, "ads", ("1997-01-20", 5m));
        }

        var states = portfolio.States("1997-02-28");
        var spend = TimeSeriesReport.Compute(states, Grouping.ByChannel(states.Facts), TimeSeriesMetric.Spend, CalendarPeriod.Month, D("1997-01-01"), D("1997-02-28"), Settings).Single();
        var cac = TimeSeriesReport.Compute(states, Grouping.All(states.Facts), TimeSeriesMetric.Cac, CalendarPeriod.Month, D("1997-01-01"), D("1997-02-28"), Settings).Single();
        var january = All(states, "1997-01-01", "1997-01-31");

        Assert.Equal([1_550m, 1_550m], spend.Points.Select(p => p.Value));
        Assert.Equal([155m, null], cac.Points.Select(p => p.Value));
        Assert.Equal(1_550m, january.Spend);
        Assert.Equal(155m, january.Cac);
    }

    [Fact]
    public void Spend_of_a_period_is_the_spend_alone_whoever_buys_in_it()
    {
        // 5,900 over 1997-01-01..02-28 = 59 days, 100 a day: January 31 × 100 = 3,100, February
        // 28 × 100 = 2,800, March none. Customers 1 and 2 buy in all three months and 3 in January
        // only; their purchases and retention are no money of the channel.
        var portfolio = new PortfolioBuilder()
            .Spend("ads", "1997-01-01", "1997-02-28", 5_900m)
            .Customer(1, "ads", ("1997-01-10", 20m), ("1997-02-10", 20m), ("1997-03-10", 20m))
            .Customer(2, "ads", ("1997-01-12", 30m), ("1997-02-12", 30m), ("1997-03-12", 30m))
            .Customer(3, "ads", ("1997-01-15", 40m));
        var states = portfolio.States("1997-03-31");

        var spend = TimeSeriesReport.Compute(states, Grouping.ByChannel(states.Facts), TimeSeriesMetric.Spend, CalendarPeriod.Month, D("1997-01-01"), D("1997-03-31"), Settings).Single();

        Assert.Equal([3_100m, 2_800m, 0m], spend.Points.Select(p => p.Value));
    }

    [Fact]
    public void Payback_is_reached_in_the_third_month_and_clv_to_cac_uses_gross_profit()
    {
        // Channel ads: 300 spent in January 1997, 10 customers acquired in January: CAC = 30.
        // Each buys 25 at a cost of 15 (gross profit 10) in January, February and March 1997.
        // Cumulative gross profit per customer: 10, 20, 30 -> reaches CAC = 30 in month 3.
        // As of 1997-03-31 each has 30 of gross profit: CLV:CAC = 30 / 30 = 1 (weak: 1 to 3).
        var portfolio = new PortfolioBuilder().Spend("ads", "1997-01-01", "1997-01-31", 300m);
        for (var id = 1; id <= 10; id++)
        {
            portfolio.Customer(id, "ads", null, "1997-01-02")
                .Day(id, "1997-01-10", 25m, cost: 15m)
                .Day(id, "1997-02-10", 25m, cost: 15m)
                .Day(id, "1997-03-10", 25m, cost: 15m);
        }

        var states = portfolio.States("1997-03-31");
        var ads = SegmentReport.Compute(states, Grouping.ByChannel(states.Facts), new SegmentQuery(D("1997-01-01"), D("1997-01-31"), CalendarPeriod.Month), Settings).Single();

        Assert.Equal(30m, ads.Cac);
        Assert.Equal(3, ads.PaybackMonths);
        Assert.Equal(1m, ads.ClvToCac);
        Assert.Equal("weak", ads.ClvToCacHealth);
        Assert.Equal("good", ads.PaybackHealth);
        Assert.Equal(750m, ads.CustomerEquity); // 10 customers × 3 × 25 of net revenue
    }

    [Fact]
    public void Payback_not_yet_reached_is_null()
    {
        // CAC 30 again, but only January and February observed: 10 + 10 = 20 < 30.
        var portfolio = new PortfolioBuilder().Spend("ads", "1997-01-01", "1997-01-31", 300m);
        for (var id = 1; id <= 10; id++)
        {
            portfolio.Customer(id, "ads", null, "1997-01-02").Day(id, "1997-01-10", 25m, cost: 15m).Day(id, "1997-02-10", 25m, cost: 15m);
        }

        var states = portfolio.States("1997-02-28");
        var ads = SegmentReport.Compute(states, Grouping.ByChannel(states.Facts), new SegmentQuery(D("1997-01-01"), D("1997-01-31"), CalendarPeriod.Month), Settings).Single();

        Assert.Null(ads.PaybackMonths);
        Assert.Null(ads.PaybackHealth); // 2 months observed, not yet beyond the 18 acceptable ones
    }

    [Fact]
    public void Rfm_quintiles_give_ties_the_same_score()
    {
        // Net revenue of 10 buyers: 10, 10, 10, 10, 20, 30, 40, 50, 60, 70 (one purchase day each).
        // Score = 1 + ⌊5 × (values strictly below) / 10⌋:
        //   10 -> 0 below -> 1 (all four tied customers); 20 -> 4 -> 3; 30 -> 5 -> 3; 40 -> 6 -> 4;
        //   50 -> 7 -> 4; 60 -> 8 -> 5; 70 -> 9 -> 5.
        // Frequency: all have 1 purchase day, 0 below -> 1 for everyone.
        // Recency on 1997-12-31: all bought on 1997-12-01 (30 days); none bought longer ago, so
        // 1 + ⌊5 × 0 / 10⌋ = 1 for everyone.
        decimal[] values = [10, 10, 10, 10, 20, 30, 40, 50, 60, 70];
        var portfolio = new PortfolioBuilder();
        for (var i = 0; i < values.Length; i++)
        {
            portfolio.Customer(i + 1, "ads", ("1997-12-01", values[i]));
        }

        var states = portfolio.States("1997-12-31");

        Assert.Equal([1, 1, 1, 1, 3, 3, 4, 4, 5, 5], states.Monetary.Select(m => (int)m));
        Assert.All(states.Frequency, f => Assert.Equal(1, f));
        Assert.All(states.Recency, r => Assert.Equal(1, r));
    }

    [Fact]
    public void Rfm_recency_scores_the_most_recent_buyers_highest_and_names_the_segment()
    {
        // Five buyers, last purchases 10, 20, 30, 40, 50 days before 1997-12-31.
        // Recency score = 1 + ⌊5 × (customers with older purchases) / 5⌋: 10 days -> 4 older -> 5; ...; 50 days -> 0 -> 1.
        // Customer 1 also buys on 4 more days and spends most: F = 5, M = 5, R = 5 -> FM 5 -> Champions.
        // Customer 5: R = 1, F = 1 (0 below), M: spends 1, the least -> 1 -> FM 1 -> Lost.
        var portfolio = new PortfolioBuilder()
            .Customer(1, "ads", ("1997-10-01", 100m), ("1997-10-02", 100m), ("1997-10-03", 100m), ("1997-10-04", 100m), ("1997-12-21", 100m))
            .Customer(2, "ads", ("1997-12-11", 20m))
            .Customer(3, "ads", ("1997-12-01", 30m))
            .Customer(4, "ads", ("1997-11-21", 40m))
            .Customer(5, "ads", ("1997-11-11", 1m));
        var states = portfolio.States("1997-12-31");

        Assert.Equal([5, 4, 3, 2, 1], states.Recency.Select(r => (int)r));
        Assert.Equal("Champions", Rfm.Segments[states.RfmSegment[0]]);
        Assert.Equal("Lost", Rfm.Segments[states.RfmSegment[4]]);
    }

    [Fact]
    public void A_customer_ranked_apart_is_scored_against_the_portfolios_buyers_as_loaded()
    {
        // The loaded portfolio: five buyers, one purchase day each on 1997-12-01, net revenue
        // 10, 20, 30, 40, 50. Customer 9 is not in it: acquired on 1997-06-01, they bought 45 on
        // 1997-12-21 and 15 on 1997-12-26 after the facts were read (net 60, 2 purchase days,
        // 5 days before 1997-12-31).
        // Scored as one more buyer among the five (n = 6), 1 + ⌊5 × k / 6⌋ with k the values it outranks:
        //   recency 5 days, the other five 30 days: k = 5 -> 1 + ⌊25 / 6⌋ = 5;
        //   frequency 2 purchase days against 1 each: k = 5 -> 5; monetary 60 above 10..50: k = 5 -> 5.
        // R 5, FM 5 -> Champions. Not churned (bought 5 days ago); last 12 months 45 + 15 = 60.
        // A loaded buyer moved the same way replaces their old values instead (n stays 5):
        // customer 1 (10 -> 60 net, 2 days, 5 days ago) outranks the other four: 1 + ⌊20 / 5⌋ = 5 each.
        var portfolio = new PortfolioBuilder();
        decimal[] values = [10, 20, 30, 40, 50];
        for (var i = 0; i < values.Length; i++)
        {
            portfolio.Customer(i + 1, "ads", ("1997-12-01", values[i]));
        }

        var states = portfolio.States("1997-12-31");
        var standing = states.RankApart(
            new CustomerFact(9, D("1997-06-01"), "web", null),
            [new DayFact(9, D("1997-12-21"), 1, 45m, 45m, 0m, false), new DayFact(9, D("1997-12-26"), 1, 15m, 15m, 0m, false)]);

        Assert.Equal((5, 5, 5), (standing.Recency, standing.Frequency, standing.Monetary));
        Assert.Equal("Champions", Rfm.Segments[standing.RfmSegment]);
        Assert.False(standing.Churned);
        Assert.Equal(60m, standing.Last12Months);

        var moved = states.RankApart(
            new CustomerFact(1, D("1997-12-01"), "ads", null),
            [new DayFact(1, D("1997-12-01"), 1, 10m, 10m, 0m, false), new DayFact(1, D("1997-12-26"), 1, 50m, 50m, 0m, false)]);
        Assert.Equal((5, 5, 5), (moved.Recency, moved.Frequency, moved.Monetary));
        Assert.Equal((1, 1, 1), (states.Recency[0], states.Frequency[0], states.Monetary[0]));
    }

    [Fact]
    public void Refunds_reduce_historical_clv_and_revenue_share()
    {
        // Customer 1 buys 100 and returns 40 the same day: net 60. Customer 2 (channel web) buys 40.
        // Total net 100: ads has 60% of it, web 40%.
        var portfolio = new PortfolioBuilder()
            .Customer(1, "ads", null, "1997-01-01").Day(1, "1997-01-05", 100m, refunds: 40m)
            .Customer(2, "web", ("1997-01-06", 40m));
        var states = portfolio.States("1997-01-31");

        var segments = SegmentReport.Compute(states, Grouping.ByChannel(states.Facts), new SegmentQuery(null, D("1997-01-31"), CalendarPeriod.Month), Settings);

        Assert.Equal(60m, states.NetRevenue[0]);
        Assert.Equal(0.6m, segments.Single(s => s.Key == "ads").RevenueShare);
        Assert.Equal(0.4m, segments.Single(s => s.Key == "web").RevenueShare);
    }

    [Fact]
    public void Revenue_shares_leave_0_1_when_a_segment_has_negative_net_revenue_but_still_add_up_to_1()
    {
        // Customer 1 (ads) buys 100. Customer 2 (web) buys 50 and returns 100 the next day: net −50.
        // Total net 100 − 50 = 50: ads 100 / 50 = 2, web −50 / 50 = −1.
        var portfolio = new PortfolioBuilder()
            .Customer(1, "ads", ("1997-01-05", 100m))
            .Customer(2, "web", ("1997-01-06", 50m)).Day(2, "1997-01-07", 0m, refunds: 100m);
        var states = portfolio.States("1997-01-31");

        var segments = SegmentReport.Compute(states, Grouping.ByChannel(states.Facts), new SegmentQuery(null, D("1997-01-31"), CalendarPeriod.Month), Settings);

        Assert.Equal(2m, segments.Single(s => s.Key == "ads").RevenueShare);
        Assert.Equal(-1m, segments.Single(s => s.Key == "web").RevenueShare);
    }

    [Fact]
    public void Customers_without_acquisition_or_transactions_anywhere_form_the_unknown_cohort()
    {
        // Two CRM profiles with neither acquiredAt nor a transaction: the portfolio has no first day.
        var portfolio = new PortfolioBuilder().Customer(1, "ads").Customer(2, "web");
        var states = portfolio.States("1997-01-31");

        var segments = SegmentReport.Compute(states, Grouping.ByCohort(states.Facts, CalendarPeriod.Month), new SegmentQuery(null, D("1997-01-31"), CalendarPeriod.Month), Settings);
        var series = TimeSeriesReport.Compute(states, Grouping.ByCohort(states.Facts, CalendarPeriod.Month), TimeSeriesMetric.ActiveCustomers, CalendarPeriod.Month, D("1997-01-01"), D("1997-01-31"), Settings);

        Assert.Equal([("unknown", 2)], segments.Select(s => (s.Key, s.Customers)));
        Assert.Equal([0m], series.Single(s => s.Key == "unknown").Points.Select(p => p.Value));
    }

    [Fact]
    public void Median_is_the_mean_of_the_two_middle_values_per_segment()
    {
        // ads: 10, 20, 30, 40 -> (20 + 30) / 2 = 25; web: 5, 7, 100 -> 7.
        var portfolio = new PortfolioBuilder()
            .Customer(1, "ads", ("1997-01-01", 40m)).Customer(2, "ads", ("1997-01-01", 10m))
            .Customer(3, "ads", ("1997-01-01", 30m)).Customer(4, "ads", ("1997-01-01", 20m))
            .Customer(5, "web", ("1997-01-01", 100m)).Customer(6, "web", ("1997-01-01", 5m)).Customer(7, "web", ("1997-01-01", 7m));
        var states = portfolio.States("1997-01-31");

        var segments = SegmentReport.Compute(states, Grouping.ByChannel(states.Facts), new SegmentQuery(null, D("1997-01-31"), CalendarPeriod.Month), Settings);

        Assert.Equal(25m, segments.Single(s => s.Key == "ads").MedianHistoricalClv);
        Assert.Equal(7m, segments.Single(s => s.Key == "web").MedianHistoricalClv);
        Assert.Equal(25m, segments.Single(s => s.Key == "ads").AvgHistoricalClv);
    }

    [Fact]
    public void A_spend_decline_of_half_or_more_marks_a_customer_at_risk()
    {
        // As of 1998-12-31: last 12 months = 1998-01-01..1998-12-31, the 12 before = 1997.
        // Customer 1: 300 in 1997, 100 in 1998: change = 100 / 300 − 1 = −0.667, a fall of at least half -> at risk.
        // Customer 2: 300 in 1997, 200 in 1998: −0.333 -> not at risk.
        var portfolio = new PortfolioBuilder()
            .Customer(1, "ads", ("1997-03-01", 300m), ("1998-03-01", 100m))
            .Customer(2, "ads", ("1997-03-01", 300m), ("1998-03-01", 200m));
        var states = portfolio.States("1998-12-31");

        Assert.Equal([100m, 200m], states.Last12Months);
        Assert.Equal([300m, 300m], states.Previous12Months);
        Assert.Equal([true, false], states.AtRisk);
    }

    [Fact]
    public void Clv_tiers_split_by_rank_top_1_top_10_middle_40_bottom_50()
    {
        // 200 customers with net revenue 1..200. Top 1% = 2 customers (200, 199), top 10% = 20
        // (the next 18: 198..181), middle 40% = 80 (180..101), bottom 50% = 100 (100..1).
        var portfolio = new PortfolioBuilder();
        for (var id = 1; id <= 200; id++)
        {
            portfolio.Customer(id, "ads", ("1997-01-01", id));
        }

        var states = portfolio.States("1997-01-31");
        var counts = states.Tier.GroupBy(t => CustomerStates.Tiers[t]).ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal(2, counts["top1"]);
        Assert.Equal(18, counts["top10"]);
        Assert.Equal(80, counts["middle40"]);
        Assert.Equal(100, counts["bottom50"]);
        Assert.Equal("top1", CustomerStates.Tiers[states.Tier[199]]);
        Assert.Equal("bottom50", CustomerStates.Tiers[states.Tier[99]]);
    }

    [Fact]
    public void Clv_tiers_follow_the_model_run_when_there_is_one()
    {
        // Historical order is 1 < 2, but the run predicts customer 1 higher: with 2 customers, top 1% = 1 customer.
        var portfolio = new PortfolioBuilder()
            .Customer(1, "ads", ("1997-01-01", 1m)).Customer(2, "ads", ("1997-01-01", 100m))
            .Prediction(1, 500m, 0.9).Prediction(2, 5m, 0.2);
        var states = portfolio.States("1997-01-31");
        var all = All(states);

        Assert.Equal("top1", CustomerStates.Tiers[states.Tier[0]]);
        Assert.Equal(1, all.ModelChurnedCustomers); // P(alive) 0.2 < 0.5
        Assert.Equal(252.5m, all.AvgPredictedClv);
    }

    [Fact]
    public void Health_bands_follow_the_literature()
    {
        var saas = HealthBands.Saas;
        Assert.Equal(["losing", "weak", "healthy", "healthy", "underInvesting"], new decimal?[] { 0.5m, 2m, 3m, 5m, 5.1m }.Select(saas.ClvToCac));
        Assert.Equal(["good", "acceptable", "poor"], new int?[] { 12, 18, 19 }.Select(m => saas.Payback(m, 24)));
        Assert.Equal("acceptable", HealthBands.Retail.Payback(9, 24));
    }

    [Fact]
    public void B2b_bands_allow_18_months_good_and_24_acceptable()
    {
        var b2b = HealthBands.B2B;

        // The CLV:CAC bands are those of every model: < 1 / 1–3 / 3–5 / > 5.
        Assert.Equal(["losing", "weak", "healthy", "healthy", "underInvesting"], new decimal?[] { 0.99m, 1m, 3m, 5m, 5.01m }.Select(b2b.ClvToCac));
        Assert.Equal(["good", "acceptable", "acceptable", "poor"], new int?[] { 18, 19, 24, 25 }.Select(m => b2b.Payback(m, 36)));
    }

    [Fact]
    public void A_payback_not_reached_is_unknown_up_to_the_acceptable_months_and_poor_past_them()
    {
        // SaaS accepts 18 months: 18 observed months without payback may still pay back in an acceptable time, 19 cannot.
        Assert.Null(HealthBands.Saas.Payback(null, 18));
        Assert.Equal("poor", HealthBands.Saas.Payback(null, 19));
        // B2B accepts 24.
        Assert.Null(HealthBands.B2B.Payback(null, 24));
        Assert.Equal("poor", HealthBands.B2B.Payback(null, 25));
    }
}
