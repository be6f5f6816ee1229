using System.Globalization;
using System.Text.Json;
using Clv.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Customers;

/// <summary>
/// The single-customer read right after a write of that customer has every figure of the read
/// after the portfolio is ranked again: its own figures are read-your-writes, and its RFM scores
/// are scored against the quintile thresholds of the last ranking, which still hold the
/// customer's previous values (docs/read-model.md, "Rankings"). One value moved among n moves
/// any other's count of values below it by at most one, so each score is then at most one off
/// the re-ranked one, and equal to it after the ranking. The book is random (fixed seed) in the
/// New York time zone, with purchases and refunds either side of UTC midnight, costs on some,
/// and refunds larger than a day's purchases. The API runs on a fixed clock, a minute before
/// midnight in New York, so the book's days and the API's "today" cannot part while it runs.
/// </summary>
public sealed class CustomerReadPathTests(CustomerReadPathTests.Api api) : IClassFixture<CustomerReadPathTests.Api>
{
    private const int Customers = 12;

    // 23:59 on 2026-06-14 in New York (UTC−4), 03:59 on 2026-06-15 in UTC.
    private static readonly DateTimeOffset Now = new(2026, 6, 15, 3, 59, 0, TimeSpan.Zero);

    private readonly HttpClient _client = api.Factory.Client();

    /// <summary>The API in New York, on the fixed clock.</summary>
    public sealed class Api() : ConfiguredApi(api => api
        .With("Clv:ReportingTimeZone", "America/New_York")
        .WithServices(services => services.AddSingleton<TimeProvider>(new FixedClock(Now))));

    [Fact]
    public async Task A_read_right_after_a_write_answers_as_the_read_after_the_ranking_but_rfm_within_one()
    {
        var random = new Random(20261125);
        var today = Now.UtcDateTime.Date;
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
            var beforeRanking = await StandingAsync(customer);

            await LoadFactsAsync();
            var afterRanking = await StandingAsync(customer);

            Assert.Equal(Without(afterRanking, "rfm"), Without(beforeRanking, "rfm"));
            foreach (var score in new[] { "recency", "frequency", "monetary" })
            {
                Assert.InRange(Score(beforeRanking, score) - Score(afterRanking, score), -1, 1);
            }
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

    private static string Without(Dictionary<string, JsonElement> standing, string field) =>
        string.Join('\n', standing.Where(f => f.Key != field).Select(f => $"{f.Key}: {JsonSerializer.Serialize(f.Value)}"));

    private static int Score(Dictionary<string, JsonElement> standing, string score) =>
        standing["rfm"] is { ValueKind: JsonValueKind.Object } rfm && rfm.TryGetProperty(score, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetInt32()
            : 0;

    // A segment read by RFM segment ranks the portfolio as of the latest write.
    private async Task LoadFactsAsync() => (await _client.GetAsync("/api/v1/segments?by=rfmSegment")).EnsureSuccessStatusCode();

    private async Task<Dictionary<string, JsonElement>> StandingAsync(string customer)
    {
        var json = await (await _client.GetAsync($"/api/v1/customers/{customer}")).JsonAsync();
        string[] fields = ["historical", "rfm", "churned", "modelChurned", "trend"];
        return fields.ToDictionary(f => f, f => json.GetProperty(f).Clone());
    }
}
