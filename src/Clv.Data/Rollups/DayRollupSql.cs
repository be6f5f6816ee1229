namespace Clv.Data.Rollups;

/// <summary>
/// How transactions aggregate into <c>customer_days</c>, shared by the ingest and the rebuild so the
/// two can never disagree: one row per customer and calendar day of the time zone <c>@tz</c>.
/// </summary>
internal static class DayRollupSql
{
    /// <summary>The columns of <c>customer_days</c> the select list fills, in order.</summary>
    public const string Columns =
        "customer_id, day, purchase_count, refund_count, gross_revenue, refunds, cost, cost_count, first_purchase_at, last_purchase_at";

    /// <summary>The select list over rows with customer_id, occurred_at, type, amount and cost; group by 1, 2.</summary>
    public const string SelectList = """
        customer_id, (occurred_at AT TIME ZONE @tz)::date,
        count(*) FILTER (WHERE type = 1), count(*) FILTER (WHERE type = 2),
        coalesce(sum(amount) FILTER (WHERE type = 1), 0), coalesce(sum(amount) FILTER (WHERE type = 2), 0),
        coalesce(sum(CASE WHEN type = 1 THEN cost ELSE -cost END), 0), count(cost),
        min(occurred_at) FILTER (WHERE type = 1), max(occurred_at) FILTER (WHERE type = 1)
        """;
}
