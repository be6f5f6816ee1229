using Clv.Api.Requests;
using Clv.Data.Infrastructure;
using FluentValidation;

namespace Clv.Api.Ingestion;

/// <summary>Rules every transaction item must meet, the same for JSON and CSV.</summary>
public sealed class TransactionItemValidator : AbstractValidator<TransactionItem>
{
    /// <summary>Builds the rules for the current time.</summary>
    public TransactionItemValidator(TimeProvider time)
    {
        RuleFor(t => t.ExternalId).ExternalId();
        RuleFor(t => t.CustomerExternalId).ExternalId();
        RuleFor(t => t.OccurredAt).Timestamp(time, required: true);
        RuleFor(t => t.Type).NotEmpty().Must(t => t is "purchase" or "refund")
            .WithMessage("'type' must be 'purchase' or 'refund'.");
        RuleFor(t => t.Amount).NotNull().Money();
        RuleFor(t => t.Amount).GreaterThan(0).When(t => t.Type == "refund")
            .WithMessage("'amount' must be above 0 for a refund.");
        RuleFor(t => t.Currency).Currency();
        RuleFor(t => t.Cost).Money();
        RuleFor(t => t.Cost).Must((t, cost) => IngestionRules.IsPlausibleCost(t.Amount, cost))
            .WithMessage($"'cost' must not exceed {IngestionRules.MaxCostToAmount} × 'amount'; a cost in another unit than the amount (cents against dollars) is the usual cause.");
    }
}

/// <summary>Rules for a customer profile.</summary>
public sealed class CustomerItemValidator : AbstractValidator<CustomerItem>
{
    /// <summary>The attribute limits keep segment keys small enough to group on.</summary>
    public const int MaxAttributes = 50, MaxAttributeKey = 64, MaxAttributeValue = 256;

    /// <summary>Builds the rules.</summary>
    public CustomerItemValidator(TimeProvider time)
    {
        RuleFor(c => c.ExternalId).ExternalId();
        RuleFor(c => c.AcquiredAt).Timestamp(time, required: false);
        RuleFor(c => c.AcquisitionChannel).MaximumLength(ColumnLimits.Channel).Must(c => c is null || c.Trim().Length > 0)
            .WithMessage("'acquisitionChannel' must not be blank.").StorableText();
        RuleFor(c => c.Country).Must(c => c is null || IsoCodes.Countries.Contains(c.ToUpperInvariant()))
            .WithMessage(c => $"'{c.Country}' is not an ISO 3166-1 alpha-2 country code.");
        RuleFor(c => c.Attributes)
            .Must(a => a is null || a.Count <= MaxAttributes).WithMessage($"At most {MaxAttributes} attributes.")
            .Must(a => a is null || a.All(kv => kv.Key.Length is > 0 and <= MaxAttributeKey && kv.Value is { Length: <= MaxAttributeValue }))
            .WithMessage($"Attribute keys must be 1 to {MaxAttributeKey} characters and values strings of at most {MaxAttributeValue}.")
            .Must(a => a is null || a.All(kv => IngestionRules.IsStorable(kv.Key) && IngestionRules.IsStorable(kv.Value)))
            .WithMessage(IngestionRules.NulMessage);
    }
}

/// <summary>Rules for a spend row.</summary>
public sealed class SpendItemValidator : AbstractValidator<SpendItem>
{
    /// <summary>Builds the rules.</summary>
    public SpendItemValidator()
    {
        RuleFor(s => s.Channel).NotEmpty().MaximumLength(ColumnLimits.Channel).StorableText();
        RuleFor(s => s.PeriodStart).Must(d => IsoDateTime.TryParseDate(d, out _)).WithMessage("'periodStart' must be a date as YYYY-MM-DD.");
        RuleFor(s => s.PeriodEnd).Must(d => IsoDateTime.TryParseDate(d, out _)).WithMessage("'periodEnd' must be a date as YYYY-MM-DD.");
        RuleFor(s => s.PeriodEnd)
            .Must((s, end) => !IsoDateTime.TryParseDate(s.PeriodStart, out var a) || !IsoDateTime.TryParseDate(end, out var b) || b >= a)
            .WithMessage("'periodEnd' must not be before 'periodStart'.");
        RuleFor(s => s.Amount).NotNull().Money();
        RuleFor(s => s.Currency).Currency();
    }
}

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

    /// <summary>Why text with U+0000 is refused: PostgreSQL text cannot hold it.</summary>
    public const string NulMessage = "'{PropertyName}' must not contain the NUL character (U+0000).";

    /// <summary>False for text PostgreSQL cannot store: it has no NUL character in text or jsonb.</summary>
    public static bool IsStorable(string? text) => text is null || !text.Contains('\0', StringComparison.Ordinal);

    public static IRuleBuilderOptions<T, string?> StorableText<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(IsStorable).WithMessage(NulMessage);

    public static IRuleBuilderOptions<T, string?> ExternalId<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty().MaximumLength(ColumnLimits.ExternalId).StorableText();

    public static IRuleBuilderOptions<T, decimal?> Money<T>(this IRuleBuilder<T, decimal?> rule) =>
        rule.Must(m => m is null || (m >= 0 && m < 1e15m)).WithMessage("'{PropertyName}' must be at least 0 and below 10^15.")
            .Must(m => m is null || decimal.Round(m.Value, ColumnLimits.MoneyScale) == m.Value)
            .WithMessage($"'{{PropertyName}}' must have at most {ColumnLimits.MoneyScale} decimals.");

    public static IRuleBuilderOptions<T, string?> Timestamp<T>(this IRuleBuilder<T, string?> rule, TimeProvider time, bool required) =>
        rule.Must(text => text is null ? !required : IsoDateTime.TryParse(text, out _))
            .WithMessage("'{PropertyName}' must be an ISO 8601 date-time with an offset, such as 2024-03-15T14:30:00Z.")
            .Must(text => !IsoDateTime.TryParse(text, out var at) || (at >= IsoDateTime.Earliest && at <= time.GetUtcNow().AddDays(1)))
            .WithMessage("'{PropertyName}' must be between 1970-01-01 and one day from now.");

    // Another currency than the reporting one is converted at ingest (CurrencyConverter), or rejected there.
    public static IRuleBuilderOptions<T, string?> Currency<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty()
            .Must(c => c is null || IsoCodes.Currencies.Contains(c.ToUpperInvariant()))
            .WithMessage((_, c) => $"'{c}' is not an ISO 4217 currency code.");
}
