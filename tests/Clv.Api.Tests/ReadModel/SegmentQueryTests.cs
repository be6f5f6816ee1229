using System.Globalization;
using System.Net.Http.Json;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Clv.Analytics.Cohorts;
using Clv.Analytics.Portfolio;
using Clv.Api.Portfolio;
using Clv.Api.Tests.Infrastructure;
using Clv.Api.Tests.ModelRuns;
using Clv.Api.Tests.Subscriptions;
using Clv.Data;
using Clv.Data.Analytics;
using Clv.Data.Analytics.ReadModel;
using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.ReadModel;

/// <summary>
/// The segment figures computed in SQL (<see cref="SegmentQueries"/>) against the in-memory
/// reference (<see cref="PortfolioFactsLoader"/>, <see cref="CustomerStates"/>,
/// <see cref="SegmentReport"/>) over the same database, figure for figure, and their counts, money
/// and activity against a recomputation from the raw rows written here (<see cref="FromScratch"/>).
/// Books are posted through the API, so that real ingest writes the rollups, on a clock fixed at
/// <see cref="Now"/> and in the New York time zone. Cases: <c>CLV_SEGMENT_CASES</c> (default 40);
/// a failure prints the CsCheck seed to replay.
/// </summary>
public sealed class SegmentQueryTests(SegmentQueryTests.NewYorkApi api, ITestOutputHelper output) : IClassFixture<SegmentQueryTests.NewYorkApi>
{
    private const string Zone = "America/New_York";

    /// <summary>The API's clock: 11:00 on 2025-03-14 in New York.</summary>
    private static readonly DateTimeOffset Now = new(2025, 3, 14, 15, 0, 0, TimeSpan.Zero);

    private static readonly DateOnly Today = new(2025, 3, 14);

    // The euro's rate of every day a subscription can start on, up to tomorrow (the latest a rate
    // may be dated), five decimals so that conversions round.
    private static readonly Dictionary<DateOnly, decimal> EuroRates = Enumerable.Range(-442, 444)
        .Select(Today.AddDays)
        .ToDictionary(day => day, day => 0.8m + (day.DayNumber % 37 / 100m) + (day.DayNumber % 7 / 100_000m));

    // The churn window the API is configured with (its default), which the group rollup counts.
    private const int ConfiguredWindow = 90;

    private static readonly string[] Groupings =
        ["all", "acquisitionChannel", "country", "cohort", "rfmSegment", "clvTier", "attribute:plan", "attribute:region", "plan", "npsClass"];

    // The groupings of facts the in-memory reports do not hold (subscriptions, survey answers): the recomputation alone checks them.
    private static readonly string[] DatabaseOnlyGroupings = ["plan", "npsClass"];

    private static readonly int Cases = int.TryParse(Environment.GetEnvironmentVariable("CLV_SEGMENT_CASES"), out var n) ? n : 40;

    private readonly ClvApiFactory _factory = api.Factory;

    /// <summary>The API on a fixed clock, in New York.</summary>
    public sealed class NewYorkApi : IAsyncLifetime
    {
        public ClvApiFactory Factory { get; } = new ClvApiFactory()
            .With("Clv:ReportingTimeZone", Zone)
            .WithServices(services => services.AddSingleton<TimeProvider>(new FixedClock(Now)));

        public async Task InitializeAsync()
        {
            await Factory.InitializeAsync();
            // The host migrates the database as it starts.
            using var client = Factory.Client();
        }

        public Task DisposeAsync() => ((IAsyncLifetime)Factory).DisposeAsync();
    }

    [Fact]
    public async Task Sql_segment_figures_equal_the_in_memory_report_for_random_books_scopes_groupings_and_queries()
    {
        var seen = new SampleStats();
        await CaseGen.SampleAsync(c => CheckAsync(c, seen), iter: Cases, threads: 1, print: c => c.ToString());
        output.WriteLine(seen.ToString());
    }

    /// <summary>
    /// A book worked out by hand, as of 2024-04-30 in months (last complete month April, eve
    /// March 31), churn window 90 days, new customers and spend over January 2024.
    /// <list type="bullet">
    /// <item>Channel ads spent 300 over 2024-01-01..01-31 and acquired A (01-10), B (01-20) and C (01-25).</item>
    /// <item>A buys 100 at cost 40 on 01-10 and 02-15, and 150 at cost 50 on 03-20: profit 60, 60, 100.</item>
    /// <item>B buys 50 (no cost) on 01-20 and gets 20 refunded on 02-05: profit 50, −20.</item>
    /// <item>C buys 200 at cost 100 on 04-02: profit 100 in its fourth month.</item>
    /// <item>G, channel organic, acquired 01-02, buys 80 on 01-02 and 04-15; D, no channel, acquired 2023-11-01, buys 30 then.</item>
    /// </list>
    /// Payback of ads: CAC = 300 ÷ 3 = 100; all three are observed 4 months (January to April).
    /// Profit per month since acquisition: 110 (A 60 + B 50), 40 (A 60 − B 20), 100 (A), 100 (C);
    /// per customer cumulated: 36.67, 50.00, 83.33, 116.67: CAC is reached in month 4 (good, ≤ 12).
    /// CLV:CAC = (220 + 30 + 100) ÷ 3 ÷ 100 = 1.1667 (weak).
    /// Churn over April, at risk at the eve (acquired by then, last activity under 90 days before):
    /// A (last purchase 03-20, 11 days) stays (41 days on 04-30); B (01-20, 71 days; the refund is
    /// no purchase) is 101 days out on 04-30: churned; C (no purchase, acquired 01-25, 66 days)
    /// buys on 04-02 (68 days after): stays; G (01-02, 89 days) is 90 days out on 04-01, churned,
    /// although it buys again on 04-15 (104 days after); D (151 days) was churned already.
    /// Churn rate: all 2 ÷ 4 = 0.5, ads 1 ÷ 3, organic 1 ÷ 1, unattributed none at risk (null).
    /// </summary>
    [Fact]
    public async Task A_hand_computed_book_gives_the_worked_out_payback_and_churn_rate()
    {
        var client = await PostHandComputedBookAsync();
        await PostOkAsync(client.PostSpendAsync(new { channel = "ads", periodStart = "2024-01-01", periodEnd = "2024-01-31", amount = 300m, currency = "USD" }));
        var asOf = new DateOnly(2024, 4, 30);
        var query = new SegmentQuery(new DateOnly(2024, 1, 1), new DateOnly(2024, 1, 31), CalendarPeriod.Month);
        var settings = new PortfolioSettings();
        var scope = new AnalyticsScope(asOf, asOf, Zone, null);
        await using var connection = await OpenAsync();

        var segments = await SegmentQueries.ComputeAsync(connection, scope, new GroupSpec("acquisitionChannel"), query, settings, SegmentParts.All, default);

        var ads = segments.Single(s => s.Key == "ads");
        Assert.Equal((3, 100m, 4, "good"), (ads.NewCustomers, ads.Cac, ads.PaybackMonths, ads.PaybackHealth));
        Assert.Equal((1.1667m, "weak"), (ads.ClvToCac, ads.ClvToCacHealth));
        Assert.Equal(1d / 3, ads.ChurnRate);
        Assert.Equal(1d, segments.Single(s => s.Key == "organic").ChurnRate);
        Assert.Null(segments.Single(s => s.Key == AnalyticsScope.Unattributed).ChurnRate);
        Assert.Equal(0.5, (await SegmentQueries.TotalAsync(connection, scope, query.From, query.To, settings, default)).ChurnRate);
        var facts = await PortfolioFactsLoader.LoadAsync(_factory.ConnectionString, Zone, default);
        AssertSame(SegmentReport.Compute(CustomerStates.Compute(facts, asOf, asOf, settings), Grouping.ByChannel(facts), query, settings), segments, "the hand-computed book");

        // Asked for customers only, from a day that starts no month (so from every customer's
        // totals, not the group rollup's cells), with the same new customers and spend: the
        // health bands, always shown, are the same, as spend is recorded.
        var fromMidMonth = query with { From = new DateOnly(2023, 12, 2) };
        var fewest = await SegmentQueries.ComputeAsync(connection, scope, new GroupSpec("acquisitionChannel"), fromMidMonth, settings, SegmentParts.None, default);
        var adsFewest = fewest.Single(s => s.Key == "ads");
        Assert.Equal((100m, 4, "good", 1.1667m, "weak"), (adsFewest.Cac, adsFewest.PaybackMonths, adsFewest.PaybackHealth, adsFewest.ClvToCac, adsFewest.ClvToCacHealth));
    }

