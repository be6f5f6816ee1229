using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Clv.Api.Ingestion;
using Clv.Api.Requests;
using Clv.Data.Infrastructure;
using Clv.Data.Ingestion;
using Clv.Data.Transactions;

namespace Clv.Api.Transactions;

/// <summary>
/// The fast path of a CSV import: turns the fields Sep splits straight into a <see cref="TransactionRow"/>
/// when every field is plainly valid and in the reporting currency, without building strings for
/// the item or running the validator. It declines whatever it is not sure of (another currency,
/// an odd date form, white space, a long id, any error), and the caller then validates that record
/// with <see cref="TransactionItemValidator"/>, which stays the one authority on what is valid and
/// on what the errors say. So it may only ever accept a subset of what the validator accepts, and
/// must build the same row: a property test holds it to both.
/// </summary>
internal sealed class FastCsvTransactions
{
    private readonly int _externalId, _customer, _occurredAt, _type, _amount, _currency, _cost;
    private readonly string? _reporting;
    private readonly string _reportingCurrency;
    private readonly DateTimeOffset _latest;
    private string _lastCustomer = "";

    /// <param name="columns">Column positions by header name (case-insensitive).</param>
    /// <param name="reportingCurrency">The reporting currency; rows in others take the slow path.</param>
    /// <param name="latest">The latest instant accepted; at most the validator's "one day from now".</param>
    public FastCsvTransactions(IReadOnlyDictionary<string, int> columns, string reportingCurrency, DateTimeOffset latest)
    {
        int Column(string name) => columns.TryGetValue(name, out var i) ? i : -1;
        (_externalId, _customer, _occurredAt, _type) = (Column("external_id"), Column("customer_external_id"), Column("occurred_at"), Column("type"));
        (_amount, _currency, _cost) = (Column("amount"), Column("currency"), Column("cost"));
        _reportingCurrency = reportingCurrency;
        _reporting = reportingCurrency.Length == 3 && IsoCodes.Currencies.Contains(reportingCurrency) ? reportingCurrency : null;
        _latest = latest;
    }

    /// <summary>The row of the current record, or false when the validator must look at it.</summary>
    public bool TryParse(CsvRecords csv, [NotNullWhen(true)] out TransactionRow? row)
    {
        row = null;
        if (_reporting is null
            || !IsPlainId(Get(csv, _externalId))
            || !IsPlainId(Get(csv, _customer))
            || !IsReportingCurrency(Get(csv, _currency))
            || !TryParseInstant(Get(csv, _occurredAt), out var occurredAt) || occurredAt < IsoDateTime.Earliest || occurredAt > _latest
            || !TryParseType(Get(csv, _type), out var type)
            || !TryParseMoney(Get(csv, _amount), out var amount)
            || (type == TransactionType.Refund && amount == 0))
        {
            return false;
        }

        decimal? cost = null;
        var costField = Get(csv, _cost);
        if (!costField.IsEmpty)
        {
            if (!TryParseMoney(costField, out var c) || !IngestionRules.IsPlausibleCost(amount, c))
            {
                return false;
            }

            cost = c;
        }

        row = new TransactionRow(Get(csv, _externalId).ToString(), Customer(Get(csv, _customer)), occurredAt, type, amount, _reportingCurrency, cost);
        return true;
    }

    private static ReadOnlySpan<char> Get(CsvRecords csv, int column) =>
        column >= 0 && column < csv.FieldCount ? csv.Field(column) : default;

    // Rows of one customer tend to come together: their id string is made once.
    private string Customer(ReadOnlySpan<char> id)
    {
        if (!id.SequenceEqual(_lastCustomer))
        {
            _lastCustomer = id.ToString();
        }

        return _lastCustomer;
    }

