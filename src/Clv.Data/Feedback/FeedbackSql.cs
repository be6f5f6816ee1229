using Npgsql;

namespace Clv.Data.Feedback;

/// <summary>
/// The SQL of feedback figures shared by segments, time series, the feedback summary, comparisons
/// and the customer detail: a customer's NPS class is that of their latest NPS answer as of the
/// answer's day (docs/metrics.md, "Feedback").
/// </summary>
public static class FeedbackSql
{
    /// <summary>The class of a customer whose latest NPS answer scored 9 or 10.</summary>
    public const string Promoter = "promoter";

    /// <summary>The class of a customer whose latest NPS answer scored 7 or 8.</summary>
    public const string Passive = "passive";

    /// <summary>The class of a customer whose latest NPS answer scored 0 to 6.</summary>
    public const string Detractor = "detractor";

    /// <summary>The class of a customer without an NPS answer as of the day.</summary>
    public const string None = "none";

    /// <summary>The classes in the order answers list them.</summary>
    public static IReadOnlyList<string> Classes { get; } = [Promoter, Passive, Detractor, None];

    /// <summary>The NPS class of a score (null: <see cref="None"/>), as SQL.</summary>
    public static string ClassSql(string score) =>
        $"CASE WHEN {score} >= 9 THEN '{Promoter}' WHEN {score} >= 7 THEN '{Passive}' WHEN {score} >= 0 THEN '{Detractor}' ELSE '{None}' END";

    /// <summary>
    /// Each customer's latest answer of <paramref name="kind"/> (<c>customer_id</c>, <c>score</c>,
    /// <c>answered_at</c>) as SQL, among the answers given on days (in the reporting zone
    /// <c>@zone</c>) from <c>@answers_from</c> to <c>@answers_through</c>, either null for no
    /// bound (<see cref="AddParameters"/>). The latest is the one answered last, the greater
    /// external id on a tie. One pass over the answers, grouped by customer (Citus pushes it down
    /// to the shards: the table is distributed by customer).
    /// </summary>
    public static string LatestSql(FeedbackKind kind) => $"""
        SELECT DISTINCT ON (f.customer_id) f.customer_id, f.score, f.answered_at
        FROM feedback f
        WHERE f.kind = {(short)kind}
          AND (@answers_from::date IS NULL OR (f.answered_at AT TIME ZONE @zone)::date >= @answers_from::date)
          AND (@answers_through::date IS NULL OR (f.answered_at AT TIME ZONE @zone)::date <= @answers_through::date)
        ORDER BY f.customer_id, f.answered_at DESC, f.external_id DESC
        """;

    /// <summary>Adds the days <see cref="LatestSql"/> reads answers between, unless the command has them already.</summary>
    public static void AddParameters(NpgsqlCommand command, DateOnly? from, DateOnly? through)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (!command.Parameters.Contains("answers_through"))
        {
            command.Parameters.Add(new NpgsqlParameter<DateOnly?>("answers_from", from));
            command.Parameters.Add(new NpgsqlParameter<DateOnly?>("answers_through", through));
        }
    }
}