    /// <summary>
    /// The whole portfolio of the hand-computed book as the summary shows it: every customer
    /// acquired in January (A, B, C, G) is new, all spend counts: CAC 300 ÷ 4 = 75. Profit per
    /// month since acquisition: 190 (A 60, B 50, G 80), 40, 100, 180 (C 100, G 80); per customer
    /// 47.5, 57.5, 82.5: CAC is reached in month 3. With nothing stored, the total is all zeros.
    /// </summary>
    [Fact]
    public async Task The_total_is_the_all_group_over_months_and_zeros_without_data()
    {
        await ResetAsync();
        var asOf = new DateOnly(2024, 4, 30);
        var scope = new AnalyticsScope(asOf, asOf, Zone, null);
        await using var connection = await OpenAsync();
        Assert.Equal(new SegmentFigures { Key = "all" }, await SegmentQueries.TotalAsync(connection, scope, null, asOf, new PortfolioSettings(), default));

        // D, acquired in 2023, is not new in January.
        var client = await PostHandComputedBookAsync();
        await PostOkAsync(client.PostSpendAsync(new { channel = "ads", periodStart = "2024-01-01", periodEnd = "2024-01-31", amount = 300m, currency = "USD" }));

        var total = await SegmentQueries.TotalAsync(connection, scope, new DateOnly(2024, 1, 1), new DateOnly(2024, 1, 31), new PortfolioSettings(), default);

        Assert.Equal(("all", 4, 300m, 75m, 3), (total.Key, total.NewCustomers, total.Spend, total.Cac, total.PaybackMonths));
    }

    /// <summary>
    /// As of a past day, the group rollup's cells are corrected for the customers who changed
    /// since up to <see cref="AnalyticsScope.MostCorrected"/> of them; past it, the answer reads
    /// every customer's totals and days. As of 2024-02-10 in the hand-computed book, four changed:
    /// A, C and G buy after it and E is acquired after it (B's refund is before it, D bought last in
    /// 2023). With a limit of four the cells answer, corrected; with three the customers are read.
    /// Either way, segments for everyone and per channel, the summary, the time series and the
    /// cohorts equal the in-memory report.
    /// </summary>
    [Fact]
    public async Task Past_day_cells_are_corrected_up_to_the_limit_and_the_customers_read_beyond_it()
    {
        var client = await PostHandComputedBookAsync();
        await PostOkAsync(client.PostCustomersAsync(new { externalId = "E", acquiredAt = "2024-03-01T12:00:00Z", acquisitionChannel = "organic" }));
        await PostOkAsync(client.PostTransactionsAsync(
            Tx("g0", "G", "2024-02-10T12:00:00Z", amount: 60m),
            Tx("e1", "E", "2024-03-01T12:00:00Z", amount: 70m)));
        await PostOkAsync(client.PostSpendAsync(new { channel = "ads", periodStart = "2024-01-01", periodEnd = "2024-02-29", amount = 300m, currency = "USD" }));
        var asOf = new DateOnly(2024, 2, 10);
        var settings = new PortfolioSettings();
        var facts = await PortfolioFactsLoader.LoadAsync(_factory.ConnectionString, Zone, default);
        await using var connection = await OpenAsync();

        foreach (var (limit, corrected) in new[] { (4, true), (3, false) })
        {
            var scope = new AnalyticsScope(asOf, asOf, Zone, null) { MostCorrected = limit };
            Assert.Equal(corrected, await RollupCells.PastDayAsync(connection, scope, settings.ChurnWindowDays, default) is { IsPastDay: true });
            await AssertPastDayAnswersAsync(connection, scope, facts, settings, $"limit {limit}");
        }
    }

