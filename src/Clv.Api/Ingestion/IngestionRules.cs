using Clv.Api.Requests;
using Clv.Data.Analytics.ReadModel;
using Clv.Data.Infrastructure;
using FluentValidation;

namespace Clv.Api.Ingestion;

/// <summary>Field rules the ingestion validators share: ids, money, timestamps, currencies, storable text, group names.</summary>
internal static class IngestionRules
{
    /// <summary>
    /// How many times its amount a transaction's cost may be. Goods sold below cost, even at a tenth
    /// of it, pass; a cost sent in cents against an amount in dollars does not, and neither does a
    /// cost that would make a customer's gross margin meaningless.
    /// </summary>
    public const int MaxCostToAmount = 10;

    /// <summary>False for a cost above <see cref="MaxCostToAmount"/> times the amount; a missing one is for other rules.</summary>
    /// <remarks>The cost is divided because the amount, not yet refused by its own rules, may be too large to multiply.</remarks>
    public static bool IsPlausibleCost(decimal? amount, decimal? cost) =>
        amount is null || cost is null || cost / MaxCostToAmount <= amount;

    /// <summary>
    /// The characters of <paramref name="text"/> as PostgreSQL and JSON Schema count them: code points,
    /// an emoji one, not two UTF-16 units; a lone surrogate counts as one.
    /// </summary>
    public static int Characters(string text)
    {
        var count = 0;
        foreach (var _ in text.EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    /// <summary>Why text with U+0000 is refused: PostgreSQL text cannot hold it.</summary>
    public const string NulMessage = "'{PropertyName}' must not contain the NUL character (U+0000).";

    /// <summary>False for text PostgreSQL cannot store: it has no NUL character in text or jsonb.</summary>
    public static bool IsStorable(string? text) => text is null || !text.Contains('\0', StringComparison.Ordinal);

    public static IRuleBuilderOptions<T, string?> StorableText<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(IsStorable).WithMessage(NulMessage);

    /// <summary>
    /// True for <paramref name="reserved"/>, a group name the analytics give customers without a
    /// value (<c>unattributed</c>, <c>unknown</c>, <c>none</c>), in any case and with spaces around
    /// it: sent as a real value, it would be counted with the customers who have none, and spend
    /// of a channel so named with the customers who have no channel.
    /// </summary>
    public static bool IsReservedName(string? text, string reserved) =>
        text is not null && text.Trim().Equals(reserved, StringComparison.OrdinalIgnoreCase);

    /// <summary>Why <paramref name="text"/>, a reserved group name (<see cref="IsReservedName"/>), is refused.</summary>
    /// <param name="text">The value sent.</param>
    /// <param name="without">What the customers of the group lack: <c>an acquisition channel</c>.</param>
    public static string ReservedNameMessage(string text, string without) =>
        $"'{text.Trim()}' is reserved for customers without {without}; use another name.";

    /// <summary>Not <see cref="AnalyticsScope.Unattributed"/>, the group of customers without a channel: a customer's or a spend row's channel.</summary>
    public static IRuleBuilderOptions<T, string?> ChannelName<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotReserved(AnalyticsScope.Unattributed, "an acquisition channel");

    /// <summary>Not <see cref="GroupSpec.NoPlan"/>, the plan group of customers without a subscription.</summary>
    public static IRuleBuilderOptions<T, string?> PlanName<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotReserved(GroupSpec.NoPlan, "a subscription");

    public static IRuleBuilderOptions<T, string?> ExternalId<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty().MaxCharacters(ColumnLimits.ExternalId).StorableText();

    public static IRuleBuilderOptions<T, decimal?> Money<T>(this IRuleBuilder<T, decimal?> rule) =>
        rule.Must(m => m is null || (m >= 0 && m < ColumnLimits.MoneyBound)).WithMessage("'{PropertyName}' must be at least 0 and below 10^15.")
            .Must(m => m is null || decimal.Round(m.Value, ColumnLimits.MoneyScale) == m.Value)
            .WithMessage($"'{{PropertyName}}' must have at most {ColumnLimits.MoneyScale} decimals.");

    public static IRuleBuilderOptions<T, string?> Timestamp<T>(this IRuleBuilder<T, string?> rule, TimeProvider time, bool required) =>
        (required ? rule.SetValidator(new RequiredTextValidator<T>(text => IsoDateTime.TryParse(text, out _)))
                  : rule.Must(text => text is null || IsoDateTime.TryParse(text, out _)))
            .WithMessage("'{PropertyName}' must be an ISO 8601 date-time with an offset, such as 2024-03-15T14:30:00Z.")
            .Must(text => !IsoDateTime.TryParse(text, out var at) || (at >= IsoDateTime.Earliest && at <= time.GetUtcNow().AddDays(1)))
            .WithMessage("'{PropertyName}' must be between 1970-01-01 and one day from now.");

    // Another currency than the reporting one is converted at ingest (CurrencyConverter), or rejected there.
    public static IRuleBuilderOptions<T, string?> Currency<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty()
            .Must(c => c is null || IsoCodes.Currencies.Contains(c.ToUpperInvariant()))
            .WithMessage((_, c) => $"'{c}' is not an ISO 4217 currency code.");

    /// <summary>A date as YYYY-MM-DD, required.</summary>
    public static IRuleBuilderOptions<T, string?> Date<T>(this IRuleBuilder<T, string?> rule) =>
        rule.SetValidator(new RequiredTextValidator<T>(text => IsoDateTime.TryParseDate(text, out _)));

    /// <summary>
    /// A spend period's day: from 1970-01-01 (no stored figure is older) to a year from today, for spend booked for
    /// the months ahead (0001-01-01 and 9998-12-31 were stored).
    /// </summary>
    public static IRuleBuilderOptions<T, string?> SpendDay<T>(this IRuleBuilder<T, string?> rule, TimeProvider time) =>
        rule.Must(text => !IsoDateTime.TryParseDate(text, out var day)
                || (day >= QueryDates.Earliest && day <= DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime).AddYears(1)))
            .WithMessage("'{PropertyName}' must be between 1970-01-01 and a year from today.");

    /// <summary>At most <paramref name="max"/> characters, as the column counts them (<see cref="MaxCharactersValidator{T}"/>).</summary>
    public static IRuleBuilderOptions<T, string?> MaxCharacters<T>(this IRuleBuilder<T, string?> rule, int max) =>
        rule.SetValidator(new MaxCharactersValidator<T>(max));

    private static IRuleBuilderOptions<T, string?> NotReserved<T>(this IRuleBuilder<T, string?> rule, string reserved, string without) =>
        rule.Must(text => !IsReservedName(text, reserved)).WithMessage((_, text) => ReservedNameMessage(text!, without));

    /// <summary>Absent (for <c>NotEmpty</c> to judge), or one of <paramref name="values"/>.</summary>
    public static IRuleBuilderOptions<T, string?> OneOf<T>(this IRuleBuilder<T, string?> rule, params string[] values) =>
        rule.SetValidator(new OneOfValidator<T>(values));
}
