using Clv.Analytics.Statistics;
using Clv.Data.Feedback;
using Npgsql;

namespace Clv.Data.Analytics.ReadModel;

/// <summary>One group's survey answers: each customer's latest NPS and latest CSAT answer of the range.</summary>
/// <param name="Key">The group.</param>
/// <param name="Nps">The NPS answers by class.</param>
/// <param name="CsatResponses">The CSAT answers.</param>
/// <param name="CsatSatisfied">Those of 4 or 5.</param>
public sealed record FeedbackCounts(string Key, NpsCounts Nps, long CsatResponses, long CsatSatisfied);

/// <summary>
/// Survey answers per group, counted set-based in PostgreSQL: each customer of the scope counts
/// once per kind, by their latest answer given in the range of days (docs/metrics.md, "Feedback").
/// </summary>
public static class FeedbackSummaryQueries
{
    /// <summary>
    /// Every group with a customer in the scope, most responses first: the classes of its
    /// customers' latest NPS answers and the outcomes of their latest CSAT answers given on days
    /// (reporting zone) from <paramref name="from"/> (null: any) to <paramref name="through"/>.
    /// </summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="scope">The customers counted, as of when.</param>
    /// <param name="group">How they are grouped.</param>
    /// <param name="from">First day of the answers counted; null for all time.</param>
    /// <param name="through">Last day of the answers counted.</param>
    /// <param name="ct">Cancels the query.</param>
    public static async Task<List<FeedbackCounts>> ComputeAsync(
        NpgsqlConnection connection, AnalyticsScope scope, GroupSpec group, DateOnly? from, DateOnly through, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(group);
        await using var command = new NpgsqlCommand { Connection = connection };
        // The answers' range replaces the class grouping's own (answers by the cutoff): the two
        // differ only when `to` is before asOf, and then the latest answer of the range decides both.
        command.Parameters.Add(new NpgsqlParameter<DateOnly?>("answers_from", from));
        command.Parameters.Add(new NpgsqlParameter<DateOnly?>("answers_through", through));
        command.CommandText = scope.With(group, command) + $"""
            SELECT g.group_key,
                   count(*) FILTER (WHERE n.score >= 9), count(*) FILTER (WHERE n.score BETWEEN 7 AND 8), count(*) FILTER (WHERE n.score <= 6),
                   count(s.score), count(*) FILTER (WHERE s.score >= 4)
            FROM grouped g
            LEFT JOIN ({FeedbackSql.LatestSql(FeedbackKind.Nps)}) n ON n.customer_id = g.customer_id
            LEFT JOIN ({FeedbackSql.LatestSql(FeedbackKind.Csat)}) s ON s.customer_id = g.customer_id
            GROUP BY g.group_key
            """;
        var groups = new List<FeedbackCounts>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            groups.Add(new FeedbackCounts(
                reader.GetString(0), new NpsCounts(reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)), reader.GetInt64(4), reader.GetInt64(5)));
        }

        groups.Sort((x, y) => x.Nps.Responses != y.Nps.Responses ? y.Nps.Responses.CompareTo(x.Nps.Responses) : string.CompareOrdinal(x.Key, y.Key));
        return groups;
    }
}
