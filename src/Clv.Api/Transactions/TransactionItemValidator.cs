using Clv.Api.Ingestion;
using FluentValidation;

namespace Clv.Api.Transactions;

/// <summary>Rules every transaction item must meet, the same for JSON and CSV.</summary>
public sealed class TransactionItemValidator : AbstractValidator<TransactionItem>
{
    /// <summary>Builds the rules for the current time.</summary>
    public TransactionItemValidator(TimeProvider time)
    {
        RuleFor(t => t.ExternalId).ExternalId();
        RuleFor(t => t.CustomerExternalId).ExternalId();
        RuleFor(t => t.OccurredAt).Timestamp(time, required: true);
        RuleFor(t => t.Type).NotEmpty().OneOf("purchase", "refund")
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
