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
}
