using Clv.Analytics.Statistics;
using Clv.Api.Ingestion;
using Clv.Data.Infrastructure;
using FluentValidation;

namespace Clv.Api.Feedback;

/// <summary>Rules every answer must meet, the same for JSON and CSV.</summary>
public sealed class FeedbackItemValidator : AbstractValidator<FeedbackItem>
{
    /// <summary>Builds the rules for the current time.</summary>
    public FeedbackItemValidator(TimeProvider time)
    {
        RuleFor(f => f.ExternalId).ExternalId();
        RuleFor(f => f.CustomerExternalId).ExternalId();
        RuleFor(f => f.AnsweredAt).Timestamp(time, required: true);
        RuleFor(f => f.Kind).NotEmpty().OneOf("nps", "csat")
            .WithMessage("'kind' must be 'nps' or 'csat'.");
        RuleFor(f => f.Score).NotNull()
            .Must(s => s is null || decimal.Truncate(s.Value) == s.Value).WithMessage("'score' must be an integer.");
        RuleFor(f => f.Score)
            .Must(s => s is >= NetPromoterScore.MinScore and <= NetPromoterScore.MaxScore).When(f => f.Kind == "nps" && f.Score is not null)
            .WithMessage($"An NPS 'score' must be an integer from {NetPromoterScore.MinScore} to {NetPromoterScore.MaxScore}.");
        RuleFor(f => f.Score)
            .Must(s => s is >= CustomerSatisfaction.MinScore and <= CustomerSatisfaction.MaxScore).When(f => f.Kind == "csat" && f.Score is not null)
            .WithMessage($"A CSAT 'score' must be an integer from {CustomerSatisfaction.MinScore} to {CustomerSatisfaction.MaxScore}.");
        RuleFor(f => f.Comment).MaxCharacters(ColumnLimits.FeedbackComment).StorableText();
    }
}
