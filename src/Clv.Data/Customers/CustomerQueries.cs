using System.Data.Common;
using System.Runtime.CompilerServices;
using Clv.Analytics.Historical;
using Clv.Analytics.Portfolio;
using Clv.Data.Feedback;
using Clv.Data.ModelRuns;
using Clv.Data.Transactions;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Clv.Data.Customers;

/// <summary>What the customer list sorts by.</summary>
public enum CustomerSort
{
    /// <summary>Historical CLV, which is net revenue.</summary>
    HistoricalClv,

    /// <summary>Net revenue.</summary>
    NetRevenue,

    /// <summary>The latest purchase; customers without purchases sort as the oldest.</summary>
    LastPurchaseAt,

    /// <summary>Predicted CLV of the active model run; customers it did not predict sort as −1.</summary>
    PredictedClv,
}

/// <summary>
/// A position in the sorted list: the sort value and customer id of the last row seen. The API's
/// cursor carries it together with a fingerprint of the list it belongs to.
/// </summary>
public readonly record struct CustomerCursor(decimal Value, long CustomerId);

/// <summary>Filters, order and position for the customer list; <c>WithDays</c> reads each listed row's day rollup too (<see cref="CustomerWithTotals.Days"/>).</summary>
public sealed record CustomerListQuery(
    CustomerSort Sort,
    bool Descending,
    string? AcquisitionChannel,
    string? Country,
    CustomerCursor? After,
    long Offset,
    int? Limit,
    AtRiskFilter? AtRisk = null,
    bool WithDays = false);

/// <summary>
/// Customers whose net revenue of the 12 months to <paramref name="Reference"/> fell by at least
/// <paramref name="Decline"/> against the 12 months before (and who were acquired by then), or,
/// with <paramref name="AtRisk"/> false, every other customer.
/// </summary>
/// <param name="AtRisk">Whether the list keeps the customers at risk or the others.</param>
/// <param name="Reference">The day the 12 months end on.</param>
/// <param name="Decline">The share of the fall, in [0, 1].</param>
/// <param name="TimeZone">The reporting time zone acquisition days are taken in.</param>
public sealed record AtRiskFilter(bool AtRisk, DateOnly Reference, decimal Decline, string TimeZone);

/// <summary>A customer's profile with the totals of their history to date, and their prediction from the active run.</summary>
/// <param name="Customer">The profile.</param>
/// <param name="Totals">The summary kept current at ingest.</param>
/// <param name="Prediction">The active run's prediction, if it predicted the customer.</param>
/// <param name="RunOptions">The active run's options as JSON, when there is an active run.</param>
/// <param name="Position">The row's place in the sort, for the next page's cursor.</param>
/// <param name="DataVersion">The data version the row was read at, so a reader can tell whether the rankings it scores against are current without another query.</param>
/// <param name="Days">The customer's day rollup in day order, where the read asked for it.</param>
public sealed record CustomerWithTotals(
    Customer Customer, HistoricalTotals Totals, CustomerPrediction? Prediction, string? RunOptions, CustomerCursor Position, long DataVersion, IReadOnlyList<DayFact>? Days = null)
{
    /// <summary>The latest NPS answer of all; read by <see cref="CustomerQueries.FindCustomerAsync"/> only.</summary>
    public LatestAnswer? LatestNps { get; init; }

    /// <summary>The latest CSAT answer of all; read by <see cref="CustomerQueries.FindCustomerAsync"/> only.</summary>
    public LatestAnswer? LatestCsat { get; init; }

    /// <summary>Whether the customer has any subscription; read by <see cref="CustomerQueries.FindCustomerAsync"/> only, so the detail asks for them only then.</summary>
    public bool HasSubscriptions { get; init; }
}

/// <summary>Read queries over customers: a sorted, filtered list (or one customer of it), and one customer's transactions.</summary>
public static class CustomerQueries
{
    /// <summary>A customer's transactions that occurred before <paramref name="cutoff"/> (all when null).</summary>
    public static async Task<List<TransactionRecord>> TransactionRecordsAsync(this ClvDbContext db, long customerId, DateTimeOffset? cutoff, CancellationToken cancellationToken)
    {
        var query = db.Transactions.AsNoTracking().Where(t => t.CustomerId == customerId);
        if (cutoff is { } c)
        {
            query = query.Where(t => t.OccurredAt < c);
        }

        var rows = await query.Select(t => new { t.OccurredAt, t.Type, t.Amount, t.Cost }).ToListAsync(cancellationToken);
        return rows.ConvertAll(t => new TransactionRecord(
            t.OccurredAt, t.Type == TransactionType.Refund ? TransactionKind.Refund : TransactionKind.Purchase, t.Amount, t.Cost));
    }

