using Clv.Analytics.Cohorts;
using Clv.Analytics.Portfolio;
using CsCheck;

namespace Clv.Analytics.Tests.Portfolio;

/// <summary>
/// Invariants of the portfolio analytics over random portfolios (CsCheck). The oracles work from
/// the generated transactions with the definitions of docs/metrics.md, not from the facts or the
/// production helpers.
/// </summary>
public sealed class PortfolioPropertyTests
{
    private const int Window = 60;
    private static readonly PortfolioSettings Settings = new() { ChurnWindowDays = Window };
    private static readonly DateOnly Start = new(1997, 1, 1);
    private static readonly CalendarPeriod[] Periods = [CalendarPeriod.Month, CalendarPeriod.Quarter, CalendarPeriod.Year];

    /// <summary>A generated transaction: a purchase, or a refund (a positive amount taken back).</summary>
    private sealed record RawTransaction(DateOnly Day, bool Refund, decimal Amount, decimal? Cost);

    /// <summary>A generated customer: acquisition day (null: unknown), profile and transactions.</summary>
    private sealed record RawCustomer(
        long Id, DateOnly? Acquired, string? Channel, string? Country, string? Plan, List<RawTransaction> Transactions, decimal? PredictedClv, double Alive)
    {
        private readonly DateOnly[] _purchaseDays = [.. Transactions.Where(t => !t.Refund).Select(t => t.Day).Distinct().Order()];

        public IEnumerable<DateOnly> PurchaseDays(DateOnly last) => _purchaseDays.TakeWhile(d => d <= last);

        public decimal Net(DateOnly last) => Transactions.Where(t => t.Day <= last).Sum(t => t.Refund ? -t.Amount : t.Amount);
    }

    private sealed record Portfolio(PortfolioFacts Facts, DateOnly AsOf, List<RawCustomer> Customers);

    // Up to 40 customers over two years, each with up to 8 purchases (zero-value ones too), some
    // refunded in part, in full or beyond the amount, on the day or up to 90 days later (perhaps
    // after the as-of date); an explicit acquisition day on or before the first purchase, or the
    // first purchase, or none for a customer without transactions; channels, countries and a plan
    // attribute with gaps; costs on some purchases; spend on two channels; a run on half the cases.
    private static readonly Gen<Portfolio> Portfolios =
        Gen.Select(
            Gen.Select(
                Gen.Int[0, 3], Gen.Int[0, 2], Gen.Int[0, 2], Gen.Int[0, 2], Gen.Int[0, 700],
                Gen.Select(Gen.Int[0, 700], Gen.Int[0, 500], Gen.Int[-100, 200], Gen.Int[-30, 90], Gen.Bool).Array[0, 8]).Array[1, 40],
            Gen.Int[0, 730],
            Gen.Bool)
        .Select((generated, asOf, withRun) =>
        {
            string?[] channels = ["ads", "web", "referral", null];
            string?[] countries = ["DE", "US", null];
            string?[] plans = ["gold", "basic", null];
            var customers = new List<RawCustomer>();
            for (var i = 0; i < generated.Length; i++)
            {
                var (channel, country, plan, acquisitionMode, acquisitionDay, purchases) = generated[i];
                var transactions = new List<RawTransaction>();
                foreach (var (day, amount, refundShare, refundLag, withCost) in purchases)
                {
                    transactions.Add(new RawTransaction(Start.AddDays(day), false, amount, withCost ? amount / 2m : null));
                    if (refundShare > 0 && amount > 0)
                    {
                        transactions.Add(new RawTransaction(Start.AddDays(day + Math.Max(0, refundLag)), true, amount * refundShare / 100m, null));
                    }
                }

                var first = transactions.Count == 0 ? (DateOnly?)null : transactions.Min(t => t.Day);
                DateOnly? acquired = acquisitionMode switch
                {
                    0 => Start.AddDays(Math.Min(acquisitionDay, first is { } f ? f.DayNumber - Start.DayNumber : int.MaxValue)),
                    _ when first is not null => first,
                    1 => Start.AddDays(acquisitionDay),
                    _ => null,
                };
                var predicted = withRun && transactions.Count > 0 ? purchases.Length * 10.1234m : (decimal?)null;
                customers.Add(new RawCustomer(i + 1, acquired, channels[channel], countries[country], plans[plan], transactions, predicted, i % 10 / 10.0));
            }

            return new Portfolio(Build(customers), Start.AddDays(asOf), customers);
        });

