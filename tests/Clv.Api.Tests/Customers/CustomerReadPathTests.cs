using System.Globalization;
using System.Text.Json;
using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Customers;

/// <summary>
/// The single-customer read reaches its figures two ways: from the rollups and the loaded
/// portfolio facts when both are current, or, right after a write, from the customer's own
/// transactions ranked among the facts as loaded (docs/api.md, "Freshness"). Both must answer the
/// same. The book is random (fixed seed) in the New York time zone, with purchases and refunds
/// either side of UTC midnight, costs on some, and refunds larger than a day's purchases.
/// </summary>
public sealed class CustomerReadPathTests(TimeZoneTests.NewYorkApi api) : IClassFixture<TimeZoneTests.NewYorkApi>
{
    private const int Customers = 12;
    private readonly HttpClient _client = api.Client();

    [Fact]
    public async Task A_read_right_after_a_write_answers_as_the_read_after_the_reload()
    {
        var random = new Random(20261125);
        var today = DateTime.UtcNow.Date;
        var transactions = new List<object>();
        for (var i = 0; i < 300; i++)
        {
            transactions.Add(RandomTransaction(random, $"r-{i}", $"c-{i % Customers}", today));
        }

        (await _client.PostTransactionsAsync([.. transactions])).EnsureSuccessStatusCode();

        for (var c = 0; c < Customers; c += 2)
        {
            var customer = $"c-{c}";
            await LoadFactsAsync();
            (await _client.PostTransactionsAsync(RandomTransaction(random, $"late-{c}", customer, today))).EnsureSuccessStatusCode();
            var fromTransactions = await StandingAsync(customer);

            await LoadFactsAsync();
            var fromRollups = await StandingAsync(customer);

            Assert.Equal(fromRollups, fromTransactions);
        }
    }

    // A purchase (three in four) or a refund at any minute of the UTC day, in the last 30 days (so
    // that a customer's purchases share New York days, and split where they straddle UTC
    // midnight) or about a year back (either side of the trend's 12-month boundary).
    private static object RandomTransaction(Random random, string id, string customer, DateTime today)
    {
        var daysBack = random.Next(2) == 0 ? random.Next(0, 30) : random.Next(362, 369);
        var at = today.AddDays(-daysBack).AddMinutes(random.Next(0, 24 * 60));
        var refund = random.Next(4) == 0;
        var amount = decimal.Round((decimal)random.NextDouble() * 200m, 2) + (refund ? 0.01m : 0m);
        decimal? cost = random.Next(3) == 0 ? decimal.Round(amount / 3m, 2) : null;
        return Tx(id, customer, at.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), refund ? "refund" : "purchase", amount, cost: cost);
    }

    // A segment read loads the portfolio facts as of the latest write.
    private async Task LoadFactsAsync() => (await _client.GetAsync("/api/v1/segments?by=rfmSegment")).EnsureSuccessStatusCode();

    private async Task<string> StandingAsync(string customer)
    {
        var json = await (await _client.GetAsync($"/api/v1/customers/{customer}")).JsonAsync();
        string[] fields = ["historical", "rfm", "churned", "modelChurned", "trend"];
        return string.Join('\n', fields.Select(f => $"{f}: {JsonSerializer.Serialize(json.GetProperty(f))}"));
    }
}
