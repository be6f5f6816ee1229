using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Clv.Analytics.Cohorts;
using Clv.Analytics.Historical;
using Clv.Analytics.ModelRuns;
using Clv.Analytics.Portfolio;
using Clv.Api.Tests.Infrastructure;
using Clv.Api.Tests.Subscriptions;
using Clv.Data;
using Clv.Data.Analytics;
using Clv.Data.Analytics.ReadModel;
using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Clv.Api.Tests.ReadModel;

/// <summary>
/// The cohort matrix and the time series computed set-based in PostgreSQL equal, figure for
/// figure, the in-memory reports they replace (<see cref="CohortReport"/>, <see cref="TimeSeriesReport"/>
/// over <see cref="CustomerStates"/>) and a recomputation from the raw rows written here
/// (<see cref="FromScratch"/>), on random small books written through the API, and on two tiny
/// books worked out by hand. The reporting time zone is New York, so that acquisition days
/// and purchase days are both taken off UTC.
/// </summary>
public sealed class CohortAndTimeSeriesQueryTests(CohortAndTimeSeriesQueryTests.NewYorkApi fixture)
    : IClassFixture<CohortAndTimeSeriesQueryTests.NewYorkApi>
{
    private const string Zone = "America/New_York";
    private const int ConfiguredWindow = 30;

    // Days of history the random books span, ending today (UTC).
    private const int Span = 730;

    private static readonly TimeZoneInfo TimeZone = TimeZoneInfo.FindSystemTimeZoneById(Zone);
    private static readonly string?[] Channels = [null, "search", "tv", "social", "partner"];
    private static readonly string[] SpendChannels = ["search", "tv", "radio", "podcast"];
    private static readonly string?[] Countries = [null, "US", "DE", "FR"];
    private static readonly string?[] Plans = [null, "free", "pro"];
    private static readonly string[] Groupings =
        ["all", "acquisitionChannel", "country", "cohort", "rfmSegment", "clvTier", "attribute:plan", "attribute:none", "plan", "npsClass"];

    // The groupings of facts the in-memory reports do not hold: the recomputation alone checks them.
    private static readonly string[] DatabaseOnlyGroupings = ["plan", "npsClass"];
    private static readonly string[] SubscriptionPlans = ["basic", "pro", "team"];
    private static readonly string?[] CohortChannels = [null, "search", "tv", "unattributed", "radio", "nowhere"];
    private static int _books;

    private ClvApiFactory Api => fixture.Factory;

    /// <summary>The API with New York as the reporting time zone, on a database of its own.</summary>
    public sealed class NewYorkApi : IAsyncLifetime
    {
        // The group rollup counts churn with the configured window: the books ask with it half the time.
        public ClvApiFactory Factory { get; } = new ClvApiFactory().With("Clv:ReportingTimeZone", Zone).With("Clv:ChurnWindowDays", $"{ConfiguredWindow}");

        public Task InitializeAsync() => Factory.InitializeAsync();

        public Task DisposeAsync() => ((IAsyncLifetime)Factory).DisposeAsync();
    }

    /// <summary>
    /// A transaction, <see cref="Day"/> days after the customer's first day (−1: tomorrow in the
    /// reporting zone, as far ahead as the API accepts) at <see cref="Minute"/> (UTC) past
    /// midnight, or on the customer's previous transaction's day; sent in batch <see cref="Batch"/>
    /// (0..2), so older transactions often arrive after newer ones; in euros (converted at ingest
    /// at the rate of its day, <see cref="EuroRates"/>) or dollars, the reporting currency.
    /// </summary>
    public sealed record TxSpec(int Day, int Minute, bool SameDayAsPrevious, bool Refund, int Cents, int Batch, bool Euro);

    /// <summary>
    /// A customer: with a profile (channel, country and plan indexes; an acquisition day offset,
    /// −1 for none sent, −2 for tomorrow in the reporting zone) or only created by their transactions.
    /// </summary>
    public sealed record CustomerSpec(bool Profile, int Channel, int Country, int Plan, int Acquired, int FirstDay, TxSpec[] Transactions);

    /// <summary>Spend of a channel over <see cref="Days"/> days from day <see cref="Start"/>, in ten-thousandths.</summary>
    public sealed record SpendSpec(int Channel, int Start, int Days, int Amount);

    /// <summary>
    /// A book, whether an active model run predicts its customers (then CLV tiers rank predictions),
    /// the churn window its answers use, the customer erased once it is written (none when out of
    /// range), and the seed of the predictions and of the queries asked of it.
    /// </summary>
    public sealed record Book(CustomerSpec[] Customers, SpendSpec[] Spend, bool ProfilesFirst, bool Csv, bool Predicted, int ChurnWindow, int Erased, int Seed);

    private static readonly Gen<TxSpec> GenTx = Gen.Select(
        Gen.Select(Gen.Frequency((30, Gen.Int[0, 300]), (1, Gen.Const(-1))), Gen.Int[0, 1439], Gen.Int[0, 3]),
        Gen.Int[0, 3], Gen.Int[0, 20_000], Gen.Select(Gen.Int[0, 2], Gen.Int[0, 2]),
        (when, refund, cents, sent) => new TxSpec(when.Item1, when.Item2, when.Item3 == 0, refund == 0, cents, sent.Item1, sent.Item2 == 0));

    private static readonly Gen<CustomerSpec> GenCustomer = Gen.Select(
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, Channels.Length - 1], Gen.Int[0, Countries.Length - 1], Gen.Int[0, Plans.Length - 1]),
        Gen.Frequency((3, Gen.Const(-1)), (1, Gen.Const(-2)), (3, Gen.Int[0, Span])),
        Gen.Int[0, Span],
        GenTx.Array[0, 8],
        (profile, acquired, firstDay, transactions) =>
            new CustomerSpec(profile.Item1 > 0, profile.Item2, profile.Item3, profile.Item4, acquired, firstDay, transactions));

    private static readonly Gen<SpendSpec> GenSpend = Gen.Select(Gen.Int[0, SpendChannels.Length - 1], Gen.Int[0, Span], Gen.Int[1, 120], Gen.Int[0, 10_000_000],
        (channel, start, days, amount) => new SpendSpec(channel, start, days, amount));

    private static readonly Gen<Book> GenBook = Gen.Select(
        GenCustomer.Array[1, 10], GenSpend.Array[0, 4], Gen.Select(Gen.Bool, Gen.Bool, Gen.Bool), Gen.Frequency((1, Gen.Const(ConfiguredWindow)), (1, Gen.Int[1, 120])), Gen.Int[0, 19], Gen.Int,
        (customers, spend, flags, window, erased, seed) => new Book(customers, spend, flags.Item1, flags.Item2, flags.Item3, window, erased, seed));

    [Fact]
    public async Task Random_books_get_the_in_memory_reports_answers_from_sql()
    {
        var books = int.TryParse(Environment.GetEnvironmentVariable("CLV_PROPERTY_BOOKS"), out var n) ? n : 20;
        await GenBook.SampleAsync(CheckBookAsync, iter: books, threads: 1, print: book => JsonSerializer.Serialize(book));
    }

    [Fact]
    public async Task Churn_rate_counts_the_customers_alive_on_a_periods_eve_who_churn_within_it()
    {
        // A 30-day window: a customer is alive from a purchase (or their acquisition) to 29 days
        // after it, churned on the 30th unless they buy again by that day. Days in New York; 2024 is a leap year.
        //   F  acquired 2023-12-15, never buys: alive 12-15..01-13, churns 01-14 (January).
        //   A  buys 01-10, 02-05: one spell 01-10..03-05, churns 03-06 (March).
        //   B  buys 01-20: 01-20..02-18, churns 02-19 (February).
        //   C  buys 02-10, 03-25 (44 days apart): 02-10..03-10, churns 03-11 (March); 03-25..04-23, churns 04-24 (April).
        //   E  buys 01-05, 02-04 (30 days apart, on the day they would churn: one spell): 01-05..03-04, churns 03-05 (March).
        //   G  buys 02-20, 03-15, 04-10: 02-20..05-09, churns 05-10 (after April).
        // Alive on the eve:  Jan (12-31): F.  Feb (01-31): A, B, E.  Mar (02-29): A, C, E, G.  Apr (03-31): C, G.
        // Of those, churned: Jan: F.  Feb: B.  Mar: A, C, E.  Apr: C.
        await ResetAsync();
        var client = Api.Client();
        (await client.PostCustomersAsync(new { externalId = "hc-F", acquiredAt = "2023-12-15T12:00:00Z" })).EnsureSuccessStatusCode();
        await PostPurchasesAsync(client, "hc", ("A", "2024-01-10"), ("A", "2024-02-05"), ("B", "2024-01-20"), ("C", "2024-02-10"), ("C", "2024-03-25"),
            ("E", "2024-01-05"), ("E", "2024-02-04"), ("G", "2024-02-20"), ("G", "2024-03-15"), ("G", "2024-04-10"));
        var settings = new PortfolioSettings { ChurnWindowDays = 30 };

        var rate = await HandSeriesAsync(TimeSeriesMetric.ChurnRate, settings);
        var churned = await HandSeriesAsync(TimeSeriesMetric.ChurnedCustomers, settings);

        Assert.Equal([1m, 0.3333m, 0.75m, 0.5m], rate);
        Assert.Equal([1m, 1m, 3m, 1m], churned);
    }

    [Fact]
    public async Task Retention_rate_is_the_share_of_a_periods_buyers_who_buy_again_in_the_next()
    {
        //   P  buys 2023-12-10, 2024-01-15, 2024-02-25.
        //   Q  buys 01-05, 02-07, 02-20 (twice in February), 03-09.
        //   R  buys 02-01 (20) and only gets a refund of 50 on 03-02: a refund is no purchase.
        //   S  buys 2023-12-20, 2024-04-10.
        // Buyers: Dec P, S.  Jan P, Q.  Feb P, Q, R.  Mar Q.  Apr S.
        // Jan: of Dec's 2, P again: 0.5.  Feb: of Jan's 2, both: 1.  Mar: of Feb's 3, Q: 0.3333.  Apr: of Mar's 1, none: 0.
        await ResetAsync();
        var client = Api.Client();
        await PostPurchasesAsync(client, "hr", ("P", "2023-12-10"), ("P", "2024-01-15"), ("P", "2024-02-25"),
            ("Q", "2024-01-05"), ("Q", "2024-02-07"), ("Q", "2024-02-20"), ("Q", "2024-03-09"), ("R", "2024-02-01"), ("S", "2023-12-20"), ("S", "2024-04-10"));
        (await client.PostTransactionsAsync(HttpAssertions.Tx("hr-R-refund", "hr-R", "2024-03-02T12:00:00Z", type: "refund", amount: 50m))).EnsureSuccessStatusCode();

        var retention = await HandSeriesAsync(TimeSeriesMetric.RetentionRate, new PortfolioSettings());

        Assert.Equal([0.5m, 1m, 0.3333m, 0m], retention);
    }

    // The "all" series of January..April 2024 by month, from SQL: as of 2024-06-30 from the days,
    // and as of today from the group rollup (a churn series when the window is the configured
    // one), the same for those months; the in-memory report must give the same.
    private async Task<decimal?[]> HandSeriesAsync(TimeSeriesMetric metric, PortfolioSettings settings)
    {
        var (from, to) = (new DateOnly(2024, 1, 1), new DateOnly(2024, 4, 30));
        var facts = await PortfolioFactsLoader.LoadAsync(Api.ConnectionString, Zone, CancellationToken.None);
        await using var connection = await OpenAsync();
        var values = new List<string>();
        foreach (var asOf in new DateOnly?[] { new DateOnly(2024, 6, 30), null })
        {
            var reference = asOf ?? HistoricalClvCalculator.LocalDate(DateTimeOffset.UtcNow, TimeZone);
            var states = CustomerStates.Compute(facts, asOf, reference, settings);
            var actual = await TimeSeriesQueries.ComputeAsync(
                connection, new AnalyticsScope(asOf, reference, Zone, null), GroupSpec.All, metric, CalendarPeriod.Month, from, to, settings, CancellationToken.None);
            var expected = TimeSeriesReport.Compute(states, Grouping.All(facts), metric, CalendarPeriod.Month, from, to, settings);
            Assert.Equal(Render(expected), Render(actual));
            values.Add(Render(actual));
        }

        Assert.Equal(values[0], values[1]);
        var series = await TimeSeriesQueries.ComputeAsync(
            connection, new AnalyticsScope(null, HistoricalClvCalculator.LocalDate(DateTimeOffset.UtcNow, TimeZone), Zone, null), GroupSpec.All, metric, CalendarPeriod.Month, from, to, settings, CancellationToken.None);
        return [.. series.Single().Points.Select(p => p.Value)];
    }

    private static async Task PostPurchasesAsync(HttpClient client, string prefix, params (string Customer, string Day)[] purchases)
    {
        var transactions = purchases.Select((p, i) => HttpAssertions.Tx($"{prefix}-{i}", $"{prefix}-{p.Customer}", $"{p.Day}T12:00:00Z", amount: 20m));
        (await client.PostTransactionsAsync([.. transactions])).EnsureSuccessStatusCode();
    }

    private async Task CheckBookAsync(Book book)
    {
        await ResetAsync();
        var prefix = $"b{Interlocked.Increment(ref _books)}";
        var origin = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-Span);
        var rates = EuroRates(book.Seed, origin);
        var later = LaterRates(rates);
        var convertedAgain = await PostBookAsync(book, prefix, origin, rates);

        var today = HistoricalClvCalculator.LocalDate(DateTimeOffset.UtcNow, TimeZone);
        var random = new Random(book.Seed);
        var run = book.Predicted ? await PredictAsync(random) : (Guid?)null;
        var settings = new PortfolioSettings { ChurnWindowDays = book.ChurnWindow };
        var facts = await PortfolioFactsLoader.LoadAsync(Api.ConnectionString, Zone, CancellationToken.None);
        var scratch = await FromScratch.LoadAsync(Api.ConnectionString, TimeZone, rates, id => convertedAgain.Contains(id) ? later : rates);
        Assert.Equal(book.Predicted, facts.HasPredictions);
        var attributes = new Dictionary<string, Dictionary<long, string>>(StringComparer.Ordinal);
        await using var connection = await OpenAsync();
        // The current state; a random past day (read from the days); and the last day of a past
        // quarter, or of a year, which the group rollup answers for questions by month and quarter
        // (and by year) as it answers the current state.
        var pastDay = origin.AddDays(random.Next(Span));
        var quarterEnd = CalendarPeriods.Start(origin.AddDays(random.Next(Span)), CalendarPeriod.Quarter).AddDays(-1);
        var periodEnd = random.Next(3) == 0 ? new DateOnly(quarterEnd.Year - 1, 12, 31) : quarterEnd;
        foreach (var (cutoff, reference) in new[] { ((DateOnly?)null, today), (pastDay, pastDay), (periodEnd, periodEnd) })
        {
            var states = CustomerStates.Compute(facts, cutoff, reference, settings);
            var scope = new AnalyticsScope(cutoff, reference, Zone, run);
            var rankings = await Rankings.ComputeAsync(connection, scope, CancellationToken.None);
            var lastDay = cutoff ?? today;
            foreach (var by in Groupings)
            {
                // The in-memory reference holds no survey answers and no subscriptions: their series,
                // and every series by plan or NPS class, are checked against the recomputation alone
                // (and by hand: FeedbackReadTests, SubscriptionMetricsTests).
                foreach (var metric in Enum.GetValues<TimeSeriesMetric>())
                {
                    var period = (CalendarPeriod)random.Next(3);
                    var from = origin.AddDays(random.Next(-60, Span + 30));
                    var to = from.AddDays(random.Next(400));
                    var actual = await TimeSeriesQueries.ComputeAsync(
                        connection, scope, new GroupSpec(by, period, rankings), metric, period, from, to, settings, CancellationToken.None);
                    if (!TimeSeriesReport.OnlyInDatabase(metric) && !DatabaseOnlyGroupings.Contains(by))
                    {
                        var grouping = await GroupingAsync(facts, states, by, period, attributes);
                        var expected = TimeSeriesReport.Compute(states, grouping, metric, period, from, to, settings);
                        Same(Render(expected), Render(actual), $"time series {metric} by {by} per {period} from {from} to {to}, {scope}");
                    }

                    if (FromScratch.Groups(by))
                    {
                        FromScratch.AssertSame(
                            scratch.Series($"{metric}", by, Name(period), from, to, cutoff, reference, book.ChurnWindow), FromScratch.Render(actual),
                            $"time series {metric} by {by} per {period} from {from} to {to}, {scope}");
                    }
                }
            }

            for (var i = 0; i < 8; i++)
            {
                var period = (CalendarPeriod)random.Next(3);
                var from = random.Next(4) == 0 ? DateOnly.MinValue : origin.AddDays(random.Next(-30, Span));
                var to = random.Next(4) == 0 ? lastDay : DateOnly.FromDayNumber(Math.Max(from.DayNumber, origin.DayNumber) + random.Next(Span));
                var channel = CohortChannels[random.Next(CohortChannels.Length)];
                var onOrAfter = random.Next(2) == 0;
                var expected = CohortReport.Compute(states, period, from, to, channel, onOrAfter);
                var actual = await CohortQueries.ComputeAsync(connection, scope, period, from, to, channel, onOrAfter, CancellationToken.None);
                Same(Render(expected), Render(actual), $"cohorts per {period} from {from} to {to}, channel {channel}, onOrAfter {onOrAfter}, {scope}");
                FromScratch.AssertSame(
                    scratch.Cohorts(Name(period), from, to, channel, onOrAfter, cutoff, reference), Render(actual),
                    $"cohorts per {period} from {from} to {to}, channel {channel}, onOrAfter {onOrAfter}, {scope}");
            }

            // Every cohort, on or after, which the cells answer as of a period's last day too:
            // the customers who bought since are counted by their last purchase by the day.
            foreach (var channel in new[] { null, CohortChannels[random.Next(1, CohortChannels.Length)] })
            {
                var period = cutoff is { } day && day.Month == 12 && random.Next(2) == 0 ? CalendarPeriod.Year : (CalendarPeriod)random.Next(2);
                var expected = CohortReport.Compute(states, period, DateOnly.MinValue, lastDay, channel, onOrAfter: true);
                var actual = await CohortQueries.ComputeAsync(connection, scope, period, DateOnly.MinValue, lastDay, channel, onOrAfter: true, CancellationToken.None);
                Same(Render(expected), Render(actual), $"every cohort per {period}, channel {channel}, on or after, {scope}");
                FromScratch.AssertSame(
                    scratch.Cohorts(Name(period), DateOnly.MinValue, lastDay, channel, onOrAfter: true, cutoff, reference), Render(actual),
                    $"every cohort per {period}, channel {channel}, on or after, {scope}");
            }
        }
    }

    private static void Same(string expected, string actual, string query) =>
        Assert.True(expected == actual, $"{query}\n--- in memory:\n{expected}\n--- sql:\n{actual}");

    private static string Name(CalendarPeriod period) => period.ToString().ToLowerInvariant();

    // The grouping as PortfolioCache.GroupingAsync builds it.
    private async Task<Grouping> GroupingAsync(
        PortfolioFacts facts, CustomerStates states, string by, CalendarPeriod period, Dictionary<string, Dictionary<long, string>> attributes)
    {
        if (new GroupSpec(by).AttributeKey is { } key)
        {
            if (!attributes.TryGetValue(key, out var values))
            {
                using var scope = Api.Services.CreateScope();
                attributes[key] = values = await scope.ServiceProvider.GetRequiredService<ClvDbContext>().AttributeValuesAsync(key, CancellationToken.None);
            }

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

    /// <summary>
    /// The euro's rates of a book, every fifth day from ten days before its first day to today
    /// (UTC): every transaction's day, tomorrow's included, has one at most a few days old, as
    /// conversion needs (<c>Clv:FxMaxAgeDays</c>, 7). With five decimals, so that conversions round.
    /// </summary>
    private static Dictionary<DateOnly, decimal> EuroRates(int seed, DateOnly origin)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, (Span / 5) + 3).Select(k => origin.AddDays((5 * k) - 10))
            .ToDictionary(day => day, _ => 0.5m + (random.Next(150_001) / 100_000m));
    }

    // The rates posted again after the transactions: the same days, each rate doubled.
    private static Dictionary<DateOnly, decimal> LaterRates(Dictionary<DateOnly, decimal> rates) =>
        rates.ToDictionary(r => r.Key, r => r.Value * 2);

    private static async Task PostRatesAsync(HttpClient client, IEnumerable<(DateOnly Day, decimal Rate)> rates)
    {
        var items = rates.Select(r => new { date = $"{r.Day:yyyy-MM-dd}", currency = "EUR", rateToReporting = r.Rate }).ToArray();
        var body = await (await client.PostAsJsonAsync("/api/v1/fx-rates", new { rates = items })).JsonAsync();
        Assert.True(body.GetProperty("rejected").GetInt64() == 0, body.ToString());
    }

    // Profiles (before or after the transactions), the euro's rates, then the transactions in three
    // batches, JSON or CSV, then other rates for the same days (which change no stored amount), then
    // the spend. Every item must be accepted. Returns the subscriptions in euros whose second send
    // moved their start, and so was converted again, at the doubled rates.
    private async Task<HashSet<string>> PostBookAsync(Book book, string prefix, DateOnly origin, Dictionary<DateOnly, decimal> rates)
    {
        var client = Api.Client();
        await PostRatesAsync(client, rates.Select(r => (r.Key, r.Value)));
        var profiles = book.Customers.Select((c, i) => (c, i)).Where(x => x.c.Profile).Select(x => (object)new
        {
            externalId = $"{prefix}-c{x.i}",
            acquiredAt = x.c.Acquired switch
            {
                -1 => null,
                -2 => Tomorrow(0),
                var day => $"{origin.AddDays(day):yyyy-MM-dd}T{x.i % 24:00}:30:00Z",
            },
            acquisitionChannel = Channels[x.c.Channel],
            country = Countries[x.c.Country],
            attributes = Plans[x.c.Plan] is { } plan ? new Dictionary<string, string> { ["plan"] = plan } : null,
        }).ToArray();
        if (book.ProfilesFirst && profiles.Length > 0)
        {
            await AcceptedAsync(await client.PostCustomersAsync(profiles));
        }

        var transactions = new List<(int Batch, string Id, string Customer, string At, string Type, decimal Amount, string Currency)>();
        for (var i = 0; i < book.Customers.Length; i++)
        {
            var day = book.Customers[i].FirstDay;
            for (var j = 0; j < book.Customers[i].Transactions.Length; j++)
            {
                var t = book.Customers[i].Transactions[j];
                if (t.Day >= 0 && !t.SameDayAsPrevious)
                {
                    day = Math.Min(book.Customers[i].FirstDay + t.Day, Span);
                }

                var at = t.Day < 0
                    ? Tomorrow(t.Minute)
                    : origin.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).AddDays(day).AddMinutes(t.Minute).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
                transactions.Add((t.Batch, $"{prefix}-t{i}-{j}", $"{prefix}-c{i}", at,
                    t.Refund ? "refund" : "purchase", (t.Refund ? t.Cents + 1 : t.Cents) / 100m, t.Euro ? "EUR" : "USD"));
            }
        }

        var subscriptions = Subscriptions(book, prefix, origin);
        for (var batch = 0; batch < 3; batch++)
        {
            if (batch == 1 && subscriptions.Count > 0)
            {
                await AcceptedAsync(await SubscriptionIngestionTests.PostSubscriptionsAsync(client, [.. subscriptions.Select(s => s.First)]));
            }

            var rows = transactions.Where(t => t.Batch == batch).ToList();
            if (rows.Count == 0)
            {
                continue;
            }

            if (book.Csv && batch == 1)
            {
                var csv = new StringBuilder("external_id,customer_external_id,occurred_at,type,amount,currency\n");
                foreach (var r in rows)
                {
                    csv.Append(CultureInfo.InvariantCulture, $"{r.Id},{r.Customer},{r.At},{r.Type},{r.Amount},{r.Currency}\n");
                }

                await AcceptedAsync(await client.PostCsvAsync(csv.ToString()));
            }
            else
            {
                await AcceptedAsync(await client.PostTransactionsAsync([.. rows.Select(r => HttpAssertions.Tx(r.Id, r.Customer, r.At, r.Type, r.Amount, r.Currency))]));
            }
        }

        await PostRatesAsync(client, LaterRates(rates).Select(r => (r.Key, r.Value)));
        if (subscriptions.Count > 0)
        {
            await AcceptedAsync(await SubscriptionIngestionTests.PostSubscriptionsAsync(client, [.. subscriptions.Select(s => s.Then)]));
        }

        if (!book.ProfilesFirst && profiles.Length > 0)
        {
            await AcceptedAsync(await client.PostCustomersAsync(profiles));
        }

        await PostAnswersAsync(client, book, prefix, origin);

        if (book.Erased < book.Customers.Length)
        {
            var erased = await client.DeleteAsync($"/api/v1/customers/{prefix}-c{book.Erased}");
            Assert.True(erased.IsSuccessStatusCode || erased.StatusCode == System.Net.HttpStatusCode.NotFound, $"{erased.StatusCode}");
        }

        var spend = book.Spend
            .Select(s => (Channel: SpendChannels[s.Channel], Start: origin.AddDays(s.Start), End: origin.AddDays(s.Start + s.Days - 1), Amount: s.Amount / 10_000m))
            .DistinctBy(s => (s.Channel, s.Start, s.End))
            .Select(s => (object)new { channel = s.Channel, periodStart = $"{s.Start:yyyy-MM-dd}", periodEnd = $"{s.End:yyyy-MM-dd}", amount = s.Amount, currency = "USD" })
            .ToArray();
        if (spend.Length > 0)
        {
            await AcceptedAsync(await client.PostSpendAsync(spend));
        }

        return [.. subscriptions.Where(s => s.ConvertedAgain).Select(s => s.Id)];
    }

    // Up to two subscriptions per customer (drawn from the book's seed), a third of them in euros:
    // a plan, a start on any day of the book, monthly or yearly, now and then free, half of them
    // ended. Each is sent first, and then again (later, after the euro's rates doubled) as it is,
    // cancelled, reopened, with another plan, or started on another day: acquisitions follow the
    // starts, earlier and later, and only a moved start converts a euro amount again.
    private static List<(object First, object Then, string Id, bool ConvertedAgain)> Subscriptions(Book book, string prefix, DateOnly origin)
    {
        var random = new Random(book.Seed ^ 0x5AB5);
        string At(int day) =>
            origin.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).AddDays(day).AddMinutes(random.Next(1440)).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

        // A start on any day of the book, and an end on or after it up to today (none: still
        // active), a quarter of them on a month's last day (UTC), where a period's count ends.
        (string StartedAt, string? EndedAt) Started() => Ended(At(random.Next(Span + 1)));
        (string StartedAt, string? EndedAt) Ended(string startedAt)
        {
            var start = DateOnly.ParseExact(startedAt[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture).DayNumber - origin.DayNumber;
            var end = start + random.Next(400);
            if (random.Next(4) == 0)
            {
                var day = origin.AddDays(end);
                end = new DateOnly(day.Year, day.Month, 1).AddMonths(1).AddDays(-1).DayNumber - origin.DayNumber;
            }

            return (startedAt, end > Span ? null : end == start ? startedAt : At(end));
        }

        var subscriptions = new List<(object, object, string, bool)>();
        for (var i = 0; i < book.Customers.Length; i++)
        {
            for (var k = random.Next(-2, 3); k > 0; k--)
            {
                var (id, customer) = ($"{prefix}-s{i}-{k}", $"{prefix}-c{i}");
                var (plan, billing, amount) = (SubscriptionPlans[random.Next(3)], random.Next(3) == 0 ? "year" : "month", random.Next(6) == 0 ? 0m : random.Next(100, 50_000) / 100m);
                var currency = random.Next(3) == 0 ? "EUR" : "USD";
                var (startedAt, endedAt) = random.Next(2) == 0 ? Started() : (Started().StartedAt, null);
                object Sent(string sentPlan, (string StartedAt, string? EndedAt) days) =>
                    SubscriptionIngestionTests.Sub(id, customer, sentPlan, days.StartedAt, days.EndedAt, billing, amount, currency);
                var first = Sent(plan, (startedAt, endedAt));
                var restarted = random.Next(2) == 0 ? Started() : (Started().StartedAt, null);
                var (then, thenStartedAt) = random.Next(5) switch
                {
                    0 => (first, startedAt),
                    1 => (Sent(plan, Ended(startedAt)), startedAt),
                    2 => (Sent(plan, (startedAt, null)), startedAt),
                    3 => (Sent(SubscriptionPlans[random.Next(3)], (startedAt, endedAt)), startedAt),
                    _ => (Sent(plan, restarted), restarted.StartedAt),
                };
                subscriptions.Add((first, then, id, currency == "EUR" && thenStartedAt != startedAt));
            }
        }

        return subscriptions;
    }

    // Up to three survey answers per customer, NPS or CSAT, of any score, on any day of the book
    // (drawn from its seed): a customer without transactions or profile is created by them.
    private static async Task PostAnswersAsync(HttpClient client, Book book, string prefix, DateOnly origin)
    {
        var random = new Random(book.Seed ^ 0x5EED);
        var answers = new List<object>();
        for (var i = 0; i < book.Customers.Length; i++)
        {
            for (var k = random.Next(4); k > 0; k--)
            {
                var nps = random.Next(2) == 0;
                var at = origin.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).AddDays(random.Next(Span + 1)).AddMinutes(random.Next(1440));
                answers.Add(new
                {
                    externalId = $"{prefix}-f{i}-{k}",
                    customerExternalId = $"{prefix}-c{i}",
                    answeredAt = at.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                    kind = nps ? "nps" : "csat",
                    score = nps ? random.Next(11) : random.Next(1, 6),
                });
            }
        }

        if (answers.Count > 0)
        {
            await AcceptedAsync(await client.PostAsJsonAsync("/api/v1/feedback", new { feedback = answers }));
        }
    }

    // Minutes into tomorrow in the reporting zone, but no later than the API accepts (a day ahead
    // of now, less a margin): with the scope of now, what happens tomorrow is left out.
    private static string Tomorrow(int minute)
    {
        var tomorrow = HistoricalClvCalculator.EndOfDay(HistoricalClvCalculator.LocalDate(DateTimeOffset.UtcNow, TimeZone), TimeZone).AddMinutes(minute);
        var latest = DateTimeOffset.UtcNow.AddHours(23);
        return (tomorrow < latest ? tomorrow : latest).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
    }

    // An active model run that predicts most customers, with ties in predicted CLV (tiers break
    // them by id), written and activated as a model run does.
    private async Task<Guid> PredictAsync(Random random)
    {
        var run = Guid.NewGuid();
        var ids = new List<long>();
        await using (var connection = await OpenAsync())
        await using (var command = new NpgsqlCommand(
            """
            INSERT INTO model_runs (id, created_at, status, options, progress, is_active) VALUES (@run, now(), 'Succeeded', '{}', 1, false);
            SELECT id FROM customers ORDER BY id;
            """, connection))
        {
            command.Parameters.AddWithValue("run", run);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                ids.Add(reader.GetInt64(0));
            }
        }

        var predicted = ids.Where(_ => random.Next(4) > 0).ToArray();
        var columns = new PredictionColumns(predicted.Length);
        for (var i = 0; i < predicted.Length; i++)
        {
            columns.CustomerIds[i] = predicted[i];
            columns.PredictedClv[i] = random.Next(-1, 6) * 12.5m;
            columns.ProbabilityAlive[i] = random.NextDouble();
        }

        await Api.ActivatePredictionsAsync(run, columns);
        return run;
    }

    private static async Task AcceptedAsync(HttpResponseMessage response)
    {
        var body = await response.JsonAsync();
        Assert.True(body.GetProperty("rejected").GetInt64() == 0, body.ToString());
    }

    // Each book starts from an empty portfolio (on the database the API, started here, has migrated).
    private async Task ResetAsync()
    {
        Api.Client().Dispose();
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(
            "TRUNCATE customers, customer_keys, customer_days, customer_summaries, transactions, transaction_keys, feedback, feedback_keys, subscriptions, subscription_keys, acquisition_spend, customer_predictions, model_runs, period_rollups, analytics_rankings CASCADE",
            connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(Api.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    internal static string Render(List<TimeSeries> series) => string.Join('\n', series.Select(s =>
        $"{s.Key}: " + string.Join(", ", s.Points.Select(p => $"{p.Period} {p.Start:yyyy-MM-dd}..{p.End:yyyy-MM-dd} {Text(p.Value)}"))));

    internal static string Render(List<CohortRow> rows) => string.Join('\n', rows.Select(r =>
        $"{r.Cohort:yyyy-MM-dd} size {r.Size}: active [{string.Join(' ', r.ActiveCustomers)}] retention [{string.Join(' ', r.Retention.Select(x => x.ToString("R", CultureInfo.InvariantCulture)))}] "
        + $"net [{string.Join(' ', r.NetRevenue.Select(x => Text(x)))}] cumulative [{string.Join(' ', r.CumulativeNetRevenuePerCustomer.Select(x => Text(x)))}]"));

    // The decimal as written, scale included: 1.50 and 1.5 differ in an answer's JSON.
    private static string Text(decimal? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "null";
}
