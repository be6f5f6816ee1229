using System.Globalization;
using Clv.Analytics.Models;

namespace Clv.Analytics.Tests.Models;

/// <summary>
/// The CDNOW 1-in-10 sample (Fader, Hardie &amp; Lee), read from the copy under TestData, summarised over the
/// calibration period 1997-01-01..1997-09-30 in weeks, as in the literature.
/// </summary>
internal static class CdnowSample
{
    public static readonly DateOnly CalibrationEnd = new(1997, 9, 30);

    private static readonly Lazy<IReadOnlyList<CustomerSummary>> Loaded = new(Load);

    public static IReadOnlyList<CustomerSummary> Customers => Loaded.Value;

    private static List<CustomerSummary> Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "TestData", "CDNOW_sample.txt");
        var byCustomer = new Dictionary<string, List<PurchaseDay>>();
        foreach (var line in File.ReadLines(path))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 5)
            {
                continue;
            }

            var day = DateOnly.ParseExact(fields[2], "yyyyMMdd", CultureInfo.InvariantCulture);
            var value = decimal.Parse(fields[4], CultureInfo.InvariantCulture);
            if (!byCustomer.TryGetValue(fields[1], out var days))
            {
                days = [];
                byCustomer.Add(fields[1], days);
            }

            days.Add(new PurchaseDay(day, value));
        }

        return byCustomer.Values
            .Select(days => CustomerSummaryBuilder.Build(days, CalibrationEnd, TimeUnit.Weeks))
            .Where(s => s is not null)
            .Select(s => s!.Value)
            .ToList();
    }
}