    // A customer acquired by the reference day whose net revenue of the 12 months to it is at most
    // (1 − decline) of a positive net revenue in the 12 months before: summed from the customer's
    // own days of those 24 months (one index range read; no days: not at risk). Asked per row, so
    // a page sorted by an indexed key (historical CLV) reads rows in order and stops when it is
    // full: 12 ms instead of 105 ms for the top 10 of CDNOW ×1 (2026-12-03), where grouping every
    // customer's days first cost the same for any page.
    private const string AtRiskCondition = """
        ((c.acquired_at IS NULL OR (c.acquired_at AT TIME ZONE @zone)::date <= @reference) AND (
            SELECT coalesce(sum(gross_revenue - refunds) FILTER (WHERE day <= @trend_start), 0) > 0
                   AND coalesce(sum(gross_revenue - refunds) FILTER (WHERE day > @trend_start), 0)
                       <= coalesce(sum(gross_revenue - refunds) FILTER (WHERE day <= @trend_start), 0) * (1 - @decline)
            FROM customer_days
            WHERE customer_id = c.id AND day > @previous_start AND day <= @reference)) = @at_risk
        """;

    // The columns Read takes before the summary's, and after the sort key.
    private const string CustomerColumns =
        "c.id, c.external_id, c.acquired_at, c.acquired_at_is_explicit, c.acquisition_channel, c.country, c.attributes, c.created_at, c.updated_at";

    private const string PredictionColumns =
        "p.run_id, p.frequency, p.recency, p.age, p.expected_purchases, p.probability_alive, p.expected_average_spend, p.predicted_clv, p.predicted_gross_profit_clv, " +
        "p.predicted_clv_lo, p.predicted_clv_hi, p.expected_purchases_lo, p.expected_purchases_hi, p.probability_alive_lo, p.probability_alive_hi";

    // The columns Read takes after the version: one customer's day rollup as arrays in day order (ReadDays).
    private const string DayColumns = "d.days, d.purchase_counts, d.gross_revenues, d.net_revenues, d.costs, d.has_costs";

    // The customer, summary, active prediction, days and latest answers of one external id.
    private static readonly string FindSql = $"""
        SELECT {CustomerColumns},
               coalesce(s.purchase_count, 0), coalesce(s.purchase_days, 0), coalesce(s.gross_revenue, 0), coalesce(s.refunds, 0),
               s.known_cost, s.first_purchase_at, s.last_purchase_at, coalesce(s.net_revenue, 0),
               {PredictionColumns}, r.options, (SELECT version FROM data_version WHERE id = 1),
               {DayColumns},
               n.score, n.answered_at, q.score, q.answered_at,
               EXISTS (SELECT 1 FROM subscriptions b WHERE b.customer_id = c.id)
        FROM customer_keys k
        JOIN customers c ON c.id = k.customer_id
        LEFT JOIN customer_summaries s ON s.customer_id = c.id
        LEFT JOIN model_runs r ON r.is_active
        LEFT JOIN customer_predictions p ON p.run_id = r.id AND p.customer_id = c.id
        CROSS JOIN LATERAL ({DaysSql("c.id")}) d
        LEFT JOIN LATERAL ({LatestAnswerSql(FeedbackKind.Nps)}) n ON true
        LEFT JOIN LATERAL ({LatestAnswerSql(FeedbackKind.Csat)}) q ON true
        WHERE k.external_id = @external_id
        """;