    /// <summary>
    /// A past day's corrections find the customers acquired after the day from the first instant
    /// of the next day in the reporting zone (America/New_York, UTC−5 in February): H, a profile
    /// without transactions acquired at 2024-02-11 00:00 there (05:00 UTC), is corrected out of
    /// the answers as of 2024-02-10, and I, acquired a minute before it, stays. A bound a day late
    /// counts H in February's cohort; the answers equal the in-memory report only when it is right.
    /// </summary>
    [Fact]
    public async Task Past_day_cells_find_the_customers_acquired_from_the_next_day_in_the_reporting_zone()
    {
        var client = await PostHandComputedBookAsync();
        await PostOkAsync(client.PostCustomersAsync(
            new { externalId = "H", acquiredAt = "2024-02-11T05:00:00Z", acquisitionChannel = "organic" },
            new { externalId = "I", acquiredAt = "2024-02-11T04:59:00Z", acquisitionChannel = "organic" }));
        await PostOkAsync(client.PostSpendAsync(new { channel = "ads", periodStart = "2024-01-01", periodEnd = "2024-02-29", amount = 300m, currency = "USD" }));
        var asOf = new DateOnly(2024, 2, 10);
        var settings = new PortfolioSettings();
        var facts = await PortfolioFactsLoader.LoadAsync(_factory.ConnectionString, Zone, default);
        await using var connection = await OpenAsync();
        var scope = new AnalyticsScope(asOf, asOf, Zone, null);

        Assert.True(await RollupCells.PastDayAsync(connection, scope, settings.ChurnWindowDays, default) is { IsPastDay: true });
        await AssertPastDayAnswersAsync(connection, scope, facts, settings, "acquired from the next day");
    }

    /// <summary>
    /// As of a past day (acquisitions and spend up to 2024-02-29 and over January to the day), the
    /// SQL answers from the cells equal the in-memory report: segments for everyone and per channel,
    /// the summary, three time series and the cohorts.
    /// </summary>
    private static async Task AssertPastDayAnswersAsync(NpgsqlConnection connection, AnalyticsScope scope, PortfolioFacts facts, PortfolioSettings settings, string label)
    {
        var asOf = scope.Cutoff!.Value;
        var states = CustomerStates.Compute(facts, asOf, asOf, settings);
        foreach (var query in new[] { new SegmentQuery(null, new DateOnly(2024, 2, 29), CalendarPeriod.Month), new SegmentQuery(new DateOnly(2024, 1, 1), asOf, CalendarPeriod.Month) })
        {
            foreach (var by in new[] { "all", "acquisitionChannel" })
            {
                var expected = SegmentReport.Compute(states, by == "all" ? Grouping.All(facts) : Grouping.ByChannel(facts), query, settings);
                var actual = await SegmentQueries.ComputeAsync(connection, scope, new GroupSpec(by), query, settings, SegmentParts.All, default);
                AssertSame(expected, actual, $"{label}, by {by}, {query}");
            }

            var total = await SegmentQueries.TotalAsync(connection, scope, query.From, query.To, settings, default);
            AssertSame([.. SegmentReport.Compute(states, Grouping.All(facts), query, settings).Take(1)], [total], $"{label}, the total, {query}");
        }

        foreach (var metric in new[] { TimeSeriesMetric.ActiveCustomers, TimeSeriesMetric.ChurnRate, TimeSeriesMetric.NetRevenue })
        {
            var (from, to) = (new DateOnly(2023, 10, 1), asOf);
            var expected = TimeSeriesReport.Compute(states, Grouping.ByChannel(facts), metric, CalendarPeriod.Month, from, to, settings);
            var actual = await TimeSeriesQueries.ComputeAsync(connection, scope, new GroupSpec("acquisitionChannel"), metric, CalendarPeriod.Month, from, to, settings, default);
            Assert.Equal(CohortAndTimeSeriesQueryTests.Render(expected), CohortAndTimeSeriesQueryTests.Render(actual));
        }

        var cohorts = await CohortQueries.ComputeAsync(connection, scope, CalendarPeriod.Month, DateOnly.MinValue, asOf, null, false, default);
        Assert.Equal(
            CohortAndTimeSeriesQueryTests.Render(CohortReport.Compute(states, CalendarPeriod.Month, DateOnly.MinValue, asOf, null, false)),
            CohortAndTimeSeriesQueryTests.Render(cohorts));
    }

