using Clv.Analytics.Cohorts;
using Clv.Analytics.Portfolio;
using CsCheck;

namespace Clv.Analytics.Tests.Portfolio;

/// <summary>Invariants of the portfolio analytics over random portfolios (CsCheck).</summary>
public sealed class PortfolioPropertyTests
{
    private static readonly PortfolioSettings Settings = new() { ChurnWindowDays = 60 };
    private static readonly DateOnly Start = new(1997, 1, 1);

    // A random portfolio: up to 40 customers over two years, some with an explicit acquisition
    // day, purchases with refunds no larger than the day's purchases, costs on some, spend on two
    // channels, and a model run on half of the cases.
    private static readonly Gen<(PortfolioFacts Facts, DateOnly AsOf)> Portfolios =
        Gen.Select(
            Gen.Select(Gen.Int[0, 3], Gen.Int[0, 2], Gen.Bool, Gen.Select(Gen.Int[0, 700], Gen.Int[0, 500], Gen.Int[0, 100], Gen.Bool).Array[0, 8]).Array[1, 40],
            Gen.Int[0, 730],
            Gen.Bool)
        .Select((customers, asOf, withRun) =>
        {
            var builder = new PortfolioBuilder();
            string?[] channels = ["ads", "web", "referral", null];
            string?[] countries = ["DE", "US", null];
            for (var id = 0; id < customers.Length; id++)
            {
                var (channel, country, explicitAcquisition, days) = customers[id];
                var firstDay = days.Length == 0 ? 0 : days.Min(d => d.Item1);
                string? acquired = explicitAcquisition || days.Length == 0 ? Start.AddDays(firstDay / 2).ToString("O", null) : null;
                builder.Customer(id + 1, channels[channel], countries[country], acquired);
                foreach (var (day, amount, refundShare, withCost) in days)
                {
                    var refunds = amount * refundShare / 100m;
                    builder.Day(id + 1, Start.AddDays(day).ToString("O", null), amount, refunds, withCost ? amount / 2m : null);
                }

                if (withRun && days.Length > 0)
                {
                    builder.Prediction(id + 1, days.Length * 10m, (id % 10) / 10.0);
                }
            }

            builder.Spend("ads", "1997-01-01", "1997-06-30", 1_000m).Spend("web", "1997-03-15", "1998-02-14", 2_000m);
            return (builder.Build(), Start.AddDays(asOf));
        });

    private static IEnumerable<Grouping> Groupings(CustomerStates states) =>
    [
        Grouping.All(states.Facts), Grouping.ByChannel(states.Facts), Grouping.ByCountry(states.Facts),
        Grouping.ByCohort(states.Facts, CalendarPeriod.Month), Grouping.ByRfmSegment(states), Grouping.ByClvTier(states),
    ];

    [Fact]
    public void Segment_counts_and_equity_add_up_to_the_total_for_every_grouping_and_every_rate_lies_in_0_1()
    {
        Portfolios.Sample(p =>
        {
            var states = CustomerStates.Compute(p.Facts, p.AsOf, p.AsOf, Settings);
            var included = states.Included.Count(x => x);
            var equity = Enumerable.Range(0, p.Facts.Count).Where(i => states.Included[i]).Sum(i => states.NetRevenue[i]);
            foreach (var grouping in Groupings(states))
            {
                var segments = SegmentReport.Compute(states, grouping, new SegmentQuery(null, p.AsOf, CalendarPeriod.Month), Settings);
                Assert.Equal(included, segments.Sum(s => s.Customers));
                Assert.Equal(equity, segments.Sum(s => s.CustomerEquity));
                foreach (var s in segments)
                {
                    foreach (var rate in new[] { s.RepeatPurchaseRate, s.RetentionRate, s.ChurnRate, s.PeriodChurnRate, (double?)s.RevenueShare })
                    {
                        Assert.True(rate is null or >= 0 and <= 1, $"{grouping.By} {s.Key}: rate {rate}");
                    }
                }
            }
        }, iter: 300);
    }

    [Fact]
    public void Time_series_rates_lie_in_0_1_and_active_customers_match_the_segments_of_each_month()
    {
        Portfolios.Sample(p =>
        {
            var states = CustomerStates.Compute(p.Facts, p.AsOf, p.AsOf, Settings);
            foreach (var metric in new[] { TimeSeriesMetric.ChurnRate, TimeSeriesMetric.RetentionRate })
            {
                var series = TimeSeriesReport.Compute(states, Grouping.ByChannel(p.Facts), metric, CalendarPeriod.Month, Start, p.AsOf, Settings);
                Assert.All(series.SelectMany(s => s.Points), point => Assert.True(point.Value is null or >= 0 and <= 1));
            }

            var newCustomers = TimeSeriesReport.Compute(states, Grouping.All(p.Facts), TimeSeriesMetric.NewCustomers, CalendarPeriod.Month, Start, p.AsOf, Settings).Single();
            var acquiredSinceStart = Enumerable.Range(0, p.Facts.Count).Count(i => states.Included[i] && p.Facts.AcquiredDay[i] >= Start.DayNumber);
            Assert.Equal(acquiredSinceStart, newCustomers.Points.Sum(x => x.Value ?? 0));
        }, iter: 200);
    }

