using System.Text.Json;
using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.ModelRuns;

/// <summary>
/// One extreme customer beside a normal book (the CDNOW sample), each run calibrated to
/// 1997-09-30 in weeks. First a customer whose margin explodes: a purchase of 999,999,999,999,999
/// at that cost, refunded but for 0.01 the same day, so (net − cost) / net is about −10^17. Then,
/// in a second run, a customer whose purchase days are worth 3 × 10^15 each, so their predicted
/// CLV is beyond what a prediction stores.
/// </summary>
public sealed class ExtremeCustomerModelRunTests(ExtremeCustomerModelRunTests.Book book) : IClassFixture<ExtremeCustomerModelRunTests.Book>
{
    private const decimal Huge = 999_999_999_999_999m;

    /// <summary>The sample, the two customers, and each run with the predictions read right after it.</summary>
    public sealed class Book : IAsyncLifetime
    {
        private static readonly object Options = new { calibrationEnd = "1997-09-30", asOf = "1998-06-30", timeUnit = "weeks", models = new[] { "bgnbd", "gammagamma" }, activate = true };

        public ClvApiFactory Factory { get; } = new();

        public JsonElement MarginRun { get; private set; }

        public JsonElement SpendRun { get; private set; }

        public Dictionary<string, JsonElement> AfterMarginRun { get; } = [];

        public Dictionary<string, JsonElement> AfterSpendRun { get; } = [];

        public async Task InitializeAsync()
        {
            await Factory.InitializeAsync();
            var client = Factory.Client();
            (await client.PostCsvAsync(CdnowSample.Csv())).EnsureSuccessStatusCode();

            await InsertAllAsync(client,
                Tx("xm-1", "extreme-margin", "1997-03-01T12:00:00Z", amount: Huge, cost: Huge),
                Tx("xm-2", "extreme-margin", "1997-03-01T13:00:00Z", type: "refund", amount: Huge - 0.01m));
            MarginRun = await ModelRunTests.StartAndWaitAsync(client, Options);
            await ReadAsync(client, AfterMarginRun, "extreme-margin");

            await InsertAllAsync(client, [.. new[] { "1997-02-01", "1997-03-01", "1997-04-01" }
                .SelectMany(day => Enumerable.Range(0, 3).Select(i => Tx($"xs-{day}-{i}", "extreme-spend", $"{day}T1{i}:00:00Z", amount: Huge)))]);
            SpendRun = await ModelRunTests.StartAndWaitAsync(client, Options);
            await ReadAsync(client, AfterSpendRun, "extreme-spend");
        }

        public Task DisposeAsync() => ((IAsyncLifetime)Factory).DisposeAsync();

        private static async Task InsertAllAsync(HttpClient client, params object[] items)
        {
            var body = await (await client.PostTransactionsAsync(items)).JsonAsync();
            Assert.Equal(items.Length, body.Long("inserted"));
        }

        private static async Task ReadAsync(HttpClient client, Dictionary<string, JsonElement> into, string extreme)
        {
            foreach (var id in CdnowSample.Lifetimes.Select(c => c.Customer).Append(extreme))
            {
                into[id] = (await (await client.GetAsync($"/api/v1/customers/{id}")).JsonAsync()).GetProperty("predicted").Clone();
            }
        }
    }

    [Fact]
    public void A_customer_whose_margin_explodes_does_not_fail_the_run()
    {
        Assert.Equal("succeeded", book.MarginRun.GetProperty("status").GetString());
        Assert.Equal(2_358, book.MarginRun.GetProperty("customers").GetInt32());
    }

    [Fact]
    public void A_margin_outside_minus_nine_to_one_gives_no_gross_profit_clv_but_the_other_figures_stay()
    {
        var predicted = book.AfterMarginRun["extreme-margin"];

        Assert.Equal(book.MarginRun.GetProperty("id").GetGuid(), predicted.GetProperty("runId").GetGuid());
        Assert.Equal(JsonValueKind.Null, predicted.GetProperty("predictedGrossProfitClv").ValueKind);
        Assert.True(predicted.GetProperty("predictedClv").GetDecimal() > 0);
    }

    [Fact]
    public void The_normal_customers_predictions_are_those_of_lifetimes_as_without_the_extreme_customer()
    {
        // One more customer with a single purchase day in a fit of 2,357 moves the estimates
        // little: lifetimes' figures hold to 0.1%.
        Assert.All(CdnowSample.Lifetimes, c => CdnowSample.AssertMatches(c, book.AfterMarginRun[c.Customer], 0.001));
    }

    [Fact]
    public void A_customer_whose_predicted_clv_is_beyond_what_is_stored_does_not_fail_the_run_and_is_stored_at_the_bound()
    {
        var predicted = book.AfterSpendRun["extreme-spend"];

        Assert.Equal("succeeded", book.SpendRun.GetProperty("status").GetString());
        Assert.Equal(book.SpendRun.GetProperty("id").GetGuid(), predicted.GetProperty("runId").GetGuid());
        Assert.Equal(999_999_999_999_999.9999m, predicted.GetProperty("predictedClv").GetDecimal());
        Assert.All(CdnowSample.Lifetimes, c => Assert.InRange(book.AfterSpendRun[c.Customer].GetProperty("predictedClv").GetDecimal(), 0m, 1_000_000m));
    }
}
