using Clv.Api.Requests;
using FluentValidation;
using Microsoft.Extensions.Options;

namespace Clv.Api.Currency;

/// <summary>Rules for a daily rate.</summary>
public sealed class FxRateItemValidator : AbstractValidator<FxRateItem>
{
    private static readonly DateOnly Earliest = DateOnly.FromDateTime(IsoDateTime.Earliest.UtcDateTime);

    /// <summary>Builds the rules.</summary>
    /// <param name="options">The reporting currency, which has no rate.</param>
    /// <param name="time">The clock: a rate may be dated at most a day ahead, as transactions may.</param>
    public FxRateItemValidator(IOptions<ClvOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        var reporting = options.Value.ReportingCurrency;
        DateOnly Latest() => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime.AddDays(1));

        RuleFor(r => r.Currency)
            .Must(c => c is not null && IsoCodes.Currencies.Contains(c.ToUpperInvariant()) && !c.Equals(reporting, StringComparison.OrdinalIgnoreCase))
            .WithMessage($"An ISO 4217 code other than the reporting currency {reporting}.");
        // The transactions' range: a rate dated where no transaction can be converts nothing.
        RuleFor(r => r.Date)
            .Must(d => IsoDateTime.TryParseDate(d, out var date) && date >= Earliest && date <= Latest())
            .WithMessage(_ => $"A date as YYYY-MM-DD from 1970-01-01 to {Latest():yyyy-MM-dd}.");
        RuleFor(r => r.RateToReporting)
            .Must(rate => rate is { } r && r > 0 && r < 1e9m && decimal.Round(r, 10) == r)
            .WithMessage("A positive number below 10^9 with at most 10 decimals.");
    }
}
