using Clv.Api.Ingestion;
using Clv.Api.Requests;
using Clv.Data.Infrastructure;
using FluentValidation;

namespace Clv.Api.Subscriptions;

/// <summary>Rules every subscription must meet, the same for JSON and CSV.</summary>
public sealed class SubscriptionItemValidator : AbstractValidator<SubscriptionItem>
{
    /// <summary>Builds the rules for the current time.</summary>
    public SubscriptionItemValidator(TimeProvider time)
    {
        RuleFor(s => s.ExternalId).ExternalId();
        RuleFor(s => s.CustomerExternalId).ExternalId();
        RuleFor(s => s.Plan).NotEmpty().MaxCharacters(ColumnLimits.Channel).StorableText().PlanName();
        RuleFor(s => s.StartedAt).Timestamp(time, required: true);
        RuleFor(s => s.EndedAt).Timestamp(time, required: false);
        RuleFor(s => s.EndedAt)
            .Must((s, ended) => !IsoDateTime.TryParse(s.StartedAt, out var start) || !IsoDateTime.TryParse(ended, out var end) || end >= start)
            .WithMessage("'endedAt' must not be before 'startedAt'.");
        RuleFor(s => s.BillingPeriod).NotEmpty().OneOf("month", "year")
            .WithMessage("'billingPeriod' must be 'month' or 'year'.");
        RuleFor(s => s.Amount).NotNull().Money();
        RuleFor(s => s.Currency).Currency();
    }
}
