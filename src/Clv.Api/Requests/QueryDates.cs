using System.Globalization;
using Clv.Analytics.Historical;

namespace Clv.Api.Requests;

/// <summary>
/// The days a read may ask about: from 1970-01-01, where stored data begins, to 9998-12-31, so that
/// the end of the day still fits a timestamp in any time zone. A cohort matrix stops at tomorrow:
/// it grows a column per period up to its as-of day.
/// </summary>
internal static class QueryDates
{
    /// <summary>The first day any stored figure can fall on.</summary>
    public static readonly DateOnly Earliest = new(1970, 1, 1);

    /// <summary>The last day whose end fits a timestamp in every time zone.</summary>
    public static readonly DateOnly Latest = new(9998, 12, 31);

    /// <summary>Tomorrow in the reporting time zone.</summary>
    public static DateOnly Tomorrow(TimeProvider time, TimeZoneInfo timeZone) =>
        HistoricalClvCalculator.LocalDate(time.GetUtcNow(), timeZone).AddDays(1);

    /// <summary>Adds an error for <paramref name="name"/> when <paramref name="day"/> is before 1970 or after <paramref name="latest"/>.</summary>
    public static void Check(Dictionary<string, string[]> errors, string name, DateOnly? day, DateOnly latest)
    {
        if (day is { } d && (d < Earliest || d > latest))
        {
            errors[name] = [string.Create(CultureInfo.InvariantCulture, $"{name} must be a day from {Earliest:yyyy-MM-dd} to {latest:yyyy-MM-dd}.")];
        }
    }
}
