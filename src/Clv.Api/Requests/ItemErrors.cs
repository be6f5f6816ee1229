using System.Text.Json.Serialization;
using Clv.Api.Errors;
using FluentValidation;

namespace Clv.Api.Requests;

/// <summary>Collects item errors for a response: counts every rejected item, lists at most <see cref="Max"/> errors.</summary>
public sealed class ItemErrors
{
    /// <summary>The most item errors one response lists.</summary>
    public const int Max = 1_000;

    /// <summary>The most items one JSON request may carry.</summary>
    public const int MaxBatchItems = 10_000;

    /// <summary>The errors listed so far.</summary>
    public List<ItemError> Errors { get; } = [];

    /// <summary>Items rejected so far.</summary>
    public long Rejected { get; private set; }

    /// <summary>Whether errors were left out of <see cref="Errors"/>.</summary>
    public bool Truncated { get; private set; }

    /// <summary>Records one rejected item and its field errors.</summary>
    public void Reject(IEnumerable<ItemError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        Rejected++;
        foreach (var error in errors)
        {
            if (Errors.Count >= Max)
            {
                Truncated = true;
                return;
            }

            Errors.Add(error);
        }
    }

    /// <summary>In atomic mode any rejected item fails the whole request with 422.</summary>
    public void ThrowIfAtomicAndRejected(bool atomic)
    {
        if (atomic && Rejected > 0)
        {
            throw new ItemsRejectedException(Errors, Truncated, Rejected);
        }
    }

    /// <summary>Answers 413 for a JSON batch over <see cref="MaxBatchItems"/>.</summary>
    public static void ThrowIfTooMany(int count)
    {
        if (count > MaxBatchItems)
        {
            throw new ClvProblemException(StatusCodes.Status413PayloadTooLarge, "Batch too large",
                $"A batch holds at most {MaxBatchItems} items; this one has {count}. Split it, or use the CSV import.");
        }
    }

    /// <summary>
    /// Validates each JSON item; valid ones are mapped to rows with their index, invalid ones recorded.
    /// </summary>
    public List<(int Index, TRow Row)> ValidateAll<TItem, TRow>(IReadOnlyList<TItem?> items, IValidator<TItem> validator, Func<TItem, TRow> map)
        where TItem : class
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(validator);
        ArgumentNullException.ThrowIfNull(map);
        var rows = new List<(int Index, TRow Row)>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var index = i;
            if (items[i] is not { } item)
            {
                Reject([new ItemError { Index = index, Field = "", Message = "The item is null." }]);
                continue;
            }

            var failures = validator.Validate(item).Errors;
            if (failures.Count > 0)
            {
                Reject(failures.Select(f => new ItemError { Index = index, Field = f.PropertyName, Message = f.ErrorMessage }));
                continue;
            }

            rows.Add((i, map(item)));
        }

        return rows;
    }
}

/// <summary>An atomic request with invalid items: answered 422 with the item errors, nothing stored.</summary>
/// <param name="errors">The item errors listed, at most <see cref="ItemErrors.Max"/>.</param>
/// <param name="truncated">Whether the list was cut at its limit.</param>
/// <param name="rejected">How many items were invalid, listed or not.</param>
public sealed class ItemsRejectedException(IReadOnlyList<ItemError> errors, bool truncated, long rejected)
    : Exception($"{rejected} invalid item(s); nothing was stored. {errors.Count} field error(s) are listed{(truncated ? ", the list cut at its limit" : "")}.")
{
    /// <summary>How many items were invalid, listed or not.</summary>
    public long Rejected { get; } = rejected;

    /// <summary>The item errors.</summary>
    public IReadOnlyList<ItemError> Errors { get; } = errors;

    /// <summary>Whether the list was cut at its limit.</summary>
    public bool Truncated { get; } = truncated;
}

/// <summary>One invalid field of one item.</summary>
public sealed class ItemError
{
    /// <summary>0-based index of the item in the JSON array; absent for CSV.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Index { get; set; }

    /// <summary>1-based line number in the CSV file, the header being line 1; absent for JSON.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Line { get; set; }

    /// <summary>The field, as named in the request (camelCase for JSON, the column for CSV).</summary>
    /// <example>amount</example>
    public required string Field { get; set; }

    /// <summary>What is wrong.</summary>
    /// <example>'amount' must be at least 0 for a purchase.</example>
    public required string Message { get; set; }
}
