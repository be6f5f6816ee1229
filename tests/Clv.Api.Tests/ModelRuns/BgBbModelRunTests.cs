using System.Globalization;
using System.Text;
using System.Text.Json;
using Clv.Api.Tests.Infrastructure;

namespace Clv.Api.Tests.ModelRuns;

/// <summary>
/// BG/BB runs over the API on the donations data of Fader, Hardie &amp; Shang (2010): 11,104 donors who first gave in
/// 1995, with the yearly opportunities 1996–2001, ingested as dated transactions and counted back into calendar years
/// by the run. Checked against the published estimates and Hardie's spreadsheet.
/// </summary>
public sealed class BgBbModelRunTests(BgBbModelRunTests.DonationsApi donations) : IClassFixture<BgBbModelRunTests.DonationsApi>
{
    private readonly HttpClient _client = donations.Factory.Client();

    /// <summary>One (x, t_x) history of the donations file, with the donors who share it.</summary>
    public sealed record History(int Frequency, int Recency, int Donors);

    /// <summary>The donors ingested, and a five-year run as of mid-2002 (2002 is not a whole year yet).</summary>
    public sealed class DonationsApi : IAsyncLifetime
    {
        public ClvApiFactory Factory { get; } = new();

        public IReadOnlyList<History> Histories { get; } = [.. File.ReadLines(Path.Combine(AppContext.BaseDirectory, "TestData", "donations.csv"))
            .Skip(1)
            .Select(line => line.Split(','))
            .Select(f => new History(int.Parse(f[0], CultureInfo.InvariantCulture), int.Parse(f[1], CultureInfo.InvariantCulture), int.Parse(f[3], CultureInfo.InvariantCulture)))];

        public List<(string Donor, DateOnly Day)> Gifts { get; } = [];

        public JsonElement Run { get; private set; }

        public JsonElement HoldoutRun { get; private set; }

        public async Task InitializeAsync()
        {
            await Factory.InitializeAsync();
            var client = Factory.Client();
            var csv = new StringBuilder("external_id,customer_external_id,occurred_at,type,amount,currency\r\n");
            foreach (var (history, h) in Histories.Select((history, h) => (history, h)))
            {
                for (var d = 0; d < history.Donors; d++)
                {
                    Give(csv, history, $"donor-{h:D2}-{d:D4}", d);
                }
            }

            (await client.PostCsvAsync(csv.ToString())).EnsureSuccessStatusCode();

            // Calibration through 1999 (opportunities 1996–1999), holdout 2000 and 2001; run first, so that the
            // predictions served are the five-year run's.
            HoldoutRun = await ModelRunTests.StartAndWaitAsync(client, new { calibrationEnd = "1999-12-31", asOf = "2001-12-31", timeUnit = "years", models = new[] { "bgbb" } });
            Run = await ModelRunTests.StartAndWaitAsync(client, new { asOf = "2002-06-30", timeUnit = "years", models = new[] { "bgbb" }, horizonMonths = 60, discountRateMonthly = 0 });
        }

        public Task DisposeAsync() => ((IAsyncLifetime)Factory).DisposeAsync();

        // The first gift in 1995, then one in each of the x years t_x − x + 1 .. t_x after it: any x years ending at
        // t_x give the same (x, t_x, 6). Some donors give twice in a year (one transaction of the year) or already in
        // 2002 (not a whole year by the run's asOf); both must leave the history as it is. Amounts vary by donor and year.
        private void Give(StringBuilder csv, History history, string donor, int d)
        {
            var day = new DateOnly(1995, 1 + (d % 12), 1 + (d % 28));
            Add(csv, donor, day, 25 + (d % 9 * 5));
            if (d % 5 == 0)
            {
                Add(csv, donor, day.AddDays(3), 10);
            }

            for (var year = history.Recency - history.Frequency + 1; year <= history.Recency; year++)
            {
                var gift = day.AddYears(year);
                Add(csv, donor, gift, 20 + (d % 7 * 10) + (year * 3));
                if ((d + year) % 4 == 0)
                {
                    Add(csv, donor, gift.AddDays(1), 5);
                }
            }

            if (d % 3 == 0)
            {
                Add(csv, donor, new DateOnly(2002, 1 + (d % 6), 10), 50);
            }
        }

        private void Add(StringBuilder csv, string donor, DateOnly day, decimal amount)
        {
            Gifts.Add((donor, day));
            csv.Append(CultureInfo.InvariantCulture, $"{donor}-{Gifts.Count},{donor},{day:yyyy-MM-dd}T12:00:00Z,purchase,{amount},USD\r\n");
        }
    }