    private static PortfolioFacts Build(List<RawCustomer> customers)
    {
        var builder = new PortfolioBuilder();
        foreach (var c in customers)
        {
            builder.Customer(c.Id, c.Channel, c.Country, c.Acquired?.ToString("O", null));
            foreach (var t in c.Transactions)
            {
                _ = t.Refund ? builder.Day(c.Id, t.Day.ToString("O", null), 0m, t.Amount) : builder.Day(c.Id, t.Day.ToString("O", null), t.Amount, 0m, t.Cost);
            }

            if (c.PredictedClv is { } clv)
            {
                builder.Prediction(c.Id, clv, c.Alive);
            }
        }

        return builder.Spend("ads", "1997-01-01", "1997-06-30", 1_000m).Spend("web", "1997-03-15", "1998-02-14", 2_000m).Build();
    }

    // --- The oracle: docs/metrics.md read literally over the generated transactions. ---

    // Customers acquired by D: acquisition day on or before it, or unknown.
    private static List<RawCustomer> Included(Portfolio p) => [.. p.Customers.Where(c => c.Acquired is null || c.Acquired <= p.AsOf)];

    private static bool ActiveIn(RawCustomer c, DateOnly first, DateOnly last) => c.PurchaseDays(last).Any(d => d >= first);

    // Churned at X: acquired by X, and X − L ≥ the window, L the last purchase day on or before X or else the acquisition day.
    private static bool ChurnedAt(RawCustomer c, DateOnly x)
    {
        if (c.Acquired is not { } acquired || acquired > x)
        {
            return false;
        }

        var last = c.PurchaseDays(x).LastOrDefault(acquired);
        return x.DayNumber - last.DayNumber >= Window;
    }

    // Customer churn of [first, last]: (became churned in it, not churned at its start and acquired before it).
    private static (int Churned, int AtRisk) Churn(IEnumerable<RawCustomer> customers, DateOnly first, DateOnly last)
    {
        var eve = first.AddDays(-1);
        var atRisk = customers.Where(c => c.Acquired <= eve && !ChurnedAt(c, eve)).ToList();
        var churned = atRisk.Count(c => Enumerable.Range(0, last.DayNumber - first.DayNumber + 1).Any(k => ChurnedAt(c, first.AddDays(k))));
        return (churned, atRisk.Count);
    }

    private static DateOnly PeriodStart(DateOnly day, CalendarPeriod period) => period switch
    {
        CalendarPeriod.Year => new DateOnly(day.Year, 1, 1),
        CalendarPeriod.Quarter => new DateOnly(day.Year, ((day.Month - 1) / 3 * 3) + 1, 1),
        _ => new DateOnly(day.Year, day.Month, 1),
    };

    private static DateOnly PeriodEnd(DateOnly start, CalendarPeriod period) =>
        start.AddMonths(period switch { CalendarPeriod.Year => 12, CalendarPeriod.Quarter => 3, _ => 1 }).AddDays(-1);

    private static string PeriodLabel(DateOnly day, CalendarPeriod period) => period switch
    {
        CalendarPeriod.Year => $"{day.Year}",
        CalendarPeriod.Quarter => $"{day.Year}-Q{((day.Month - 1) / 3) + 1}",
        _ => $"{day.Year}-{day.Month:D2}",
    };

    private static decimal? Rounded(int part, int whole) => whole == 0 ? null : Math.Round((decimal)part / whole, 4, MidpointRounding.AwayFromZero);

    private static double? Rate(int part, int whole) => whole == 0 ? null : (double)part / whole;