    private async Task CheckAsync(Case c, SampleStats seen)
    {
        await ResetAsync();
        await PostAsync(c.Book);
        var facts = await PortfolioFactsLoader.LoadAsync(_factory.ConnectionString, Zone, default);
        var scratch = await FromScratch.LoadAsync(_factory.ConnectionString, TimeZoneInfo.FindSystemTimeZoneById(Zone), subscriptionRates: _ => EuroRates);
        var health = c.Settings.Health;
        var bands = new FromScratch.Bands(health.ClvToCacWeak, health.ClvToCacHealthy, health.ClvToCacUnderInvesting, health.PaybackGoodMonths, health.PaybackAcceptableMonths);
        await using var connection = await OpenAsync();
        await using var active = new NpgsqlCommand("SELECT id FROM model_runs WHERE is_active", connection);
        var run = await active.ExecuteScalarAsync() as Guid?;
        Assert.Equal(run is not null, facts.HasPredictions);
        seen.Count(facts, run);
        // And as of the book's latest day (of a purchase, refund or acquisition), after which it
        // holds nothing, and as of the day before its last purchases churn: answered as the current
        // state seen from that day (LatestAsCurrentAsync), whose churns count to that day.
        await using var latestDay = new NpgsqlCommand(
            "SELECT greatest((SELECT max(day) FROM customer_days), (SELECT max((acquired_at AT TIME ZONE @zone)::date) FROM customers))", connection);
        latestDay.Parameters.AddWithValue("zone", Zone);
        var bookLatest = await latestDay.ExecuteScalarAsync() as DateOnly?;
        var latest = bookLatest <= Today ? bookLatest : null;
        var afterLatest = latest?.AddDays(c.Settings.ChurnWindowDays - 1) is { } before && before <= Today ? before : (DateOnly?)null;
        // The parts' combinations rotate over the probes, from a start that varies with the case.
        var probeIndex = c.Probes.Length * 3;
        Probe[] probes = [.. c.Probes, .. new[] { latest, afterLatest }.OfType<DateOnly>().Select(d => new Probe(d, c.Probes[1].Queries))];
        foreach (var probe in probes)
        {
            var reference = probe.AsOf ?? Today;
            var states = CustomerStates.Compute(facts, probe.AsOf, reference, c.Settings);
            var scope = new AnalyticsScope(probe.AsOf, reference, Zone, run);
            var rankings = await Rankings.ComputeAsync(connection, scope, default);
            if (probe.AsOf is { } asOf)
            {
                await CheckSeenFromCurrentAsync(connection, scope, rankings, nothingAfter: !(bookLatest > asOf) && asOf <= Today);
            }

            // And each grouping with a few parts only (the API's fields), a combination per probe:
            // the figures of the parts computed are the report's all the same.
            var parts = (SegmentParts)(probeIndex++ % ((int)SegmentParts.All + 1));
            for (var k = 0; k < Groupings.Length; k++)
            {
                var query = probe.Queries[k].Resolve(reference);
                var spec = new GroupSpec(Groupings[k], query.Period, rankings);
                var actual = await SegmentQueries.ComputeAsync(connection, scope, spec, query, c.Settings, SegmentParts.All, default);
                var what = $"asOf {Day(probe.AsOf)}, by {Groupings[k]}, {query}";
                var period = query.Period.ToString().ToLowerInvariant();
                FromScratch.AssertSame(
                    scratch.Segments(Groupings[k], period, query.From, query.To, probe.AsOf, reference, c.Settings.ChurnWindowDays, bands), FromScratch.Render(actual), what);
                var subscriptions = await SubscriptionSegmentQueries.ComputeAsync(connection, scope, spec, query, default);
                FromScratch.AssertSame(
                    scratch.SubscriptionSegments(Groupings[k], period, query.From, query.To, probe.AsOf, reference), FromScratch.Render(subscriptions), $"subscriptions, {what}");
                seen.Count(actual);
                seen.Count(subscriptions);
                if (DatabaseOnlyGroupings.Contains(Groupings[k]))
                {
                    continue;
                }

                var expected = SegmentReport.Compute(states, await ReferenceGroupingAsync(facts, states, Groupings[k], query.Period), query, c.Settings);
                AssertSame(expected, actual, what);
                var some = await SegmentQueries.ComputeAsync(connection, scope, spec, query, c.Settings, parts, default);
                AssertSame(Computed(expected, parts), Computed(some, parts), $"{what}, parts {parts}");
            }

            // Tiers and RFM segments computed together: each part is its grouping's answer alone,
            // with every figure and with the probe's parts (without the middles, summed per pair).
            var pairQuery = probe.Queries[Array.IndexOf(Groupings, "clvTier")].Resolve(reference);
            var pair = new GroupSpec(GroupSpec.TiersAndRfm, pairQuery.Period, rankings);
            var both = await SegmentQueries.ComputeAsync(connection, scope, pair, pairQuery, c.Settings, SegmentParts.All, default);
            var bothSome = await SegmentQueries.ComputeAsync(connection, scope, pair, pairQuery, c.Settings, parts, default);
            foreach (var by in new[] { "clvTier", "rfmSegment" })
            {
                var expected = SegmentReport.Compute(states, await ReferenceGroupingAsync(facts, states, by, pairQuery.Period), pairQuery, c.Settings);
                AssertSame(expected, PartOf(both, by), $"asOf {Day(probe.AsOf)}, {by} of {GroupSpec.TiersAndRfm}, {pairQuery}");
                AssertSame(Computed(expected, parts), Computed(PartOf(bothSome, by), parts), $"asOf {Day(probe.AsOf)}, {by} of {GroupSpec.TiersAndRfm}, {pairQuery}, parts {parts}");
            }

            List<SegmentFigures> PartOf(List<SegmentFigures> answer, string by) =>
                [.. answer.Where(f => pair.Part(f.Key).By == by).Select(f => f with { Key = pair.Part(f.Key).Key })];

            if (probe.AsOf is null || probe.AsOf <= Today)
            {
                await CheckCellsAsync(connection, facts, scope, reference, c.Settings with { ChurnWindowDays = ConfiguredWindow });
            }

            var summaryQuery = probe.Queries[0].Resolve(reference);
            var summary = SegmentReport.Compute(states, Grouping.All(facts), summaryQuery with { Period = CalendarPeriod.Month }, c.Settings).FirstOrDefault()
                ?? new SegmentFigures { Key = "all" };
            var total = await SegmentQueries.TotalAsync(connection, scope, summaryQuery.From, summaryQuery.To, c.Settings, default);
            AssertSame([summary], [total], $"total, asOf {Day(probe.AsOf)}, {summaryQuery}");
            FromScratch.AssertSame(
                scratch.Total(summaryQuery.From, summaryQuery.To, probe.AsOf, reference, c.Settings.ChurnWindowDays, bands),
                FromScratch.Render([total]),
                $"total, asOf {Day(probe.AsOf)}, {summaryQuery}");
        }
    }

    /// <summary>
    /// A past day's rankings seen from the current state's (<see cref="RankingStore.SeenFromCurrentAsync"/>):
    /// given when the book holds nothing after the day, and then equal to the day's own, ranked
    /// over its customers, with the version and run the current state's ranked; not given otherwise.
    /// </summary>
    private static async Task CheckSeenFromCurrentAsync(NpgsqlConnection connection, AnalyticsScope scope, Rankings expected, bool nothingAfter)
    {
        var version = (await DataVersion.ReadAsync(connection, default)).Version;
        var current = await Rankings.ComputeAsync(connection, new AnalyticsScope(null, Today, Zone, scope.ActiveRun), default);
        await RankingStore.SaveAsync(connection, RankingStore.Key(null, Today), new StoredRankings(current, version, scope.ActiveRun), Now, default);

        var seen = await RankingStore.SeenFromCurrentAsync(connection, scope, Today, default);

        var day = scope.Cutoff!.Value;
        Assert.True(nothingAfter == seen is not null, $"as of {day}, seen from the current state: {(seen is null ? "none" : "given")}");
        if (seen is not null)
        {
            Assert.Equal(Describe(expected), Describe(seen.Rankings));
            Assert.Equal((version, scope.ActiveRun), (seen.Version, seen.Run));
        }
    }

    private static string Describe(Rankings r) => string.Join(" | ",
        r.Buyers, string.Join(',', r.Recency), string.Join(',', r.Frequency), string.Join(',', r.Monetary),
        string.Join(',', r.TierValues), string.Join(',', r.TierIds), r.ByPrediction);

