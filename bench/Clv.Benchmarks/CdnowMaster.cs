using System.Globalization;
using Clv.Analytics.Models;

namespace Clv.Benchmarks;

/// <summary>
/// CDNOW_master summarised over the calibration period (1997-01-01..1997-09-30, weeks). The file is found through
/// the CDNOW_MASTER environment variable, else ../shared/data/cdnow/CDNOW_master.txt relative to the repository root.
/// </summary>
public static class CdnowMaster
{
    private static readonly DateOnly End = new(1997, 9, 30);

    public static string DefaultPath()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("CDNOW_MASTER");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }

        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Clv.sln")))
        {
            directory = directory.Parent;
        }

        var root = directory?.FullName ?? Directory.GetCurrentDirectory();
        return Path.GetFullPath(Path.Combine(root, "..", "shared", "data", "cdnow", "CDNOW_master.txt"));
    }

    public static List<RfmSummary> Load(string path) => Load(path, End);

    /// <summary>Every customer summarised from the purchases up to <paramref name="end"/>.</summary>
    public static List<RfmSummary> Load(string path, DateOnly end)
    {
        var byCustomer = new Dictionary<string, List<PurchaseDay>>();
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 4)
            {
                continue;
            }

            var day = DateOnly.ParseExact(fields[1], "yyyyMMdd", CultureInfo.InvariantCulture);
            var value = decimal.Parse(fields[3], CultureInfo.InvariantCulture);
            if (!byCustomer.TryGetValue(fields[0], out var days))
            {
                days = [];
                byCustomer.Add(fields[0], days);
            }

            days.Add(new PurchaseDay(day, value));
        }

        return byCustomer.Values
            .Select(days => RfmSummaryBuilder.Build(days, end, TimeUnit.Weeks))
            .OfType<RfmSummary>()
            .ToList();
    }
}