    // Every grouping, with the key the oracle expects for each generated customer (null: not checked per key).
    private static IEnumerable<(Grouping Grouping, Func<RawCustomer, string>? Key)> Groupings(Portfolio p, CustomerStates states)
    {
        var plans = p.Customers.ToDictionary(c => c.Id, c => c.Plan);
        yield return (Grouping.All(p.Facts), _ => "all");
        yield return (Grouping.ByChannel(p.Facts), c => c.Channel ?? "unattributed");
        yield return (Grouping.ByCountry(p.Facts), c => c.Country ?? "unknown");
        yield return (Grouping.ByAttribute("plan", Array.ConvertAll(p.Facts.CustomerIds, id => plans[id])), c => c.Plan ?? "unknown");
        foreach (var period in Periods)
        {
            yield return (Grouping.ByCohort(p.Facts, period), c => c.Acquired is { } a ? PeriodLabel(a, period) : "unknown");
        }

        yield return (Grouping.ByRfmSegment(states), null);
        yield return (Grouping.ByClvTier(states), null);
    }

    [Fact]
    public void Every_grouping_partitions_the_customers_their_equity_and_predicted_equity()
    {
        Portfolios.Sample(p =>
        {
            var states = CustomerStates.Compute(p.Facts, p.AsOf, p.AsOf, Settings);
            var included = Included(p);
            var hasRun = p.Customers.Any(c => c.PredictedClv is not null);
            foreach (var (grouping, key) in Groupings(p, states))
            {
                var segments = SegmentReport.Compute(states, grouping, new SegmentQuery(null, p.AsOf, CalendarPeriod.Month), Settings);

                Assert.Equal(included.Count, segments.Sum(s => s.Customers));
                Assert.Equal(included.Sum(c => c.Net(p.AsOf)), segments.Sum(s => s.CustomerEquity));
                if (hasRun)
                {
                    Assert.Equal(included.Sum(c => c.PredictedClv ?? 0m), segments.Sum(s => s.PredictedCustomerEquity!.Value));
                    Assert.Equal(included.Count(c => c.PredictedClv is not null && c.Alive < Settings.AliveThreshold), segments.Sum(s => s.ModelChurnedCustomers!.Value));
                }
                else
                {
                    Assert.All(segments, s => Assert.True(s.PredictedCustomerEquity is null && s.ModelChurnedCustomers is null));
                }

                if (key is not null)
                {
                    var expected = included.GroupBy(key).ToDictionary(g => g.Key, g => (g.Count(), g.Sum(c => c.Net(p.AsOf))));
                    // A segment may stand with no customers (a channel with only spend, or "all" of
                    // an empty portfolio): the partition is over the segments that have some.
                    Assert.Equal(expected, segments.Where(s => s.Customers > 0).ToDictionary(s => s.Key, s => (s.Customers, s.CustomerEquity)));
                }
            }
        }, iter: 300);
    }

    [Fact]
    public void Every_rate_lies_in_0_1_and_revenue_shares_add_up_to_1_even_with_refunds_beyond_purchases()
    {
        Portfolios.Sample(p =>
        {
            var states = CustomerStates.Compute(p.Facts, p.AsOf, p.AsOf, Settings);
            var totalNet = Included(p).Sum(c => c.Net(p.AsOf));
            foreach (var period in Periods)
            {
                foreach (var (grouping, _) in Groupings(p, states))
                {
                    var segments = SegmentReport.Compute(states, grouping, new SegmentQuery(null, p.AsOf, period), Settings);
                    foreach (var s in segments)
                    {
                        foreach (var rate in new[] { s.RepeatPurchaseRate, s.RetentionRate, s.ChurnRate, s.PeriodChurnRate })
                        {
                            Assert.True(rate is null or >= 0 and <= 1, $"{grouping.By} {s.Key}: rate {rate}");
                        }
                    }

                    if (totalNet == 0)
                    {
                        Assert.All(segments, s => Assert.Null(s.RevenueShare));
                        continue;
                    }

                    // Each share is rounded to 6 decimals: the sum is 1 within half a millionth per segment.
                    Assert.InRange(segments.Sum(s => s.RevenueShare!.Value), 1 - (segments.Count * 0.0000005m), 1 + (segments.Count * 0.0000005m));
                    if (segments.All(s => s.CustomerEquity >= 0))
                    {
                        // Shares leave [0, 1] only when some segment's net revenue is negative (docs/metrics.md).
                        Assert.All(segments, s => Assert.InRange(s.RevenueShare!.Value, 0m, 1m));
                    }
                }

                foreach (var metric in new[] { TimeSeriesMetric.ChurnRate, TimeSeriesMetric.RetentionRate })
                {
                    var series = TimeSeriesReport.Compute(states, Grouping.ByChannel(p.Facts), metric, period, Start, p.AsOf, Settings);
                    Assert.All(series.SelectMany(s => s.Points), point => Assert.True(point.Value is null or >= 0 and <= 1));
                }
            }
        }, iter: 200);
    }

