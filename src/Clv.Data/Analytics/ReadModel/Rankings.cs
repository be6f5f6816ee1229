using Clv.Analytics.Portfolio;
using Npgsql;
using NpgsqlTypes;

namespace Clv.Data.Analytics.ReadModel;

/// <summary>
/// The portfolio-wide rankings that score one customer: the RFM quintile thresholds among the
/// buyers and the CLV tier boundaries among all customers, of one scope. Scoring a customer
/// against them gives exactly what ranking among every customer gives (docs/read-model.md):
/// <list type="bullet">
/// <item>A value scored higher-is-better among n values scores 1 + ⌊5·below/n⌋, below being the
/// values strictly under it. That is at least s exactly when below ≥ b = ⌈(s − 1)·n/5⌉, that is,
/// when the value exceeds the b-th smallest: the thresholds are the b-th smallest values for
/// s = 2..5, and the score is 1 + the thresholds it exceeds. Recency (lower is better) is the
/// mirror: the b-th largest values, and 1 + the thresholds it is under.</item>
/// <item>Tiers take the first ⌈1% n⌉, ⌈10% n⌉ and ⌈50% n⌉ customers by value, highest first, ties
/// to the lower id: the boundaries are the last customer (value, id) of each.</item>
/// </list>
/// </summary>
/// <param name="Buyers">Customers with a purchase: how many the RFM thresholds rank.</param>
/// <param name="Recency">Recency days at the quintile boundaries, for scores 2..5; empty without buyers.</param>
/// <param name="Frequency">Purchase days at the boundaries, for scores 2..5.</param>
/// <param name="Monetary">Net revenue at the boundaries, for scores 2..5.</param>
/// <param name="TierValues">The values of the last customer of the top 1%, top 10% and top 50%; empty without customers.</param>
/// <param name="TierIds">Those customers' ids.</param>
/// <param name="ByPrediction">Tiers rank predicted CLV (an active run exists), else historical CLV.</param>
public sealed record Rankings(
    long Buyers, int[] Recency, int[] Frequency, decimal[] Monetary, decimal[] TierValues, long[] TierIds, bool ByPrediction)
{
    /// <summary>The value customers <c>t</c> are tiered by, as SQL.</summary>
    public static string TierValueSql(string t, bool byPrediction) =>
        byPrediction ? $"coalesce({t}.predicted_clv, 0)" : $"{t}.net_revenue";

    /// <summary>The recency in days of customers <c>t</c> to the reference day, as SQL.</summary>
    public static string RecencySql(string t) => $"greatest(0, @reference - {t}.last_purchase_day)";

    /// <summary>
    /// Computes the rankings of a scope, set-based, in one scan of the scope's customers: recency
    /// and purchase days by their counts per value (a few hundred values), net revenue and the
    /// tiers' value by one sort each, the ties at a tier's boundary by id among those tied only.
    /// This reads every customer: it runs in the background for the current state, and in a
    /// request only for a past <c>asOf</c>.
    /// </summary>
    /// <remarks>
    /// A value at position b of n sorted is <c>percentile_disc((b − ½) / n)</c>: PostgreSQL takes
    /// the row at ⌈fraction · n⌉, which is b whatever the fraction's rounding, where a fraction
    /// b / n or (s − 1) / 5 could round to the row after b.
    /// </remarks>
    public static async Task<Rankings> ComputeAsync(NpgsqlConnection connection, AnalyticsScope scope, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(scope);
        await using var command = new NpgsqlCommand { Connection = connection };
        var byPrediction = scope.ActiveRun is not null;
        var tiers = Enumerable.Range(1, TierShares.Length).ToArray();
        var aroundBoundaries = string.Join(", ", tiers.Select(k =>
            $"count(*) FILTER (WHERE g.v > tv.vals[{k}]) AS above{k}, count(*) FILTER (WHERE g.v = tv.vals[{k}]) AS at{k}"));
        var boundaryIds = string.Join(", ", tiers.Select(k =>
            $"percentile_disc((SELECT (t.position - tc.above{k} - 0.5)::float8 / tc.at{k} FROM tiers t, tc WHERE t.k = {k})) "
            + $"WITHIN GROUP (ORDER BY g.customer_id) FILTER (WHERE g.v = tv.vals[{k}])"));
        var shares = string.Join(", ", tiers.Select(k => $"({k}, {TierShares[k - 1].ToString(System.Globalization.CultureInfo.InvariantCulture)}::float8)"));
        command.CommandText = scope.With(GroupSpec.All, command, "t.customer_id, t.purchase_days, t.last_purchase_day, t.net_revenue, t.predicted_clv", profiles: false) + $"""
            , g AS MATERIALIZED (
                SELECT g.customer_id, g.purchase_days AS frequency, {RecencySql("g")} AS recency, g.net_revenue AS monetary,
                       {TierValueSql("g", byPrediction)} AS v
                FROM grouped g
            ),
            n AS MATERIALIZED (SELECT count(*) FILTER (WHERE frequency > 0) AS buyers, count(*) AS everyone FROM g),
            quintiles AS MATERIALIZED (SELECT s, ((s - 1) * n.buyers + 4) / 5 AS position FROM n, generate_series(2, 5) s WHERE n.buyers > 0),
            r AS MATERIALIZED (
                SELECT v, sum(c) OVER (ORDER BY v DESC) AS upto
                FROM (SELECT recency AS v, count(*) AS c FROM g WHERE frequency > 0 GROUP BY recency) h
            ),
            f AS MATERIALIZED (
                SELECT v, sum(c) OVER (ORDER BY v) AS upto
                FROM (SELECT frequency AS v, count(*) AS c FROM g WHERE frequency > 0 GROUP BY frequency) h
            ),
            tiers AS MATERIALIZED (
                SELECT k, ceil(n.everyone::float8 * share)::bigint AS position
                FROM n, (VALUES {shares}) AS shares(k, share)
                WHERE n.everyone > 0
            ),
            tv AS MATERIALIZED (
                SELECT percentile_disc((SELECT array_agg((t.position - 0.5)::float8 / n.everyone ORDER BY t.k) FROM tiers t, n))
                       WITHIN GROUP (ORDER BY v DESC) AS vals
                FROM g
            ),
            tc AS MATERIALIZED (SELECT {aroundBoundaries} FROM g, tv)
            SELECT (SELECT buyers FROM n),
                   ARRAY(SELECT (SELECT r.v FROM r WHERE r.upto >= q.position ORDER BY r.v DESC LIMIT 1) FROM quintiles q ORDER BY q.s),
                   ARRAY(SELECT (SELECT f.v FROM f WHERE f.upto >= q.position ORDER BY f.v LIMIT 1) FROM quintiles q ORDER BY q.s),
                   coalesce((SELECT percentile_disc((SELECT array_agg((q.position - 0.5)::float8 / n.buyers ORDER BY q.s) FROM quintiles q, n))
                                    WITHIN GROUP (ORDER BY monetary)
                             FROM g WHERE frequency > 0), ARRAY[]::numeric[]),
                   coalesce((SELECT vals FROM tv), ARRAY[]::numeric[]),
                   CASE WHEN (SELECT everyone FROM n) > 0 THEN (SELECT ARRAY[{boundaryIds}] FROM g, tv) ELSE ARRAY[]::bigint[] END
            """;
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new Rankings(
            reader.GetInt64(0),
            reader.GetFieldValue<int[]>(1),
            reader.GetFieldValue<int[]>(2),
            reader.GetFieldValue<decimal[]>(3),
            reader.GetFieldValue<decimal[]>(4),
            reader.GetFieldValue<long[]>(5),
            byPrediction);
    }

    /// <summary>
    /// These rankings, of customers whose recency is measured to a reference day, as they rank with
    /// recency measured to a day <paramref name="days"/> earlier, the customers and their figures
    /// being the same: every recency is that many days shorter (none was clamped at 0, as no
    /// purchase falls after the earlier day), so the values at the quintile boundaries are too.
    /// Frequency, value and the tiers do not depend on the day.
    /// </summary>
    public Rankings MeasuredEarlier(int days) => this with { Recency = [.. Recency.Select(r => r - days)] };

    /// <summary>The RFM scores of one customer's recency days, purchase days and net revenue.</summary>
    public (int R, int F, int M) Score(int recencyDays, int purchaseDays, decimal netRevenue) =>
        (1 + Recency.Count(u => recencyDays < u), 1 + Frequency.Count(t => purchaseDays > t), 1 + Monetary.Count(t => netRevenue > t));

    /// <summary>The index into <see cref="CustomerStates.Tiers"/> of a customer's value and id.</summary>
    public int Tier(decimal value, long id)
    {
        for (var k = 0; k < TierValues.Length; k++)
        {
            if (value > TierValues[k] || (value == TierValues[k] && id <= TierIds[k]))
            {
                return k;
            }
        }

        return CustomerStates.Tiers.Count - 1;
    }

    /// <summary>The RFM segment name of customers <c>t</c> (<see cref="Rfm.NoPurchases"/> without a purchase), as SQL.</summary>
    public string SegmentSql(string t) => Buyers == 0
        ? $"'{Rfm.NoPurchases}'"
        : $"CASE WHEN {t}.purchase_days = 0 THEN '{Rfm.NoPurchases.Replace("'", "''", StringComparison.Ordinal)}' ELSE (@rfm_grid::text[])[{GridIndexSql(t)}] END";

    /// <summary>
    /// The RFM segment of customers <c>t</c> as a number, as SQL: its name's 1-based index into
    /// <c>@rfm_keys</c> (<see cref="Rfm.Segments"/>, then <see cref="Rfm.NoPurchases"/>). Grouping a
    /// million customers by numbers costs less than by the names (docs/benchmarks.md).
    /// </summary>
    public string SegmentCodeSql(string t) => Buyers == 0
        ? $"{SegmentKeys.Length}"
        : $"CASE WHEN {t}.purchase_days = 0 THEN {SegmentKeys.Length} ELSE (@rfm_codes::int[])[{GridIndexSql(t)}] END";

    /// <summary>The CLV tier name of customers <c>t</c>, as SQL.</summary>
    public string TierSql(string t) => TierCaseSql(t, k => $"'{CustomerStates.Tiers[k]}'");

    /// <summary>The CLV tier of customers <c>t</c> as a number, as SQL: its name's 1-based index into <c>@tier_keys</c> (<see cref="CustomerStates.Tiers"/>).</summary>
    public string TierCodeSql(string t) => TierCaseSql(t, k => $"{k + 1}");

    // The tier of customers t, each tier k (0-based) given as tier(k).
    private string TierCaseSql(string t, Func<int, string> tier)
    {
        if (TierValues.Length == 0)
        {
            // No customer to rank: a CASE without a WHEN is not SQL.
            return tier(CustomerStates.Tiers.Count - 1);
        }

        var value = TierValueSql(t, ByPrediction);
        var cases = string.Concat(Enumerable.Range(0, TierValues.Length).Select(k =>
            $"WHEN {value} > @tier_value{k + 1} OR ({value} = @tier_value{k + 1} AND {t}.customer_id <= @tier_id{k + 1}) THEN {tier(k)} "));
        return $"CASE {cases}ELSE {tier(CustomerStates.Tiers.Count - 1)} END";
    }

    // The 1-based index into the grid of a buyer t's segment: by R (5 down to 1) and
    // FM = ⌈(F + M) / 2⌉, as Rfm.Segment.
    private static string GridIndexSql(string t)
    {
        var r = Above("rfm_recency", RecencySql(t), "<");
        var f = Above("rfm_frequency", $"{t}.purchase_days", ">");
        var m = Above("rfm_monetary", $"{t}.net_revenue", ">");
        return $"(5 - ({r})) * 5 + (({f}) + ({m}) + 1) / 2";
    }

    internal void AddParameters(NpgsqlCommand command)
    {
        // One parameter per threshold and boundary: a subscript per customer and threshold costs a
        // scan of a million customers seconds.
        for (var k = 0; k < Recency.Length; k++)
        {
            command.Parameters.Add(new NpgsqlParameter($"rfm_recency{k + 1}", Recency[k]));
            command.Parameters.Add(new NpgsqlParameter($"rfm_frequency{k + 1}", Frequency[k]));
            command.Parameters.Add(new NpgsqlParameter($"rfm_monetary{k + 1}", Monetary[k]));
        }

        command.Parameters.Add(new NpgsqlParameter("rfm_grid", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = Grid });
        command.Parameters.Add(new NpgsqlParameter("rfm_codes", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = GridCodes });
        command.Parameters.Add(new NpgsqlParameter("rfm_keys", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = SegmentKeys });
        command.Parameters.Add(new NpgsqlParameter("tier_keys", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = TierKeys });
        for (var k = 0; k < TierValues.Length; k++)
        {
            command.Parameters.Add(new NpgsqlParameter($"tier_value{k + 1}", TierValues[k]));
            command.Parameters.Add(new NpgsqlParameter($"tier_id{k + 1}", TierIds[k]));
        }
    }

    // The shares of customers, highest value first, that end the tiers but the last.
    private static readonly double[] TierShares = [0.01, 0.10, 0.50];

    // Rfm's grid as 25 segments, row R = 5 first, FM 1..5 in each row: 1-based index (5 − R)·5 + FM;
    // each as SegmentCodeSql's number (1-based into SegmentKeys), and as its name.
    private static readonly int[] GridCodes =
        [.. from r in Enumerable.Range(1, 5).Reverse() from fm in Enumerable.Range(1, 5) select Rfm.Segment(r, fm, fm) + 1];

    private static readonly string[] Grid = [.. GridCodes.Select(code => Rfm.Segments[code - 1])];

    // The segment names by SegmentCodeSql's numbers, and the tier names by TierCodeSql's.
    private static readonly string[] SegmentKeys = [.. Rfm.Segments, Rfm.NoPurchases];

    private static readonly string[] TierKeys = [.. CustomerStates.Tiers];

    // 1 + the number of the four thresholds the value is beyond, as SQL.
    private static string Above(string thresholds, string value, string beyond) =>
        "1" + string.Concat(Enumerable.Range(1, 4).Select(k => $" + ({value} {beyond} @{thresholds}{k})::int"));
}
