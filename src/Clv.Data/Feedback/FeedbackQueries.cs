using Microsoft.EntityFrameworkCore;

namespace Clv.Data.Feedback;

/// <summary>A customer's latest answer of one kind.</summary>
/// <param name="Score">0..10 for NPS, 1..5 for CSAT.</param>
/// <param name="AnsweredAt">When it was given.</param>
public sealed record LatestAnswer(int Score, DateTimeOffset AnsweredAt);

/// <summary>Feedback reads of one customer.</summary>
public static class FeedbackQueries
{
    /// <summary>
    /// The customer's latest NPS and latest CSAT answer given before <paramref name="cutoff"/> (null:
    /// any); the latest is the one answered last, the greater external id on a tie, as
    /// <see cref="FeedbackSql.LatestSql"/> has it. Each is one read of the (customer, kind, answered_at) index.
    /// </summary>
    public static async Task<(LatestAnswer? Nps, LatestAnswer? Csat)> LatestAnswersAsync(
        this ClvDbContext db, long customerId, DateTimeOffset? cutoff, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        async Task<LatestAnswer?> LatestAsync(FeedbackKind kind)
        {
            var answers = db.Feedback.AsNoTracking().Where(f => f.CustomerId == customerId && f.Kind == kind);
            if (cutoff is { } c)
            {
                answers = answers.Where(f => f.AnsweredAt < c);
            }

            return await answers.OrderByDescending(f => f.AnsweredAt).ThenByDescending(f => f.ExternalId)
                .Select(f => new LatestAnswer(f.Score, f.AnsweredAt)).FirstOrDefaultAsync(cancellationToken);
        }

        return (await LatestAsync(FeedbackKind.Nps), await LatestAsync(FeedbackKind.Csat));
    }
}
