using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Clv.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Portfolio;

/// <summary>
/// The formula CLV (issue 14, section 5) through the API: ARPU per month × gross margin ÷ monthly
/// churn rate over the 12 complete months up to the as-of day, with the default churn window of 90
/// days. Today is 2025-01-15, so the current state's months are January to December 2024. The book:
/// <list type="bullet">
/// <item>ads: A, acquired 2024-01-01 (US), buys 100 on the 1st of every month of 2024. B, acquired
/// 2024-01-15 (US), buys 60 on 01-15 and 02-10 and gets 10 refunded on 08-01 (a refund alone).</item>
/// <item>organic: C, acquired 2023-06-01 (DE), buys 200 then, and 40 on 2024-03-15 and 2024-10-20.</item>
/// <item>referral: D, acquired 2024-06-01 (DE), buys 30 on the 1st of June to December 2024.</item>
/// <item>partner: E, acquired 2023-01-10 (FR), buys 50 then and gets 20 refunded on 2024-05-05, long
/// after the churn window: a refund on a day without a purchase, of a customer churned all along.</item>
/// </list>
/// A customer counts in a month when not churned at its start: acquired before it, with a purchase
/// (or the acquisition) less than 90 days before its eve. The expected values below are worked out
/// from these rows by hand, month by month, in each test.
/// </summary>
public sealed class FormulaClvTests(FormulaClvTests.Book book) : IClassFixture<FormulaClvTests.Book>
{
    private readonly HttpClient _client = book.Factory.Client();

    /// <summary>One database with the book, and today fixed at 2025-01-15.</summary>
    public sealed class Book : IAsyncLifetime
    {
        public ClvApiFactory Factory { get; } = new ClvApiFactory()
            .WithServices(services => services.AddSingleton<TimeProvider>(new FixedClock(new DateTimeOffset(2025, 1, 15, 12, 0, 0, TimeSpan.Zero))));

        public async Task InitializeAsync()
        {
            await Factory.InitializeAsync();
            var client = Factory.Client();
            await OkAsync(client.PostCustomersAsync(
                new { externalId = "A", acquiredAt = "2024-01-01T12:00:00Z", acquisitionChannel = "ads", country = "US" },
                new { externalId = "B", acquiredAt = "2024-01-15T12:00:00Z", acquisitionChannel = "ads", country = "US" },
                new { externalId = "C", acquiredAt = "2023-06-01T12:00:00Z", acquisitionChannel = "organic", country = "DE" },
                new { externalId = "D", acquiredAt = "2024-06-01T12:00:00Z", acquisitionChannel = "referral", country = "DE" },
                new { externalId = "E", acquiredAt = "2023-01-10T12:00:00Z", acquisitionChannel = "partner", country = "FR" }));
            var transactions = new List<object>();
            for (var month = 1; month <= 12; month++)
            {
                transactions.Add(Tx($"a{month}", "A", $"2024-{month:00}-01T12:00:00Z", amount: 100m));
            }

            for (var month = 6; month <= 12; month++)
            {
                transactions.Add(Tx($"d{month}", "D", $"2024-{month:00}-01T12:00:00Z", amount: 30m));
            }

            transactions.Add(Tx("b1", "B", "2024-01-15T12:00:00Z", amount: 60m));
            transactions.Add(Tx("b2", "B", "2024-02-10T12:00:00Z", amount: 60m));
            transactions.Add(Tx("b3", "B", "2024-08-01T12:00:00Z", type: "refund", amount: 10m));
            transactions.Add(Tx("c1", "C", "2023-06-01T12:00:00Z", amount: 200m));
            transactions.Add(Tx("c2", "C", "2024-03-15T12:00:00Z", amount: 40m));
            transactions.Add(Tx("c3", "C", "2024-10-20T12:00:00Z", amount: 40m));
            transactions.Add(Tx("e1", "E", "2023-01-10T12:00:00Z", amount: 50m));
            transactions.Add(Tx("e2", "E", "2024-05-05T12:00:00Z", type: "refund", amount: 20m));
            await OkAsync(client.PostTransactionsAsync([.. transactions]));
        }

