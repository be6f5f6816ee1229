using System.Globalization;
using System.Text.Json;
using Clv.Api.Ingestion;
using FluentValidation;

namespace Clv.Api.Requests;

/// <summary>
/// The CSV form of a JSON request item, which every CSV import (transactions, feedback,
/// subscriptions) reads the same way: one column per property, named as its snake_case
/// (<c>customer_external_id</c> for <c>customerExternalId</c>); a record becomes the item
/// (<see cref="CsvItemFields"/>), which the item's validator then judges as it judges a JSON item,
/// its errors naming the line and the column the user wrote.
/// </summary>
/// <typeparam name="TItem">The JSON item, whose properties the columns name.</typeparam>
internal sealed class CsvItemColumns<TItem>
    where TItem : class
{
    private readonly string[] _required;
    private readonly string[] _optional;
    private readonly Dictionary<string, string> _columnOf;
    private readonly bool _numberErrorsFirst;

    /// <param name="required">The columns a header must have, in the order the expected header shows.</param>
    /// <param name="optional">The columns a header may leave out.</param>
    /// <param name="numberErrorsFirst">
    /// Whether a row's numbers that do not parse are listed before the validator's errors (transactions)
    /// or after them (feedback, subscriptions), the order each import has always answered.
    /// </param>
    /// <exception cref="ArgumentException">A column names no property of <typeparamref name="TItem"/>.</exception>
    public CsvItemColumns(string[] required, string[] optional, bool numberErrorsFirst = false)
    {
        ArgumentNullException.ThrowIfNull(required);
        ArgumentNullException.ThrowIfNull(optional);
        _required = required;
        _optional = optional;
        _numberErrorsFirst = numberErrorsFirst;

        // Keyed as the validators name properties (IngestionConfigs): camelCase.
        var columns = required.Concat(optional).ToHashSet(StringComparer.Ordinal);
        _columnOf = typeof(TItem).GetProperties()
            .Select(p => (Property: JsonNamingPolicy.CamelCase.ConvertName(p.Name), Column: JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name)))
            .Where(p => columns.Contains(p.Column))
            .ToDictionary(p => p.Property, p => p.Column, StringComparer.Ordinal);
        var unknown = columns.Except(_columnOf.Values).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"{string.Join(", ", unknown)} names no property of {typeof(TItem).Name}.", nameof(required));
        }
    }

    /// <summary>Reads the header: each column's index; 400 when a required column is missing (<see cref="CsvRecords.ReadHeaderAsync"/>).</summary>
    public Task<Dictionary<string, int>> ReadHeaderAsync(CsvRecords csv, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(csv);
        return csv.ReadHeaderAsync(_required, _optional, cancellationToken);
    }

    /// <summary>The column of a JSON property; a name that is no column's stays as it is.</summary>
    public string ColumnOf(string property) => _columnOf.GetValueOrDefault(property, property);

    /// <summary>
    /// The item read from the record on <paramref name="line"/>, when valid; otherwise null, with its
    /// errors recorded by column. A number that did not parse (<paramref name="numberErrors"/>) is
    /// reported with its own message, in place of what the validator says of the missing value.
    /// </summary>
    public TItem? Validate(TItem item, IReadOnlyList<(string Column, string Message)> numberErrors, IValidator<TItem> validator, long line, ItemErrors errors)
    {
        ArgumentNullException.ThrowIfNull(numberErrors);
        ArgumentNullException.ThrowIfNull(validator);
        ArgumentNullException.ThrowIfNull(errors);
        var failures = validator.Validate(item).Errors;
        if (failures.Count == 0 && numberErrors.Count == 0)
        {
            return item;
        }

        var rejected = new List<ItemError>(failures.Count + numberErrors.Count);
        if (_numberErrorsFirst)
        {
            AddNumberErrors(rejected, numberErrors, line);
        }

        foreach (var failure in failures)
        {
            var column = ColumnOf(failure.PropertyName);
            if (!IsNumberError(numberErrors, column))
            {
                rejected.Add(new ItemError { Line = line, Field = column, Message = failure.ErrorMessage });
            }
        }

        if (!_numberErrorsFirst)
        {
            AddNumberErrors(rejected, numberErrors, line);
        }

        errors.Reject(rejected);
        return null;
    }

    // Indexed loops: a foreach over the interface would allocate its enumerator.
    private static bool IsNumberError(IReadOnlyList<(string Column, string Message)> numberErrors, string column)
    {
        for (var i = 0; i < numberErrors.Count; i++)
        {
            if (numberErrors[i].Column == column)
            {
                return true;
            }
        }

        return false;
    }

    private static void AddNumberErrors(List<ItemError> rejected, IReadOnlyList<(string Column, string Message)> numberErrors, long line)
    {
        for (var i = 0; i < numberErrors.Count; i++)
        {
            rejected.Add(new ItemError { Line = line, Field = numberErrors[i].Column, Message = numberErrors[i].Message });
        }
    }
}

/// <summary>
/// One CSV record's fields by column name (case-insensitive), read as the JSON item's properties:
/// an absent or empty field is null; a number is a sign, digits and a decimal point, and one that
/// does not parse is null, its error kept in <see cref="NumberErrors"/>.
/// </summary>
internal readonly struct CsvItemFields(List<string> fields, Dictionary<string, int> columns)
{
    /// <summary>The numbers that did not parse: column and message.</summary>
    public List<(string Column, string Message)> NumberErrors { get; } = [];

    /// <summary>The field of <paramref name="column"/>; null when absent or empty.</summary>
    public string? Text(string column) =>
        columns.TryGetValue(column, out var i) && i < fields.Count && fields[i].Length > 0 ? fields[i] : null;

    /// <summary>The number in <paramref name="column"/>; null when absent, or when it does not parse (<paramref name="error"/> kept) or would be rounded.</summary>
    public decimal? Number(string column, string error)
    {
        var text = Text(column);
        if (text is null)
        {
            return null;
        }

        if (!decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            NumberErrors.Add((column, error));
        }
        else if (!ExactDecimal.IsExact(text, value))
        {
            NumberErrors.Add((column, ExactDecimal.Message(column)));
        }
        else
        {
            return value;
        }

        return null;
    }
}
