using System.Globalization;
using System.Text;

namespace Clv.Api.Tests.Infrastructure;

/// <summary>The CDNOW sample (tests/Clv.Api.Tests/TestData), read straight from the file.</summary>
internal static class CdnowSample
{
    public sealed record Purchase(string Customer, DateOnly Day, decimal Amount);

    public static IReadOnlyList<Purchase> Purchases { get; } =
        File.ReadLines(Path.Combine(AppContext.BaseDirectory, "TestData", "CDNOW_sample.txt"))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length == 5)
            .Select(f => new Purchase(
                "cdnow-" + f[1],
                DateOnly.ParseExact(f[2], "yyyyMMdd", CultureInfo.InvariantCulture),
                decimal.Parse(f[4], CultureInfo.InvariantCulture)))
            .ToList();

    /// <summary>One customer's predictions as an implementation independent of Clv computes them.</summary>
    public sealed record Reference(string Customer, double ProbabilityAlive, double ExpectedSpend, double PredictedClv);

    /// <summary>
    /// The predictions of the Python package lifetimes 0.11.3 for six customers of the sample,
    /// calibration to 1997-09-30 in weeks: BG/NBD P(alive), Gamma-Gamma expected spend
    /// (<c>conditional_expected_average_profit</c>), and CLV over 12 months at 1% a month
    /// (<c>customer_lifetime_value(..., time=12, discount_rate=0.01, freq="W")</c>).
    /// </summary>
    public static IReadOnlyList<Reference> Lifetimes { get; } =
    [
        new("cdnow-0001", 0.72662, 24.6539, 36.274),
        new("cdnow-0002", 0.212391, 18.9100, 4.64094),
        new("cdnow-0003", 1, 35.1704, 8.34448),
        new("cdnow-0157", 0.969221, 26.3943, 625.429),
        new("cdnow-1516", 0.968854, 39.8903, 972.045),
        new("cdnow-0325", 0.0409298, 37.1787, 32.8619),
    ];

    /// <summary>
    /// Asserts a customer's <c>predicted</c> block against lifetimes: P(alive) and expected spend
    /// within <paramref name="relative"/>, CLV within it plus 0.08%, because Clv's month is
    /// 365.25/12 days = 4.3482 weeks where lifetimes' is 4.345: Clv's CLV of these six is 0.05% to
    /// 0.07% higher (tests/Clv.Analytics.Tests, LifetimesCdnowTests, shows that this is all).
    /// </summary>
    public static void AssertMatches(Reference expected, System.Text.Json.JsonElement predicted, double relative)
    {
        ArgumentNullException.ThrowIfNull(expected);
        Near(expected.ProbabilityAlive, predicted.GetProperty("probabilityAlive").GetDouble(), relative, "probabilityAlive");
        Near(expected.ExpectedSpend, (double)predicted.GetProperty("expectedAverageSpend").GetDecimal(), relative, "expectedAverageSpend");
        Near(expected.PredictedClv, (double)predicted.GetProperty("predictedClv").GetDecimal(), relative + 0.0008, "predictedClv");

        void Near(double want, double got, double tolerance, string what) =>
            Assert.True(Math.Abs(got - want) <= tolerance * Math.Abs(want), $"{expected.Customer} {what}: lifetimes {want} ± {tolerance:P3}, Clv {got}");
    }

    /// <summary>The purchases as an import CSV, each at noon UTC of its day.</summary>
    public static string Csv()
    {
        var csv = new StringBuilder("external_id,customer_external_id,occurred_at,type,amount,currency\r\n");
        for (var i = 0; i < Purchases.Count; i++)
        {
            var p = Purchases[i];
            csv.Append(CultureInfo.InvariantCulture, $"cdnow-tx-{i},{p.Customer},{p.Day:yyyy-MM-dd}T12:00:00Z,purchase,{p.Amount},USD\r\n");
        }

        return csv.ToString();
    }

    /// <summary>Imports the sample into the fixture's database unless a test of the class did already.</summary>
    public static async Task ImportOnceAsync(ClvApiFactory api, HttpClient client)
    {
        if (await api.ScalarAsync<long>("SELECT count(*) FROM transactions") == 0)
        {
            (await client.PostCsvAsync(Csv())).EnsureSuccessStatusCode();
        }
    }
}
