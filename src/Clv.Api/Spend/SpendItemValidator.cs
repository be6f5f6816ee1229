using Clv.Api.Ingestion;
using Clv.Api.Requests;
using Clv.Data.Infrastructure;
using FluentValidation;

namespace Clv.Api.Spend;

/// <summary>Rules for a spend row.</summary>
public sealed class SpendItemValidator : AbstractValidator<SpendItem>
{
    /// <summary>Builds the rules.</summary>
    /// <param name="time">The clock that says how far ahead a period may end.</param>
    public SpendItemValidator(TimeProvider time)
    {
        RuleFor(s => s.Channel).NotEmpty().MaxCharacters(ColumnLimits.Channel).StorableText().ChannelName();
        RuleFor(s => s.PeriodStart).Date().WithMessage("'periodStart' must be a date as YYYY-MM-DD.").SpendDay(time);
        RuleFor(s => s.PeriodEnd).Date().WithMessage("'periodEnd' must be a date as YYYY-MM-DD.").SpendDay(time);
        RuleFor(s => s.PeriodEnd)
            .Must((s, end) => !IsoDateTime.TryParseDate(s.PeriodStart, out var a) || !IsoDateTime.TryParseDate(end, out var b) || b >= a)
            .WithMessage("'periodEnd' must not be before 'periodStart'.");
        RuleFor(s => s.Amount).NotNull().Money();
        RuleFor(s => s.Currency).Currency();
    }
}