    /// <summary>
    /// One customer with their summary totals, active prediction, days (what their churn,
    /// trend and RFM are computed from) and latest answers, in one round trip; null when no customer has the id.
    /// </summary>
    public static async Task<CustomerWithTotals?> FindCustomerAsync(this ClvDbContext db, string externalId, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = new NpgsqlCommand(FindSql, (NpgsqlConnection)db.Database.GetDbConnection());
            command.Parameters.Add(new NpgsqlParameter("external_id", NpgsqlTypes.NpgsqlDbType.Text) { Value = externalId });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            return await reader.ReadAsync(cancellationToken)
                ? Read(reader) with { Days = ReadDays(reader, 34), LatestNps = ReadAnswer(reader, 40), LatestCsat = ReadAnswer(reader, 42), HasSubscriptions = reader.GetBoolean(44) }
                : null;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>Streams the customers matching the query, in its order, with their summary totals.</summary>
    public static async IAsyncEnumerable<CustomerWithTotals> ListCustomersAsync(
        this ClvDbContext db, CustomerListQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        // Timestamps sort as epoch microseconds, so one numeric cursor serves every sort.
        var key = query.Sort switch
        {
            CustomerSort.LastPurchaseAt => "coalesce(extract(epoch from s.last_purchase_at) * 1000000, -1)::numeric",
            CustomerSort.PredictedClv => "coalesce(p.predicted_clv, -1)",
            _ => "s.net_revenue",
        };
        var direction = query.Descending ? "DESC" : "ASC";
        var comparison = query.Descending ? "<" : ">";
        // Only the filters in use appear in the SQL: "@x IS NULL OR ..." would keep PostgreSQL from
        // planning an index lookup, and from reusing the plan of an auto-prepared statement.
        var parameters = new List<NpgsqlParameter>();
        var conditions = new List<string>();
        void Filter(string condition, string name, object? value, NpgsqlTypes.NpgsqlDbType type)
        {
            if (value is not null)
            {
                conditions.Add(condition);
                parameters.Add(new NpgsqlParameter(name, type) { Value = value });
            }
        }

        Filter("c.acquisition_channel = @channel", "channel", query.AcquisitionChannel, NpgsqlTypes.NpgsqlDbType.Text);
        Filter("c.country = @country", "country", query.Country, NpgsqlTypes.NpgsqlDbType.Text);
        if (query.AtRisk is { } risk)
        {
            conditions.Add(AtRiskCondition);
            parameters.Add(new NpgsqlParameter("at_risk", risk.AtRisk));
            parameters.Add(new NpgsqlParameter("reference", risk.Reference));
            parameters.Add(new NpgsqlParameter("trend_start", risk.Reference.AddMonths(-12)));
            parameters.Add(new NpgsqlParameter("previous_start", risk.Reference.AddMonths(-24)));
            parameters.Add(new NpgsqlParameter("decline", risk.Decline));
            parameters.Add(new NpgsqlParameter("zone", risk.TimeZone));
        }

        var filtered = conditions.Count > 0;
        Filter($"({key}, s.customer_id) {comparison} (@after_value, @after_id)", "after_value", query.After?.Value, NpgsqlTypes.NpgsqlDbType.Numeric);
        if (query.After is { } after)
        {
            parameters.Add(new NpgsqlParameter("after_id", NpgsqlTypes.NpgsqlDbType.Bigint) { Value = after.CustomerId });
        }
        // The page's keys are found first from the narrow tables, and only those rows are then
        // joined to the wide ones: sorting a million full rows to keep a hundred is what this avoids.
        var sql = $"""
            WITH active_run AS (SELECT id, options FROM model_runs WHERE is_active),
            page AS (
                SELECT s.customer_id, {key} AS sort_key
                FROM customer_summaries s
                {(query.Sort == CustomerSort.PredictedClv ? "LEFT JOIN customer_predictions p ON p.run_id = (SELECT id FROM active_run) AND p.customer_id = s.customer_id" : "")}
                {(filtered ? "JOIN customers c ON c.id = s.customer_id" : "")}
                WHERE {(conditions.Count == 0 ? "true" : string.Join(" AND ", conditions))}
                ORDER BY {key} {direction}, s.customer_id {direction}
                LIMIT @limit OFFSET @offset)
            SELECT {CustomerColumns},
                   s.purchase_count, s.purchase_days, s.gross_revenue, s.refunds, s.known_cost,
                   s.first_purchase_at, s.last_purchase_at, page.sort_key,
                   {PredictionColumns}, (SELECT options FROM active_run), (SELECT version FROM data_version WHERE id = 1)
                   {(query.WithDays ? $", {DayColumns}" : "")}
            FROM page
            JOIN customer_summaries s ON s.customer_id = page.customer_id
            JOIN customers c ON c.id = page.customer_id
            LEFT JOIN customer_predictions p ON p.run_id = (SELECT id FROM active_run) AND p.customer_id = page.customer_id
            {(query.WithDays ? $"CROSS JOIN LATERAL ({DaysSql("page.customer_id")}) d" : "")}
            ORDER BY page.sort_key {direction}, page.customer_id {direction}
            """;

        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = new NpgsqlCommand(sql, (NpgsqlConnection)db.Database.GetDbConnection());
            command.Parameters.AddRange(parameters.ToArray());
            command.Parameters.Add(new NpgsqlParameter("limit", NpgsqlTypes.NpgsqlDbType.Bigint) { Value = (object?)query.Limit ?? DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter("offset", query.Offset));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                yield return query.WithDays ? Read(reader) with { Days = ReadDays(reader, 34) } : Read(reader);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static CustomerWithTotals Read(DbDataReader r)
    {
        var customer = new Customer
        {
            Id = r.GetInt64(0),
            ExternalId = r.GetString(1),
            AcquiredAt = NullableTime(r, 2),
            AcquiredAtIsExplicit = r.GetBoolean(3),
            AcquisitionChannel = r.IsDBNull(4) ? null : r.GetString(4),
            Country = r.IsDBNull(5) ? null : r.GetString(5),
            Attributes = r.IsDBNull(6) ? null : r.GetString(6),
            CreatedAt = r.GetFieldValue<DateTimeOffset>(7),
            UpdatedAt = r.GetFieldValue<DateTimeOffset>(8),
        };
        var totals = new HistoricalTotals(
            PurchaseCount: r.GetInt32(9),
            PurchaseDays: r.GetInt32(10),
            GrossRevenue: r.GetDecimal(11),
            Refunds: r.GetDecimal(12),
            KnownCost: r.IsDBNull(13) ? null : r.GetDecimal(13),
            FirstPurchaseAt: NullableTime(r, 14),
            LastPurchaseAt: NullableTime(r, 15));
        var prediction = r.IsDBNull(17) ? null : new CustomerPrediction
        {
            RunId = r.GetGuid(17),
            CustomerId = customer.Id,
            Frequency = r.GetDouble(18),
            Recency = r.GetDouble(19),
            Age = r.GetDouble(20),
            ExpectedPurchases = r.GetDouble(21),
            ProbabilityAlive = r.GetDouble(22),
            ExpectedAverageSpend = r.GetDecimal(23),
            PredictedClv = r.GetDecimal(24),
            PredictedGrossProfitClv = r.IsDBNull(25) ? null : r.GetDecimal(25),
            PredictedClvLo = r.IsDBNull(26) ? null : r.GetDecimal(26),
            PredictedClvHi = r.IsDBNull(27) ? null : r.GetDecimal(27),
            ExpectedPurchasesLo = r.IsDBNull(28) ? null : r.GetDouble(28),
            ExpectedPurchasesHi = r.IsDBNull(29) ? null : r.GetDouble(29),
            ProbabilityAliveLo = r.IsDBNull(30) ? null : r.GetDouble(30),
            ProbabilityAliveHi = r.IsDBNull(31) ? null : r.GetDouble(31),
        };
        var runOptions = r.IsDBNull(32) ? null : r.GetString(32);
        return new CustomerWithTotals(customer, totals, prediction, runOptions, new CustomerCursor(r.GetDecimal(16), customer.Id), r.GetInt64(33));
    }

    // One customer's day rollup (DayColumns) as one row of arrays in day order: an index range
    // read of the customer's own days, so a list reads them for its page's rows only.
    private static string DaysSql(string customerId) => $"""
        SELECT array_agg(day ORDER BY day) AS days, array_agg(purchase_count ORDER BY day) AS purchase_counts,
               array_agg(gross_revenue ORDER BY day) AS gross_revenues, array_agg(gross_revenue - refunds ORDER BY day) AS net_revenues,
               array_agg(cost ORDER BY day) AS costs, array_agg(cost_count > 0 ORDER BY day) AS has_costs
        FROM customer_days WHERE customer_id = {customerId}
        """;

    // A customer c's latest answer of a kind: the one answered last, the greater external id on a tie
    // (FeedbackSql.LatestSql), one read of the (customer, kind, answered_at) index.
    private static string LatestAnswerSql(FeedbackKind kind) =>
        $"SELECT f.score, f.answered_at FROM feedback f WHERE f.customer_id = c.id AND f.kind = {(short)kind} ORDER BY f.answered_at DESC, f.external_id DESC LIMIT 1";

    private static LatestAnswer? ReadAnswer(DbDataReader r, int first) =>
        r.IsDBNull(first) ? null : new LatestAnswer(r.GetInt16(first), r.GetFieldValue<DateTimeOffset>(first + 1));

    // The day rollup's arrays from ordinal `first` on, one element per day in day order.
    private static List<DayFact> ReadDays(DbDataReader r, int first)
    {
        if (r.IsDBNull(first))
        {
            return [];
        }

        var customerId = r.GetInt64(0);
        var days = r.GetFieldValue<DateOnly[]>(first);
        var purchases = r.GetFieldValue<int[]>(first + 1);
        var gross = r.GetFieldValue<decimal[]>(first + 2);
        var net = r.GetFieldValue<decimal[]>(first + 3);
        var cost = r.GetFieldValue<decimal[]>(first + 4);
        var hasCost = r.GetFieldValue<bool[]>(first + 5);
        var result = new List<DayFact>(days.Length);
        for (var i = 0; i < days.Length; i++)
        {
            result.Add(new DayFact(customerId, days[i], purchases[i], gross[i], net[i], cost[i], hasCost[i]));
        }

        return result;
    }

    private static DateTimeOffset? NullableTime(DbDataReader r, int ordinal) =>
        r.IsDBNull(ordinal) ? null : r.GetFieldValue<DateTimeOffset>(ordinal);
}