    // Not empty, not starting with white space (so not blank), no longer than the column, no NUL:
    // what the validator's id rule accepts, and more is declined.
    private static bool IsPlainId(ReadOnlySpan<char> id) =>
        id.Length is > 0 and <= ColumnLimits.ExternalId
        && id[0] is > ' ' and < '\u007F'
        && !id.Contains('\0');

    private bool IsReportingCurrency(ReadOnlySpan<char> currency) =>
        currency.Length == 3 && Ascii.EqualsIgnoreCase(currency, _reporting);

    private static bool TryParseType(ReadOnlySpan<char> type, out TransactionType value)
    {
        value = type.SequenceEqual("purchase") ? TransactionType.Purchase
            : type.SequenceEqual("refund") ? TransactionType.Refund
            : 0;
        return value != 0;
    }

    // The validator's money rule: at least 0, below 10^15, at most four decimals; parsed as the
    // slow path parses it.
    private static bool TryParseMoney(ReadOnlySpan<char> text, out decimal value) =>
        decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value)
        && value >= 0 && value < ColumnLimits.MoneyBound && decimal.Round(value, ColumnLimits.MoneyScale) == value && ExactDecimal.IsExact(text, value);

    /// <summary>
    /// Parses <c>YYYY-MM-DDThh:mm[:ss[.f{1,7}]](Z|z|±hh:mm)</c> with every part in range, to UTC.
    /// Declines what <see cref="IsoDateTime.TryParse"/> might judge differently (a 60th second, an
    /// offset beyond 14 hours), so that one decides.
    /// </summary>
    internal static bool TryParseInstant(ReadOnlySpan<char> s, out DateTimeOffset value)
    {
        value = default;
        if (s.Length < 17 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':'
            || !TryDigits(s[..4], out var year) || !TryDigits(s.Slice(5, 2), out var month) || !TryDigits(s.Slice(8, 2), out var day)
            || !TryDigits(s.Slice(11, 2), out var hour) || !TryDigits(s.Slice(14, 2), out var minute))
        {
            return false;
        }

        var position = 16;
        int second = 0, fraction = 0;
        if (s[position] == ':')
        {
            if (s.Length < position + 3 || !TryDigits(s.Slice(position + 1, 2), out second))
            {
                return false;
            }

            position += 3;
            if (position < s.Length && s[position] == '.')
            {
                var digits = 0;
                position++;
                while (position < s.Length && char.IsAsciiDigit(s[position]) && digits < 7)
                {
                    fraction = fraction * 10 + (s[position++] - '0');
                    digits++;
                }

                if (digits == 0)
                {
                    return false;
                }

                for (; digits < 7; digits++)
                {
                    fraction *= 10;
                }
            }
        }

        TimeSpan offset;
        var zone = s[position..];
        if (zone.Length == 1 && (zone[0] == 'Z' || zone[0] == 'z'))
        {
            offset = TimeSpan.Zero;
        }
        else if (zone.Length == 6 && zone[0] is '+' or '-' && zone[3] == ':'
            && TryDigits(zone.Slice(1, 2), out var offsetHours) && TryDigits(zone.Slice(4, 2), out var offsetMinutes)
            && offsetMinutes < 60 && offsetHours * 60 + offsetMinutes <= 14 * 60)
        {
            offset = new TimeSpan(offsetHours, offsetMinutes, 0);
            if (zone[0] == '-')
            {
                offset = -offset;
            }
        }
        else
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).AddTicks(fraction);
        var utcTicks = local.Ticks - offset.Ticks;
        if (utcTicks < DateTime.MinValue.Ticks || utcTicks > DateTime.MaxValue.Ticks)
        {
            return false;
        }

        value = new DateTimeOffset(utcTicks, TimeSpan.Zero);
        return true;
    }

    private static bool TryDigits(ReadOnlySpan<char> digits, out int value)
    {
        value = 0;
        foreach (var d in digits)
        {
            if (!char.IsAsciiDigit(d))
            {
                return false;
            }

            value = value * 10 + (d - '0');
        }

        return true;
    }
}