    [Fact]
    public void Month_0_retention_is_1_for_cohorts_whose_customers_all_purchased_in_their_acquisition_month()
    {
        Portfolios.Sample(p =>
        {
            var states = CustomerStates.Compute(p.Facts, p.AsOf, p.AsOf, Settings);
            var rows = CohortReport.Compute(states, CalendarPeriod.Month, DateOnly.MinValue, p.AsOf, null, onOrAfter: false);
            foreach (var row in rows)
            {
                var members = Enumerable.Range(0, p.Facts.Count).Where(i => states.Included[i] && p.Facts.AcquiredDay[i] != PortfolioFacts.NoDay
                    && CalendarPeriods.Start(DateOnly.FromDayNumber(p.Facts.AcquiredDay[i]), CalendarPeriod.Month) == row.Cohort).ToList();
                var allBoughtInMonth0 = members.All(i => states.FirstPurchase[i] != PortfolioFacts.NoDay
                    && CalendarPeriods.Start(DateOnly.FromDayNumber(states.FirstPurchase[i]), CalendarPeriod.Month) == row.Cohort);
                Assert.Equal(members.Count, row.Size);
                if (allBoughtInMonth0)
                {
                    Assert.Equal(1.0, row.Retention[0]);
                }

                Assert.All(row.Retention, r => Assert.InRange(r, 0, 1));
            }
        }, iter: 300);
    }

    [Fact]
    public void Time_series_churn_retention_and_activity_equal_the_per_period_definitions()
    {
        // The series are computed in one pass over alive spells; the oracle asks each customer
        // about each month with the definitions themselves.
        Portfolios.Sample(p =>
        {
            var states = CustomerStates.Compute(p.Facts, p.AsOf, p.AsOf, Settings);
            var facts = p.Facts;
            var from = new DateOnly(1996, 12, 1);
            var churned = TimeSeriesReport.Compute(states, Grouping.All(facts), TimeSeriesMetric.ChurnedCustomers, CalendarPeriod.Month, from, p.AsOf, Settings).Single();
            var churnRate = TimeSeriesReport.Compute(states, Grouping.All(facts), TimeSeriesMetric.ChurnRate, CalendarPeriod.Month, from, p.AsOf, Settings).Single();
            var retention = TimeSeriesReport.Compute(states, Grouping.All(facts), TimeSeriesMetric.RetentionRate, CalendarPeriod.Month, from, p.AsOf, Settings).Single();
            var active = TimeSeriesReport.Compute(states, Grouping.All(facts), TimeSeriesMetric.ActiveCustomers, CalendarPeriod.Month, from, p.AsOf, Settings).Single();
            var customers = Enumerable.Range(0, facts.Count).Where(i => states.Included[i]).ToList();
            for (var k = 0; k < churned.Points.Count; k++)
            {
                var first = churned.Points[k].Start.DayNumber;
                var last = Math.Min(churned.Points[k].End.DayNumber, p.AsOf.DayNumber);
                var outcomes = customers.Select(i => CustomerActivity.ChurnIn(facts, i, first, last, Settings.ChurnWindowDays)).ToList();
                var atRisk = outcomes.Count(o => o != ChurnOutcome.NotAtRisk);
                var gone = outcomes.Count(o => o == ChurnOutcome.Churned);
                var previousFirst = churned.Points[k].Start.AddMonths(-1).DayNumber;
                var before = customers.Where(i => CustomerActivity.PurchasedIn(facts, i, previousFirst, first - 1)).ToList();
                var now = customers.Count(i => CustomerActivity.PurchasedIn(facts, i, first, last));

                Assert.Equal(gone, churned.Points[k].Value);
                Assert.Equal(atRisk == 0 ? null : Math.Round((decimal)gone / atRisk, 4, MidpointRounding.AwayFromZero), churnRate.Points[k].Value);
                Assert.Equal(now, active.Points[k].Value);
                var retained = before.Count(i => CustomerActivity.PurchasedIn(facts, i, first, last));
                Assert.Equal(before.Count == 0 ? null : Math.Round((decimal)retained / before.Count, 4, MidpointRounding.AwayFromZero), retention.Points[k].Value);
            }
        }, iter: 200);
    }
}