    [Fact]
    public void The_fit_reproduces_the_published_estimates_and_log_likelihood()
    {
        Assert.Equal("succeeded", donations.Run.GetProperty("status").GetString());
        var bgbb = donations.Run.GetProperty("models").GetProperty("bgbb");
        var p = bgbb.GetProperty("parameters");

        // FHS 2010, Table 2 ... as published to three decimals; the log-likelihood as in Hardie's spreadsheet.
        ModelRunTests.Near(1.204, p.GetProperty("alpha").GetDouble(), 0.005);
        ModelRunTests.Near(0.750, p.GetProperty("beta").GetDouble(), 0.005);
        ModelRunTests.Near(0.657, p.GetProperty("gamma").GetDouble(), 0.005);
        ModelRunTests.Near(2.783, p.GetProperty("delta").GetDouble(), 0.005);
        Assert.Equal(-33_225.6, Math.Round(bgbb.GetProperty("logLikelihood").GetDouble(), 1));
        Assert.All(new[] { "alpha", "beta", "gamma", "delta" }, name => Assert.True(bgbb.GetProperty("standardErrors").GetProperty(name).GetDouble() > 0));
        Assert.Equal(11_104, donations.Run.GetProperty("customers").GetInt32());
        Assert.Equal("bgbb", donations.Run.GetProperty("options").GetProperty("primaryModel").GetString());
    }

    [Theory]
    // P(alive in 2002) from Hardie's BG/BB spreadsheet for FHS 2010, to the two decimals quoted by lifetimes' tests.
    [InlineData(0, 0, 0.11)]
    [InlineData(2, 4, 0.59)]
    [InlineData(6, 6, 0.93)]
    public async Task A_donor_has_the_published_probability_of_being_alive(int frequency, int recency, double published)
    {
        var predicted = await PredictedAsync(frequency, recency);

        Assert.Equal(published, Math.Round(predicted.GetProperty("probabilityAlive").GetDouble(), 2));
        Assert.Equal((frequency, recency, 6.0), (predicted.GetProperty("frequency").GetDouble(), predicted.GetProperty("recency").GetDouble(), predicted.GetProperty("age").GetDouble()));
        Assert.Equal("years", predicted.GetProperty("timeUnit").GetString());
    }

    [Fact]
    public async Task Expected_donations_over_five_years_add_up_to_the_published_total()
    {
        // 12,884.2: the total of "Exp Tot" on the "Conditional Expectations (II)" sheet of Hardie's spreadsheet. A
        // 60-month horizon holds the five yearly opportunities 2002–2006; every donor of a history predicts alike.
        var total = 0.0;
        foreach (var history in donations.Histories)
        {
            total += history.Donors * (await PredictedAsync(history.Frequency, history.Recency)).GetProperty("expectedPurchases").GetDouble();
        }

        Assert.Equal(12_884.2, Math.Round(total, 1));
    }

    [Fact]
    public async Task Undiscounted_clv_is_the_expected_donations_times_the_expected_gift()
    {
        var predicted = await PredictedAsync(3, 5);

        Assert.Equal(
            predicted.GetProperty("expectedPurchases").GetDouble() * predicted.GetProperty("expectedAverageSpend").GetDouble(),
            predicted.GetProperty("predictedClv").GetDouble(),
            3);
    }

    [Fact]
    public void A_holdout_counts_whole_years_with_a_gift()
    {
        var run = donations.HoldoutRun;
        var actual = donations.Gifts.Where(g => g.Day.Year is 2000 or 2001).Select(g => (g.Donor, g.Day.Year)).Distinct().Count();

        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        var holdout = run.GetProperty("holdout");
        Assert.Equal(2, holdout.GetProperty("length").GetDouble());
        Assert.Equal(actual, holdout.GetProperty("actual").GetInt64());
        ModelRunTests.Near(actual, holdout.GetProperty("predicted").GetDouble(), 0.15);
        Assert.Equal("bgbb", run.GetProperty("bestModel").GetString());
    }

    private async Task<JsonElement> PredictedAsync(int frequency, int recency)
    {
        var h = donations.Histories.Select((history, h) => (history, h)).First(e => e.history.Frequency == frequency && e.history.Recency == recency).h;
        var customer = await (await _client.GetAsync($"/api/v1/customers/donor-{h:D2}-0000")).JsonAsync();
        return customer.GetProperty("predicted");
    }
}