        public Task DisposeAsync() => ((IAsyncLifetime)Factory).DisposeAsync();

        private static async Task OkAsync(Task<HttpResponseMessage> post) => Assert.True((await post).IsSuccessStatusCode);
    }

    // January to December 2024, customers not churned at each month's start, and churns:
    // A: acquired 01-01, so not counted in January (acquired on its first day, after its eve); it
    //    buys monthly and never churns: February to December, 11 months, 0 churned.
    // B: alive until 02-10 + 89 days; churned on 05-10. Counted in February (eve 01-31), March,
    //    April and May (eve 04-30, 80 days after 02-10), churned in May: 4 months, 1 churned.
    //    Net revenue on the window's days 60 + 60 − 10.
    // C: 2023-06-01 is 213 days before January's eve. 2024-03-15 starts a spell to 06-12 (churned
    //    06-13): April, May and June (eve 05-31, 77 days), churned in June. 10-20 starts another:
    //    November and December (eve 11-30, 41 days), still alive on 12-31. 5 months, 1 churned.
    //    Net revenue 40 + 40 (the 2023 purchase is before the window).
    // D: acquired 06-01, buys monthly: July to December, 6 months, 0 churned; 7 × 30.
    // E: churned since 2023-04-10, never counted; the refund of 20 is net revenue of the window.
    private static readonly Expected Ads2024 = new(12 * 100m + (60m + 60m - 10m), 11 + 4, 0 + 1);
    private static readonly Expected Organic2024 = new(40m + 40m, 5, 1);
    private static readonly Expected Referral2024 = new(7 * 30m, 6, 0);
    private static readonly Expected Partner2024 = new(-20m, 0, 0);
    private static readonly Expected All2024 = Ads2024 + Organic2024 + Referral2024 + Partner2024;

    [Fact]
    public async Task The_summary_gives_arpu_per_month_monthly_churn_and_their_formula_clv()
    {
        var summary = await (await _client.GetAsync("/api/v1/metrics/summary")).JsonAsync();

        // 1,580 of net revenue over 26 customer-months, 2 churned: ARPU 60.7692, churn 2/26,
        // formula CLV 60.769… × 1 ÷ 0.0769… = 1,580 ÷ 2 = 790.
        Assert.Equal((1_580m, 26, 2), (All2024.Net, All2024.Months, All2024.Churned));
        AssertFormula(All2024, margin: 1m, summary);
        Assert.Equal((60.7692m, 790m), (summary.Dec("arpuMonthly"), summary.Dec("formulaClv")));
    }

    [Fact]
    public async Task Segments_by_channel_give_each_channels_formula_clv_and_null_where_nobody_churned()
    {
        var segments = await SegmentsAsync("/api/v1/segments?by=acquisitionChannel");

        AssertFormula(Ads2024, 1m, segments["ads"]);
        Assert.Equal((87.3333m, 1_310m), (segments["ads"].Dec("arpuMonthly"), segments["ads"].Dec("formulaClv")));
        AssertFormula(Organic2024, 1m, segments["organic"]);
        // Nobody of referral churned: ARPU 210 ÷ 6 = 35, a churn rate of 0 and no formula CLV.
        AssertFormula(Referral2024, 1m, segments["referral"]);
        AssertFormula(Partner2024, 1m, segments["partner"]);
        Assert.Equal((35m, 0d, JsonValueKind.Null), (segments["referral"].Dec("arpuMonthly"), segments["referral"].GetProperty("monthlyChurnRate").GetDouble(), segments["referral"].GetProperty("formulaClv").ValueKind));
    }