    // The grouping the segments endpoint builds (PortfolioCache.GroupingAsync).
    // Everyone and each channel, all time to the end of the current month, with the configured
    // churn window: the questions the group rollup answers, whatever the book holds; as of a past
    // day, from its cells corrected for the customers whose state then differs from now
    // (RollupCells.AsOfAsync), whatever the book holds after the day. New customers of all time, and
    // of the three months up to the reference day (spend, CAC and payback).
    private async Task CheckCellsAsync(NpgsqlConnection connection, PortfolioFacts facts, AnalyticsScope scope, DateOnly reference, PortfolioSettings settings)
    {
        var states = CustomerStates.Compute(facts, scope.Cutoff, reference, settings);
        var monthStart = new DateOnly(reference.Year, reference.Month, 1);
        foreach (var period in new[] { CalendarPeriod.Month, CalendarPeriod.Quarter })
        {
            foreach (var query in new[] { new SegmentQuery(null, monthStart.AddMonths(1).AddDays(-1), period), new SegmentQuery(monthStart.AddMonths(-2), reference, period) })
            {
                foreach (var by in new[] { "all", "acquisitionChannel" })
                {
                    var expected = SegmentReport.Compute(states, await ReferenceGroupingAsync(facts, states, by, period), query, settings);
                    var actual = await SegmentQueries.ComputeAsync(connection, scope, new GroupSpec(by, period), query, settings, SegmentParts.All, default);
                    AssertSame(expected, actual, $"from the group rollup, asOf {Day(scope.Cutoff)}, by {by}, {query}");
                }
            }
        }
    }

    private async Task<Grouping> ReferenceGroupingAsync(PortfolioFacts facts, CustomerStates states, string by, CalendarPeriod period)
    {
        if (GroupBy.AttributeKey(by) is { } key)
        {
            using var scope = _factory.Services.CreateScope();
            var values = await scope.ServiceProvider.GetRequiredService<ClvDbContext>().AttributeValuesAsync(key, default);
            return Grouping.ByAttribute(key, Array.ConvertAll(facts.CustomerIds, id => values.GetValueOrDefault(id)));
        }

        return by switch
        {
            "all" => Grouping.All(facts),
            "country" => Grouping.ByCountry(facts),
            "cohort" => Grouping.ByCohort(facts, period),
            "rfmSegment" => Grouping.ByRfmSegment(states),
            "clvTier" => Grouping.ByClvTier(states),
            _ => Grouping.ByChannel(facts),
        };
    }

    // The figures with those of the parts not computed blanked.
    private static List<SegmentFigures> Computed(List<SegmentFigures> figures, SegmentParts parts) => figures.ConvertAll(f => f with
    {
        ActiveCustomers = parts.HasFlag(SegmentParts.Activity) ? f.ActiveCustomers : 0,
        RetentionRate = parts.HasFlag(SegmentParts.Activity) ? f.RetentionRate : null,
        PeriodChurnRate = parts.HasFlag(SegmentParts.Activity) ? f.PeriodChurnRate : null,
        ChurnRate = parts.HasFlag(SegmentParts.Activity) ? f.ChurnRate : null,
        MedianHistoricalClv = parts.HasFlag(SegmentParts.Middles) ? f.MedianHistoricalClv : 0,
        Formula = parts.HasFlag(SegmentParts.Formula) ? f.Formula : FormulaClvInputs.None,
        RepeatCustomers = parts.HasFlag(SegmentParts.Lifecycle) ? f.RepeatCustomers : 0,
        RepeatPurchaseRate = parts.HasFlag(SegmentParts.Lifecycle) ? f.RepeatPurchaseRate : 0,
        NewCustomers = parts.HasFlag(SegmentParts.Lifecycle) ? f.NewCustomers : 0,
        ChurnedCustomers = parts.HasFlag(SegmentParts.Lifecycle) ? f.ChurnedCustomers : 0,
        ModelChurnedCustomers = parts.HasFlag(SegmentParts.Lifecycle) ? f.ModelChurnedCustomers : null,
    });

    private static void AssertSame(List<SegmentFigures> expected, List<SegmentFigures> actual, string what)
    {
        if (expected.SequenceEqual(actual))
        {
            return;
        }

        var message = new StringBuilder($"SQL differs from the report for {what}:\n");
        message.AppendLine(CultureInfo.InvariantCulture, $"  keys expected [{string.Join(", ", expected.Select(s => s.Key))}], actual [{string.Join(", ", actual.Select(s => s.Key))}]");
        foreach (var e in expected)
        {
            if (actual.FirstOrDefault(a => a.Key == e.Key) is not { } a)
            {
                continue;
            }

            foreach (var property in typeof(SegmentFigures).GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                var (x, y) = (property.GetValue(e), property.GetValue(a));
                if (!Equals(x, y))
                {
                    message.AppendLine(CultureInfo.InvariantCulture, $"  {e.Key}.{property.Name}: expected {x ?? "null"}, actual {y ?? "null"}");
                }
            }
        }

        Assert.Fail(message.ToString());
    }