    [Fact]
    public void New_customers_of_the_periods_add_up_to_those_acquired_since_the_first()
    {
        Portfolios.Sample(p =>
        {
            var states = CustomerStates.Compute(p.Facts, p.AsOf, p.AsOf, Settings);
            var newCustomers = TimeSeriesReport.Compute(states, Grouping.All(p.Facts), TimeSeriesMetric.NewCustomers, CalendarPeriod.Month, Start, p.AsOf, Settings).Single();
            var acquiredSinceStart = p.Customers.Count(c => c.Acquired >= Start && c.Acquired <= p.AsOf);
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
                var members = Included(p).Where(c => c.Acquired is { } a && PeriodStart(a, CalendarPeriod.Month) == row.Cohort).ToList();
                var monthEnd = PeriodEnd(row.Cohort, CalendarPeriod.Month);
                var allBoughtInMonth0 = members.All(c => ActiveIn(c, row.Cohort, monthEnd < p.AsOf ? monthEnd : p.AsOf));
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
    public void Time_series_churn_retention_and_activity_equal_the_definitions_for_every_period_kind()
    {
        // The series are computed in one pass over alive spells; the oracle asks each customer
        // about each day of each period with the definitions themselves.
        Portfolios.Sample(p =>
        {
            var states = CustomerStates.Compute(p.Facts, p.AsOf, p.AsOf, Settings);
            var customers = Included(p);
            var from = new DateOnly(1996, 12, 1);
            foreach (var period in Periods)
            {
                TimeSeries Series(TimeSeriesMetric metric) =>
                    TimeSeriesReport.Compute(states, Grouping.All(p.Facts), metric, period, from, p.AsOf, Settings).Single();
                var churned = Series(TimeSeriesMetric.ChurnedCustomers);
                var churnRate = Series(TimeSeriesMetric.ChurnRate);
                var retention = Series(TimeSeriesMetric.RetentionRate);
                var active = Series(TimeSeriesMetric.ActiveCustomers);
                for (var k = 0; k < churned.Points.Count; k++)
                {
                    var first = churned.Points[k].Start;
                    var last = churned.Points[k].End < p.AsOf ? churned.Points[k].End : p.AsOf;
                    var previous = PeriodStart(first.AddDays(-1), period);
                    var (gone, atRisk) = Churn(customers, first, last);
                    var before = customers.Where(c => ActiveIn(c, previous, first.AddDays(-1))).ToList();

                    Assert.Equal(PeriodStart(first, period), first);
                    Assert.Equal(gone, churned.Points[k].Value);
                    Assert.Equal(Rounded(gone, atRisk), churnRate.Points[k].Value);
                    Assert.Equal(customers.Count(c => ActiveIn(c, first, last)), active.Points[k].Value);
                    Assert.Equal(Rounded(before.Count(c => ActiveIn(c, first, last)), before.Count), retention.Points[k].Value);
                }
            }
        }, iter: 100);
    }

    [Fact]
    public void Segment_churn_retention_and_activity_equal_the_definitions_for_the_last_complete_period()
    {
        Portfolios.Sample(p =>
        {
            var states = CustomerStates.Compute(p.Facts, p.AsOf, p.AsOf, Settings);
            var customers = Included(p);
            foreach (var period in Periods)
            {
                // Without a customer acquired by D there is no segment at all.
                var all = SegmentReport.Compute(states, Grouping.All(p.Facts), new SegmentQuery(null, p.AsOf, period), Settings).SingleOrDefault()
                    ?? new SegmentFigures { Key = "all" };
                // The last complete period on or before D: D's own when D is its last day, else the one before.
                var current = PeriodStart(p.AsOf, period);
                var first = PeriodEnd(current, period) == p.AsOf ? current : PeriodStart(current.AddDays(-1), period);
                var last = PeriodEnd(first, period);
                var previous = PeriodStart(first.AddDays(-1), period);
                var before = customers.Where(c => ActiveIn(c, previous, first.AddDays(-1))).ToList();
                var (gone, atRisk) = Churn(customers, first, last);

                Assert.Equal(customers.Count(c => ActiveIn(c, first, last)), all.ActiveCustomers);
                Assert.Equal(Rate(before.Count(c => ActiveIn(c, first, last)), before.Count), all.RetentionRate);
                Assert.Equal(Rate(gone, atRisk), all.ChurnRate);
                Assert.Equal(customers.Count(c => ChurnedAt(c, p.AsOf)), all.ChurnedCustomers);
                Assert.Equal(customers.Count(c => c.PurchaseDays(p.AsOf).Count() >= 2), all.RepeatCustomers);
            }
        }, iter: 150);
    }

    [Fact]
    public void A_customer_ranked_apart_stands_as_in_the_portfolio_and_follows_their_new_rows()
    {
        Portfolios.Sample(p =>
        {
            var states = CustomerStates.Compute(p.Facts, p.AsOf, p.AsOf, Settings);

            // Ranked apart from the very rows the facts hold, every customer stands where the portfolio puts them.
            for (var i = 0; i < p.Facts.Count; i++)
            {
                Assert.Equal(states.Standing(i), states.RankApart(CustomerOf(p.Facts, i), DaysOf(p.Facts, i)));
            }

            // The first customer (acquired by then) buys on the as-of day after the facts were read:
            // computed apart, their churn and trend are those of a portfolio rebuilt with the purchase.
            var first = p.Customers[0];
            var acquired = first.Acquired is { } a && a < p.AsOf ? a : p.AsOf;
            var bought = new RawCustomer(
                first.Id, acquired, first.Channel, first.Country, first.Plan, [.. first.Transactions, new RawTransaction(p.AsOf, false, 75m, null)], first.PredictedClv, first.Alive);
            var rebuiltFacts = Build([bought, .. p.Customers.Skip(1)]);
            var rebuilt = CustomerStates.Compute(rebuiltFacts, p.AsOf, p.AsOf, Settings).Standing(0);
            var apart = states.RankApart(CustomerOf(rebuiltFacts, 0), DaysOf(rebuiltFacts, 0));
            Assert.Equal(
                (rebuilt.Included, rebuilt.Churned, rebuilt.Last12Months, rebuilt.Previous12Months, rebuilt.AtRisk),
                (apart.Included, apart.Churned, apart.Last12Months, apart.Previous12Months, apart.AtRisk));
            Assert.InRange(apart.Recency, 1, 5);
            Assert.NotEqual(-1, apart.RfmSegment);
        }, iter: 100);
    }

    private static CustomerFact CustomerOf(PortfolioFacts facts, int i) => new(
        facts.CustomerIds[i],
        facts.AcquiredDay[i] == PortfolioFacts.NoDay ? null : DateOnly.FromDayNumber(facts.AcquiredDay[i]),
        facts.Channels[facts.Channel[i]],
        facts.Countries[facts.Country[i]]);

    private static List<DayFact> DaysOf(PortfolioFacts facts, int i)
    {
        var days = new List<DayFact>();
        for (var d = facts.DayStart[i]; d < facts.DayStart[i + 1]; d++)
        {
            days.Add(new DayFact(facts.CustomerIds[i], DateOnly.FromDayNumber(facts.Day[d]), facts.PurchaseCount[d], facts.GrossRevenue[d], facts.NetRevenue[d], facts.KnownCost[d], facts.HasCost[d]));
        }

        return days;
    }
}