    [Fact]
    public async Task Segments_by_a_grouping_read_from_the_days_and_as_of_the_windows_last_day_give_the_same_figures()
    {
        // US is A and B, ads; DE is C and D.
        var byCountry = await SegmentsAsync("/api/v1/segments?by=country");
        var asOf = await SegmentsAsync("/api/v1/segments?by=acquisitionChannel&asOf=2024-12-31");
        var summary = await (await _client.GetAsync("/api/v1/metrics/summary?asOf=2024-12-31")).JsonAsync();

        AssertFormula(Ads2024, 1m, byCountry["US"]);
        AssertFormula(Organic2024 + Referral2024, 1m, byCountry["DE"]);
        AssertFormula(Partner2024, 1m, byCountry["FR"]);
        AssertFormula(Ads2024, 1m, asOf["ads"]);
        AssertFormula(Organic2024, 1m, asOf["organic"]);
        AssertFormula(Referral2024, 1m, asOf["referral"]);
        AssertFormula(Partner2024, 1m, asOf["partner"]);
        AssertFormula(All2024, 1m, summary);
    }

    [Fact]
    public async Task As_of_a_past_day_the_twelve_complete_months_before_it_count()
    {
        // As of 2024-06-30: July 2023 to June 2024.
        // A: February to June, 5 months, 0 churned; January to June, 6 × 100.
        // B: February to May, churned in May; 60 + 60 (the refund comes later).
        // C: 2023-06-01 keeps it alive to 08-29: July (eve 06-30) and August (eve 07-31, 60 days),
        //    churned on 08-30; April to June 2024, churned on 06-13: 5 months, 2 churned; 40.
        // D: acquired 06-01, after June's eve: no month, so referral has no ARPU; 30 in June.
        // E: the refund of 05-05, −20.
        var ads = new Expected((6 * 100m) + (60m + 60m), 5 + 4, 1);
        var organic = new Expected(40m, 5, 2);
        var referral = new Expected(30m, 0, 0);
        var partner = new Expected(-20m, 0, 0);

        var segments = await SegmentsAsync("/api/v1/segments?by=acquisitionChannel&asOf=2024-06-30");
        var summary = await (await _client.GetAsync("/api/v1/metrics/summary?asOf=2024-06-30")).JsonAsync();

        AssertFormula(ads, 1m, segments["ads"]);
        AssertFormula(organic, 1m, segments["organic"]);
        AssertFormula(referral, 1m, segments["referral"]);
        Assert.Equal(JsonValueKind.Null, segments["referral"].GetProperty("arpuMonthly").ValueKind);
        AssertFormula(partner, 1m, segments["partner"]);
        AssertFormula(ads + organic + referral + partner, 1m, summary);
        // 770 ÷ 14 customer-months, 3 churned: ARPU 55, formula CLV 770 ÷ 3 = 256.6667.
        Assert.Equal((55m, 256.6667m), (summary.Dec("arpuMonthly"), summary.Dec("formulaClv")));
    }

    [Fact]
    public async Task The_gross_margin_parameter_scales_formula_clv_and_is_given_with_it()
    {
        var summary = await (await _client.GetAsync("/api/v1/metrics/summary?grossMargin=0.6")).JsonAsync();
        var segments = await SegmentsAsync("/api/v1/segments?grossMargin=0.6");

        AssertFormula(All2024, 0.6m, summary);
        Assert.Equal(474m, summary.Dec("formulaClv"));
        AssertFormula(Ads2024, 0.6m, segments["ads"]);
        AssertFormula(Organic2024, 0.6m, segments["organic"]);
        // The answer kept for the default margin is not reused for another one, nor the other way.
        AssertFormula(Ads2024, 1m, (await SegmentsAsync("/api/v1/segments"))["ads"]);
    }