    // The hand-computed book (A_hand_computed_book_gives_the_worked_out_payback_and_churn_rate)
    // without its spend, posted to an empty database; the client that posted it.
    private async Task<HttpClient> PostHandComputedBookAsync()
    {
        await ResetAsync();
        var client = _factory.Client();
        await PostOkAsync(client.PostCustomersAsync(
            new { externalId = "A", acquiredAt = "2024-01-10T12:00:00Z", acquisitionChannel = "ads" },
            new { externalId = "B", acquiredAt = "2024-01-20T12:00:00Z", acquisitionChannel = "ads" },
            new { externalId = "C", acquiredAt = "2024-01-25T12:00:00Z", acquisitionChannel = "ads" },
            new { externalId = "G", acquiredAt = "2024-01-02T12:00:00Z", acquisitionChannel = "organic" },
            new { externalId = "D", acquiredAt = "2023-11-01T12:00:00Z" }));
        await PostOkAsync(client.PostTransactionsAsync(
            Tx("a1", "A", "2024-01-10T12:00:00Z", amount: 100m, cost: 40m),
            Tx("a2", "A", "2024-02-15T12:00:00Z", amount: 100m, cost: 40m),
            Tx("a3", "A", "2024-03-20T12:00:00Z", amount: 150m, cost: 50m),
            Tx("b1", "B", "2024-01-20T12:00:00Z", amount: 50m),
            Tx("b2", "B", "2024-02-05T12:00:00Z", type: "refund", amount: 20m),
            Tx("c1", "C", "2024-04-02T12:00:00Z", amount: 200m, cost: 100m),
            Tx("g1", "G", "2024-01-02T12:00:00Z", amount: 80m),
            Tx("g2", "G", "2024-04-15T12:00:00Z", amount: 80m),
            Tx("d1", "D", "2023-11-01T12:00:00Z", amount: 30m)));
        return client;
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(_factory.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private async Task ResetAsync()
    {
        await using var connection = await OpenAsync();
        await using var truncate = new NpgsqlCommand(
            "TRUNCATE customers, customer_keys, transactions, transaction_keys, customer_days, customer_summaries, feedback, feedback_keys, subscriptions, subscription_keys, acquisition_spend, customer_predictions, model_runs, period_rollups, analytics_rankings CASCADE",
            connection);
        await truncate.ExecuteNonQueryAsync();
    }

    // Profiles sent before the transactions, the transactions, late ones in a second batch (to
    // known customers, often before their first day: ingest's upsert path, acquisition moved
    // earlier), profiles sent after (an explicit acquisition overrides the first purchase),
    // subscriptions (a start before the first purchase moves the acquisition earlier too), survey
    // answers, the spend, and maybe a model run. The subscriptions come after the profiles: a
    // subscription that dated an acquisition after a past day the test asks about, which a profile
    // then moved before it, would leave the group rollup's latest day (an upper bound) after that
    // day, and the rankings of the day would not be seen from the current state's, which
    // CheckSeenFromCurrentAsync expects of a book with nothing after the day (the time-series
    // books cover that order).
    private async Task PostAsync(Book book)
    {
        var client = _factory.Client();
        var before = book.Customers.Where(c => c.Profile == ProfileSent.Before).ToArray();
        var after = book.Customers.Where(c => c.Profile == ProfileSent.After).ToArray();
        if (before.Length > 0)
        {
            await PostOkAsync(client.PostCustomersAsync([.. before.Select(c => c.Item())]));
        }

        foreach (var batch in book.Transactions.GroupBy(t => t.Late).OrderBy(b => b.Key))
        {
            await PostOkAsync(client.PostTransactionsAsync([.. batch.Select(t => t.Item())]));
        }

        if (after.Length > 0)
        {
            await PostOkAsync(client.PostCustomersAsync([.. after.Select(c => c.Item())]));
        }

        if (book.Subscriptions.Any(s => s.Euro))
        {
            await PostOkAsync(client.PostAsJsonAsync("/api/v1/fx-rates", new
            {
                rates = EuroRates.Select(r => new { date = r.Key.ToString("O", CultureInfo.InvariantCulture), currency = "EUR", rateToReporting = r.Value }).ToArray(),
            }));
        }

        if (book.Subscriptions.Length > 0)
        {
            await PostOkAsync(SubscriptionIngestionTests.PostSubscriptionsAsync(client, [.. book.Subscriptions.Select(s => s.Item())]));
        }

        if (book.Answers.Length > 0)
        {
            await PostOkAsync(client.PostAsJsonAsync("/api/v1/feedback", new { feedback = book.Answers.Select(a => a.Item()).ToArray() }));
        }

        if (book.Spend.Length > 0)
        {
            await PostOkAsync(client.PostSpendAsync([.. book.Spend.Select(s => s.Item())]));
        }

        if (book.ModelRun)
        {
            await PostOkAsync(client.PostTransactionsAsync([.. Regulars()]));
            var run = await ModelRunTests.StartAndWaitAsync(client, new { });
            Assert.Contains(run.GetProperty("status").GetString(), new[] { "succeeded", "failed" });
        }
    }

    // The first 500 CDNOW customers, their purchases moved to end the day before today, for a
    // model run to have something to fit: a handful of random customers gives no proper maximum.
    private static IEnumerable<object> Regulars()
    {
        var shift = Today.AddDays(-1).DayNumber - new DateOnly(1998, 6, 30).DayNumber;
        var customers = CdnowSample.Purchases.Select(p => p.Customer).Distinct().Take(500).ToHashSet();
        return CdnowSample.Purchases
            .Select((p, i) => (p, i))
            .Where(x => customers.Contains(x.p.Customer))
            .Select(x => Tx($"cdnow-tx-{x.i}", x.p.Customer, Iso(At(Today.DayNumber - x.p.Day.DayNumber - shift, 720)), amount: x.p.Amount));
    }

    private static async Task PostOkAsync(Task<HttpResponseMessage> post)
    {
        var body = await (await post).JsonAsync();
        Assert.True(body.Long("rejected") == 0, body.ToString());
    }

    private static string Day(DateOnly? day) => day?.ToString("O", CultureInfo.InvariantCulture) ?? "none";

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    // daysAgo days before today's UTC date, at a minute of that day; never after the API's limit, a day from now.
    private static DateTimeOffset At(int daysAgo, int minute)
    {
        var at = new DateTimeOffset(Today.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddDays(-daysAgo).AddMinutes(minute);
        return at > Now.AddDays(1) ? Now.AddDays(1) : at;
    }

    private enum ProfileSent
    {
        None,
        Before,
        After,
    }

    private sealed record CustomerSpec(int Index, ProfileSent Profile, int? AcquiredDaysAgo, int Minute, string? Channel, string? Country, string? Plan, string? Region)
    {
        public object Item() => new
        {
            externalId = $"c{Index}",
            acquiredAt = AcquiredDaysAgo is { } d ? Iso(At(d, Minute)) : null,
            acquisitionChannel = Channel,
            country = Country,
            attributes = new[] { ("plan", Plan), ("region", Region) }.Where(a => a.Item2 is not null).ToDictionary(a => a.Item1, a => a.Item2!),
        };
    }

    private sealed record TxSpec(int Index, int Customer, int DaysAgo, int Minute, bool Refund, decimal Amount, decimal? Cost, bool Late)
    {
        public object Item() => Tx($"t{Index}", $"c{Customer}", Iso(At(DaysAgo, Minute)), Refund ? "refund" : "purchase", Refund ? Math.Max(Amount, 0.01m) : Amount, cost: Cost);
    }

    private sealed record SpendSpec(string Channel, DateOnly Start, DateOnly End, decimal Amount)
    {
        public object Item() => new { channel = Channel, periodStart = Start.ToString("O", CultureInfo.InvariantCulture), periodEnd = End.ToString("O", CultureInfo.InvariantCulture), amount = Amount, currency = "USD" };
    }

    // A subscription of a customer, started at a minute of a day, ended some days later (the same
    // instant when 0; never, when null); a yearly one's amount counts a twelfth a month; one in
    // euros is converted at the rate of its start's day (EuroRates).
    private sealed record SubscriptionSpec(int Index, int Customer, string Plan, int DaysAgo, int Minute, int? EndDaysAfter, bool Yearly, decimal Amount, bool Euro)
    {
        public object Item()
        {
            var started = Iso(At(DaysAgo, Minute));
            var ended = EndDaysAfter switch { null => null, 0 => started, var days => Iso(At(DaysAgo - days.Value, Minute)) };
            return SubscriptionIngestionTests.Sub($"s{Index}", $"c{Customer}", Plan, started, ended, Yearly ? "year" : "month", Amount, Euro ? "EUR" : "USD");
        }
    }

    // A survey answer of a customer: an NPS score 0..10, or a CSAT score 1..5.
    private sealed record AnswerSpec(int Index, int Customer, int DaysAgo, int Minute, bool Nps, int Score)
    {
        public object Item() => new
        {
            externalId = $"f{Index}",
            customerExternalId = $"c{Customer}",
            answeredAt = Iso(At(DaysAgo, Minute)),
            kind = Nps ? "nps" : "csat",
            score = Nps ? Score : 1 + (Score % 5),
        };
    }

    private sealed record Book(CustomerSpec[] Customers, TxSpec[] Transactions, SpendSpec[] Spend, bool ModelRun, SubscriptionSpec[] Subscriptions, AnswerSpec[] Answers);

    // From: days before the reference (null: all time); To: days after From (or after the
    // reference without From), null for the reference.
    private sealed record QuerySpec(int? FromDaysBefore, int? ToDaysAfter, CalendarPeriod Period)
    {
        public SegmentQuery Resolve(DateOnly reference)
        {
            var from = FromDaysBefore is { } f ? reference.AddDays(-f) : (DateOnly?)null;
            return new SegmentQuery(from, ToDaysAfter is { } t ? (from ?? reference).AddDays(t) : reference, Period);
        }
    }

    private sealed record Probe(DateOnly? AsOf, QuerySpec[] Queries);

    private sealed record Case(Book Book, Probe[] Probes, PortfolioSettings Settings)
    {
        public override string ToString() => JsonSerializer.Serialize(this);
    }

    private static readonly Gen<decimal> Amount = Gen.Frequency<decimal>(
        (4, Gen.Int[0, 30_000].Select(c => c / 100m)),
        (1, Gen.Int[0, 2_000_000].Select(c => c / 10_000m)),
        (1, Gen.OneOf(0m, 0.0001m, 0.0003m, 10m)));

    private static readonly Gen<decimal?> Cost = Gen.Frequency<decimal?>(
        (3, Gen.Const((decimal?)null)),
        (2, Amount.Select(a => (decimal?)a)));

    private static readonly Gen<CustomerSpec> CustomerGen = Gen.Select(
        Gen.Frequency((1, ProfileSent.None), (2, ProfileSent.Before), (1, ProfileSent.After)),
        Gen.Frequency<int?>((3, Gen.Const((int?)null)), (2, Gen.Int[-1, 450].Select(d => (int?)d))),
        Gen.Int[0, 1439],
        Gen.OneOf<string?>(null, null, "ads", "email", "seo"),
        Gen.OneOf<string?>(null, "DE", "US", "FR"),
        Gen.OneOf<string?>(null, "gold", "silver"),
        Gen.OneOf<string?>(null, null, null, "north"),
        (profile, acquired, minute, channel, country, plan, region) => new CustomerSpec(0, profile, acquired, minute, channel, country, plan, region));

    // Mostly within the last 14 months, a few tomorrow (UTC), which the current state counts.
    private static Gen<TxSpec> Transaction(int customers) => Gen.Select(
        Gen.Int[0, customers - 1],
        Gen.Frequency<int>((1, Gen.Const(-1)), (2, Gen.Int[0, 40]), (8, Gen.Int[0, 430])),
        Gen.Int[0, 1439],
        Gen.Frequency((5, false), (1, true)),
        Amount,
        Cost,
        Gen.Frequency((4, false), (1, true)),
        // Ingest refuses a cost above ten times the amount.
        (customer, daysAgo, minute, refund, amount, cost, late) => new TxSpec(0, customer, daysAgo, minute, refund, amount, cost is { } c ? Math.Min(c, amount * 10) : null, late));

    private static readonly Gen<SpendSpec> Spend = Gen.Select(
        // A spend-only channel too (tv); "unattributed" names customers without a channel, and ingest refuses it.
        Gen.OneOf("ads", "email", "seo", "tv", "radio"),
        Gen.Int[0, 460],
        Gen.Int[0, 120],
        Amount,
        (channel, startDaysAgo, days, amount) => new SpendSpec(channel, Today.AddDays(-startDaysAgo), Today.AddDays(-startDaysAgo + days), amount));

    // Over the same days as transactions; ended half the time, often at the end of a month
    // (where a period's count ends), a few free, a third in euros.
    private static Gen<SubscriptionSpec> Subscription(int customers) => Gen.Select(
        Gen.Int[0, customers - 1],
        Gen.OneOf("basic", "pro", "team"),
        Gen.Frequency<int>((1, Gen.Const(-1)), (8, Gen.Int[0, 430])),
        Gen.Int[0, 1439],
        Gen.Frequency<int?>((4, Gen.Const((int?)null)), (1, Gen.Const((int?)0)), (3, Gen.Int[1, 200].Select(d => (int?)d))),
        Gen.Frequency((2, false), (1, true)),
        Gen.Frequency<decimal>((1, Gen.Const(0m)), (5, Gen.Int[100, 50_000].Select(c => c / 100m))),
        Gen.Frequency((2, false), (1, true)),
        (customer, plan, daysAgo, minute, end, yearly, amount, euro) => new SubscriptionSpec(0, customer, plan, daysAgo, minute, end, yearly, amount, euro));

    private static Gen<AnswerSpec> Answer(int customers) => Gen.Select(
        Gen.Int[0, customers - 1], Gen.Int[-1, 430], Gen.Int[0, 1439], Gen.Bool, Gen.Int[0, 10],
        (customer, daysAgo, minute, nps, score) => new AnswerSpec(0, customer, daysAgo, minute, nps, score));

    private static readonly Gen<Book> BookGen = Gen.Int[0, 10].SelectMany(customers => Gen.Select(
        CustomerGen.Array[customers].Select(c => c.Select((x, i) => x with { Index = i }).ToArray()),
        customers == 0
            ? Gen.Const(Array.Empty<TxSpec>())
            : Transaction(customers).Array[0, 5 * customers].Select(t => t.Select((x, i) => x with { Index = i }).ToArray()),
        Spend.Array[0, 4].Select(s => s.DistinctBy(x => (x.Channel, x.Start, x.End)).ToArray()),
        Gen.Int[0, 3].Select(r => r == 0),
        customers == 0
            ? Gen.Const(Array.Empty<SubscriptionSpec>())
            : Subscription(customers).Array[0, 2 * customers].Select(t => t.Select((x, i) => x with { Index = i }).ToArray()),
        customers == 0
            ? Gen.Const(Array.Empty<AnswerSpec>())
            : Answer(customers).Array[0, 2 * customers].Select(t => t.Select((x, i) => x with { Index = i }).ToArray()),
        (c, t, s, run, subscriptions, answers) => new Book(c, t, s, run, subscriptions, answers)));

    private static readonly Gen<QuerySpec> QueryGen = Gen.Select(
        Gen.Frequency<int?>((2, Gen.Const((int?)null)), (3, Gen.Int[0, 450].Select(d => (int?)d))),
        Gen.Frequency<int?>((3, Gen.Const((int?)null)), (2, Gen.Int[0, 200].Select(d => (int?)d))),
        Gen.Enum<CalendarPeriod>(),
        (from, to, period) => new QuerySpec(from, to, period));

    // A past day, often the last of a month, where the last complete month is the as-of one.
    private static readonly Gen<DateOnly> AsOfGen = Gen.Frequency<DateOnly>(
        (3, Gen.Int[0, 440].Select(d => Today.AddDays(-d))),
        (1, Gen.Int[0, 14].Select(k => new DateOnly(Today.Year, Today.Month, 1).AddMonths(-k).AddDays(-1))));

    private static readonly Gen<Probe[]> ProbesGen = Gen.Select(
        QueryGen.Array[Groupings.Length], AsOfGen, QueryGen.Array[Groupings.Length], AsOfGen, QueryGen.Array[Groupings.Length],
        (now, a, qa, b, qb) => new[] { new Probe(null, now), new Probe(a, qa), new Probe(b, qb) });

    private static readonly Gen<PortfolioSettings> SettingsGen = Gen.Select(
        // 90 days is the configured window, which the group rollup counts churn with.
        // Bands as configured for a business model, or overridden (HealthBands:{model}) to months
        // short enough for a book of 14 months to meet a poor payback, paid back or not.
        Gen.OneOf(30, 31, 90, 90, 120), Gen.OneOf(0.3, 0.5, 0.9), Gen.OneOf(1, 3, 100), Gen.OneOf(HealthBands.Saas, HealthBands.Retail, new HealthBands(0.5m, 2m, 4m, 1, 3)),
        (window, alive, minSize, health) => new PortfolioSettings
        {
            ChurnWindowDays = window,
            AliveThreshold = alive,
            MinSegmentSize = minSize,
            Health = health,
        });

    private static readonly Gen<Case> CaseGen = Gen.Select(BookGen, ProbesGen, SettingsGen, (book, probes, settings) => new Case(book, probes, settings));

    // What the cases reached, so that a run shows it compared more than empty answers.
    private sealed class SampleStats
    {
        private int _books, _withRun, _customers, _segments, _churnRates, _paybacks, _laterPaybacks, _notPaidBack, _cacs, _clvToCacs;
        private int _subscribed, _subscriptionChurnRates;
        private readonly SortedSet<string> _bands = new(StringComparer.Ordinal);

        public void Count(PortfolioFacts facts, Guid? run)
        {
            _books++;
            _withRun += run is null ? 0 : 1;
            _customers += facts.Count;
        }

        public void Count(List<SegmentFigures> segments)
        {
            _segments += segments.Count;
            _churnRates += segments.Count(s => s.ChurnRate is > 0);
            _paybacks += segments.Count(s => s.PaybackMonths is not null);
            _laterPaybacks += segments.Count(s => s.PaybackMonths > 1);
            _notPaidBack += segments.Count(s => s.Cac is not null && s.PaybackMonths is null);
            _cacs += segments.Count(s => s.Cac is not null);
            _clvToCacs += segments.Count(s => s.ClvToCac is not null);
            _bands.UnionWith(segments.SelectMany(s => new[] { $"clv:cac {s.ClvToCacHealth}", $"payback {s.PaybackHealth}" }).Where(b => !b.EndsWith(' ')));
        }

        public void Count(Dictionary<string, SubscriptionFigures> subscriptions)
        {
            _subscribed += subscriptions.Count(s => s.Value.ActiveSubscriptions > 0);
            _subscriptionChurnRates += subscriptions.Count(s => s.Value.SubscriptionChurnRate > 0);
        }

        public override string ToString() =>
            $"{_books} books ({_withRun} with a model run, {_customers} customers): {_segments} segments compared, "
            + $"{_churnRates} with a churn rate above 0, {_cacs} with a CAC, {_clvToCacs} with a CLV:CAC, {_paybacks} with a payback "
            + $"({_laterPaybacks} after the first month), {_notPaidBack} with a CAC not paid back; health bands met: {string.Join(", ", _bands)}; "
            + $"{_subscribed} with active subscriptions, {_subscriptionChurnRates} with a subscription churn rate above 0";
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
