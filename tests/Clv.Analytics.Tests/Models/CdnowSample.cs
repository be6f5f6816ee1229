using System.Globalization;
using Clv.Analytics.Models;

namespace Clv.Analytics.Tests.Models;

/// <summary>
/// The CDNOW 1-in-10 sample (Fader, Hardie &amp; Lee), read from the copy under TestData, summarised over the
/// calibration period 1997-01-01..1997-09-30 in weeks, as in the literature (or up to another day, <see cref="SummariesUpTo"/>).
/// </summary>
internal static class CdnowSample
{
    public static readonly DateOnly CalibrationEnd = new(1997, 9, 30);

    private static readonly Lazy<List<(int Id, List<PurchaseDay> Days)>> Purchases = new(ReadPurchases);
    private static readonly Lazy<IReadOnlyDictionary<int, RfmSummary>> Loaded = new(Load);
    private static readonly Lazy<IReadOnlyList<RfmSummary>> All = new(() => Loaded.Value.Values.ToList());

    public static IReadOnlyList<RfmSummary> Customers => All.Value;

    /// <summary>The summaries by the file's customer id (1 to 2357).</summary>
    public static IReadOnlyDictionary<int, RfmSummary> ById => Loaded.Value;

    /// <summary>The summaries by the file's customer id of the purchases up to <paramref name="end"/>, in weeks.</summary>
    public static Dictionary<int, RfmSummary> SummariesUpTo(DateOnly end) =>
        Purchases.Value
            .Select(c => (c.Id, Summary: RfmSummaryBuilder.Build(c.Days, end, TimeUnit.Weeks)))
            .Where(c => c.Summary is not null)
            .ToDictionary(c => c.Id, c => c.Summary!.Value);

    private static Dictionary<int, RfmSummary> Load() => SummariesUpTo(CalibrationEnd);

    private static List<(int Id, List<PurchaseDay> Days)> ReadPurchases()
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

        return [.. byCustomer.Select(c => (int.Parse(c.Key, CultureInfo.InvariantCulture), c.Value))];
    }
}