    [Theory]
    [InlineData("/api/v1/metrics/summary?grossMargin=0")]
    [InlineData("/api/v1/metrics/summary?grossMargin=1.5")]
    [InlineData("/api/v1/segments?grossMargin=0")]
    [InlineData("/api/v1/segments?grossMargin=1.5")]
    [InlineData("/api/v1/segments?grossMargin=-0.2")]
    public async Task A_gross_margin_outside_0_to_1_is_refused_naming_the_parameter(string url)
    {
        var problem = await (await _client.GetAsync(url)).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty("grossMargin", out _), problem.ToString());
    }

    [Fact]
    public async Task Csv_answers_have_the_formula_columns()
    {
        var summary = await CsvAsync("/api/v1/metrics/summary?grossMargin=0.5");
        var segments = await CsvAsync("/api/v1/segments?by=acquisitionChannel");

        // 1,580 ÷ 26 = 60.7692; 1,580 × 0.5 ÷ 2 = 395; referral 210 ÷ 6 = 35 and nobody churned.
        Assert.Equal((60.7692m, 0.5m, 395m), (Number(summary[0]["arpuMonthly"]), Number(summary[0]["grossMargin"]), Number(summary[0]["formulaClv"])));
        Assert.Equal(2d / 26, (double)Number(summary[0]["monthlyChurnRate"]), 1e-12);
        var referral = segments.Single(r => r["key"] == "referral");
        Assert.Equal((35m, 0m, ""), (Number(referral["arpuMonthly"]), Number(referral["monthlyChurnRate"]), referral["formulaClv"]));
        Assert.Equal(1_310m, Number(segments.Single(r => r["key"] == "ads")["formulaClv"]));
    }

    private static decimal Number(string text) => decimal.Parse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture);

    // ARPU = net ÷ customer-months to 4 decimals, churn = churned ÷ customer-months, formula CLV =
    // ARPU × margin ÷ churn = net × margin ÷ churned, to 4 decimals; nulls without months or churn.
    private static void AssertFormula(Expected expected, decimal margin, JsonElement figures)
    {
        Assert.Equal(margin, figures.Dec("grossMargin"));
        if (expected.Months == 0)
        {
            Assert.Equal(JsonValueKind.Null, figures.GetProperty("arpuMonthly").ValueKind);
            Assert.Equal(JsonValueKind.Null, figures.GetProperty("monthlyChurnRate").ValueKind);
            Assert.Equal(JsonValueKind.Null, figures.GetProperty("formulaClv").ValueKind);
            return;
        }

        Assert.Equal(Math.Round(expected.Net / expected.Months, 4, MidpointRounding.AwayFromZero), figures.Dec("arpuMonthly"));
        Assert.Equal((double)expected.Churned / expected.Months, figures.GetProperty("monthlyChurnRate").GetDouble(), 1e-12);
        if (expected.Churned == 0)
        {
            Assert.Equal(JsonValueKind.Null, figures.GetProperty("formulaClv").ValueKind);
        }
        else
        {
            Assert.Equal(Math.Round(expected.Net * margin / expected.Churned, 4, MidpointRounding.AwayFromZero), figures.Dec("formulaClv"));
        }
    }

    private async Task<Dictionary<string, JsonElement>> SegmentsAsync(string url) =>
        (await (await _client.GetAsync(url)).JsonAsync()).GetProperty("segments").EnumerateArray()
            .ToDictionary(s => s.GetProperty("key").GetString()!);

    // The CSV answer's rows as column → value.
    private async Task<List<Dictionary<string, string>>> CsvAsync(string url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r').Split(',')).ToList();
        return [.. lines.Skip(1).Select(row => lines[0].Zip(row).ToDictionary(p => p.First, p => p.Second))];
    }

    // A segment's net revenue on the window's days, customer-months and churned customers.
    private sealed record Expected(decimal Net, int Months, int Churned)
    {
        public static Expected operator +(Expected a, Expected b) => new(a.Net + b.Net, a.Months + b.Months, a.Churned + b.Churned);
    }
}
