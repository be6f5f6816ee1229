using Clv.Analytics.Portfolio;
using Npgsql;

namespace Clv.Data.Analytics.ReadModel;

/// <summary>A segment's subscription figures (docs/metrics.md, "Subscriptions").</summary>
/// <param name="Mrr">The monthly-equivalent amount (a yearly one ÷ 12) of the subscriptions active at the end of the as-of day.</param>
/// <param name="ActiveSubscriptions">Subscriptions started by the as-of day and not ended on or before it.</param>
/// <param name="NewSubscriptions">Subscriptions started in [from, to].</param>
/// <param name="CancelledSubscriptions">Subscriptions ended in [from, to].</param>
/// <param name="PeriodCancelled">Subscriptions ended in the last complete period.</param>
/// <param name="PeriodActiveAtStart">Subscriptions active at that period's start: started before its first day, not ended before it.</param>
public sealed record SubscriptionFigures(decimal Mrr, long ActiveSubscriptions, long NewSubscriptions, long CancelledSubscriptions, long PeriodCancelled, long PeriodActiveAtStart)
{
    /// <summary>PeriodCancelled ÷ PeriodActiveAtStart to 4 decimals; null without a subscription active at the start.</summary>
    public decimal? SubscriptionChurnRate => PeriodActiveAtStart == 0 ? null : Math.Round((decimal)PeriodCancelled / PeriodActiveAtStart, 4, MidpointRounding.AwayFromZero);

    /// <summary>A group without subscriptions.</summary>
    public static SubscriptionFigures None { get; } = new(0, 0, 0, 0, 0, 0);
}

/// <summary>A subscription active at the end of a segment answer's day, with its customer's group.</summary>
public sealed record ActiveSubscription(string GroupKey, string Plan, DateOnly StartedOn, DateOnly? EndedOn, Subscriptions.BillingPeriod BillingPeriod, decimal Amount);

/// <summary>
/// The subscription figures of segments, set-based over <c>subscriptions</c> joined to the scope's
/// grouped customers: one pass, grouped by customer's group (the table is small beside transactions).
/// </summary>
public static class SubscriptionSegmentQueries
{
    /// <summary>Each group's figures, by group key; groups without a subscription are absent.</summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="scope">The customers counted, as of when (subscriptions' days in its time zone, up to its reference day).</param>
    /// <param name="group">How they are grouped.</param>
    /// <param name="query">The range of new and cancelled subscriptions, and the period of the churn rate (the last complete one).</param>
    /// <param name="ct">Cancels the query.</param>
    public static async Task<Dictionary<string, SubscriptionFigures>> ComputeAsync(
        NpgsqlConnection connection, AnalyticsScope scope, GroupSpec group, SegmentQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(query);
        var (first, last) = CustomerActivity.LastCompletePeriod(scope.Reference, query.Period);
        await using var command = new NpgsqlCommand { Connection = connection };
        command.CommandText = scope.With(group, command) + $$"""
            , subs AS (
                SELECT {{group.KeyColumnsSql("g")}}, (s.started_at AT TIME ZONE @zone)::date AS started_on, (s.ended_at AT TIME ZONE @zone)::date AS ended_on,
                       CASE WHEN s.billing_period = 2 THEN s.amount / 12 ELSE s.amount END AS monthly
                FROM grouped g
                JOIN subscriptions s ON s.customer_id = g.customer_id
            )
            SELECT {{group.SelectKeySql("subs")}},
                   coalesce(sum(monthly) FILTER (WHERE started_on <= @day AND (ended_on IS NULL OR ended_on > @day)), 0),
                   count(*) FILTER (WHERE started_on <= @day AND (ended_on IS NULL OR ended_on > @day)),
                   count(*) FILTER (WHERE started_on BETWEEN coalesce(@from, started_on) AND @to AND started_on <= @day),
                   count(*) FILTER (WHERE ended_on BETWEEN coalesce(@from, ended_on) AND @to AND ended_on <= @day),
                   count(*) FILTER (WHERE ended_on BETWEEN @period_first AND @period_last),
                   count(*) FILTER (WHERE started_on < @period_first AND (ended_on IS NULL OR ended_on >= @period_first))
            FROM subs
            GROUP BY {{group.GroupBySql("subs")}}
            """;
        command.Parameters.Add(new NpgsqlParameter("day", LastDay(scope)));
        command.Parameters.Add(new NpgsqlParameter<DateOnly?>("from", query.From));
        command.Parameters.Add(new NpgsqlParameter("to", query.To));
        command.Parameters.Add(new NpgsqlParameter("period_first", DateOnly.FromDayNumber(first)));
        command.Parameters.Add(new NpgsqlParameter("period_last", DateOnly.FromDayNumber(last)));
        var figures = new Dictionary<string, SubscriptionFigures>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            figures[reader.GetString(0)] = new SubscriptionFigures(
                Math.Round(reader.GetDecimal(1), 4, MidpointRounding.AwayFromZero), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6));
        }

        return figures;
    }

    /// <summary>The subscriptions active at the end of the scope's last day, with their customer's group (residual value is summed over them).</summary>
    public static async Task<List<ActiveSubscription>> ActiveAsync(NpgsqlConnection connection, AnalyticsScope scope, GroupSpec group, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(scope);
        await using var command = new NpgsqlCommand { Connection = connection };
        command.CommandText = scope.With(group, command) + $"""
            SELECT k.group_key, s.plan, (s.started_at AT TIME ZONE @zone)::date, (s.ended_at AT TIME ZONE @zone)::date, s.billing_period, s.amount
            FROM grouped g
            CROSS JOIN LATERAL {group.KeysSql("g")} k(group_key)
            JOIN subscriptions s ON s.customer_id = g.customer_id
            WHERE (s.started_at AT TIME ZONE @zone)::date <= @day AND (s.ended_at IS NULL OR (s.ended_at AT TIME ZONE @zone)::date > @day)
            """;
        command.Parameters.Add(new NpgsqlParameter("day", LastDay(scope)));
        var active = new List<ActiveSubscription>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            active.Add(new ActiveSubscription(
                reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateOnly>(2), reader.IsDBNull(3) ? null : reader.GetFieldValue<DateOnly>(3),
                (Subscriptions.BillingPeriod)reader.GetInt16(4), reader.GetDecimal(5)));
        }

        return active;
    }

    /// <summary>The last day an answer counts: the earlier of its cutoff and reference day.</summary>
    public static DateOnly LastDay(AnalyticsScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        return scope.Cutoff is { } cutoff && cutoff < scope.Reference ? cutoff : scope.Reference;
    }
}
