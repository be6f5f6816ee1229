using System.Runtime.CompilerServices;
using Clv.Data.Infrastructure;
using Clv.Data.Ingestion;
using Clv.Data.Transactions;
using Npgsql;
using NpgsqlTypes;

namespace Clv.Data.Rollups;

/// <summary>
/// Keeps <c>customer_days</c> and <c>customer_summaries</c> current in the transaction that stores
/// the transactions, from the rows it inserted: the rollups never lag the rows, so no read waits
/// for them and none computes them. The rows are summed per customer and day in the API, which
/// holds them anyway. Customers the transaction created have no rollup rows yet: theirs are
/// COPYed whole. Known customers' summary rows are locked first, in id order; their days are
/// upserted with the sums added, and their summaries recomputed from their days (a handful of
/// rows per customer), which also settles what a sum cannot: the first purchase day, and the value
/// of the days after it.
/// </summary>
/// <remarks>
/// The lock makes concurrent writers of one customer take turns: the second recomputes after the
/// first commits, from days that include the first's. Every writer takes the summaries' locks
/// before the customers' rows (<see cref="TransactionWriter"/> moves <c>acquired_at</c> after
/// this), and each in id order, whatever plan the database picks, so writers wait for each other
/// without deadlocking. That holds for a profile write too, which locks the rows of the customers
/// it does not move without their summaries (<see cref="CustomerWriter"/>): a transaction writer
/// that dates one of those customers' acquisition waits for that row, in the same order.
/// </remarks>
internal static class RollupWriter
{
    /// <summary>
    /// Adds the inserted rows to the rollups of their customers, and returns the known customers
    /// it added to (in id order), whose contributions to <paramref name="periods"/> it subtracted
    /// once their summaries were locked: the caller adds them back after its last change. Of those,
    /// the ones that had no day before (a profile sent first) are returned apart, with the days of
    /// the customers the transaction created: every day of theirs is in the batch, so the caller
    /// adds their contributions from these days.
    /// </summary>
    /// <param name="connection">The writer's connection, in its transaction.</param>
    /// <param name="inserted">The rows the transaction inserted, with their customers' ids, in customer order.</param>
    /// <param name="created">Customers the transaction created: they get their rollup rows here, zeros for those without an inserted row.</param>
    /// <param name="timeZone">The reporting time zone whose calendar days the rollup holds.</param>
    /// <param name="periods">The group rollup's maintenance in this transaction.</param>
    /// <param name="ct">Cancels the write.</param>
    public static async Task<(long[] Known, long[] FirstTime, List<Day> AllDaysOf)> AddAsync(
        NpgsqlConnection connection,
        CustomerRows inserted,
        IReadOnlySet<long> created,
        TimeZoneInfo timeZone,
        PeriodRollups periods,
        CancellationToken ct)
    {
        var days = SumByDay(inserted, timeZone);
        var newDays = days.FindAll(d => created.Contains(d.CustomerId));
        var knownDays = newDays.Count == days.Count ? [] : days.FindAll(d => !created.Contains(d.CustomerId));
        if (created.Count > 0)
        {
            await CopyNewAsync(connection, newDays, created, ct);
        }

        if (knownDays.Count == 0)
        {
            return ([], [], newDays);
        }

        var (known, firstTime, firstDays) = await AddToKnownAsync(connection, knownDays, periods, ct);
        newDays.AddRange(firstDays);
        return (known, firstTime, newDays);
    }

    /// <summary>One customer's transactions of one day, summed as <c>customer_days</c> holds them.</summary>
    internal sealed class Day(long customerId, DateOnly date)
    {
        public long CustomerId { get; } = customerId;

        public DateOnly Date { get; } = date;

        public int Purchases { get; set; }

        public int Refunds { get; set; }

        public decimal Gross { get; set; }

        public decimal RefundAmount { get; set; }

        public decimal Cost { get; set; }

        public int CostCount { get; set; }

        public DateTimeOffset? FirstPurchaseAt { get; set; }

        public DateTimeOffset? LastPurchaseAt { get; set; }

        public decimal Net => Gross - RefundAmount;

        public void Add(TransactionRow row)
        {
            if (row.Type == TransactionType.Purchase)
            {
                Purchases++;
                Gross += row.Amount;
                FirstPurchaseAt = FirstPurchaseAt is { } first && first <= row.OccurredAt ? first : row.OccurredAt;
                LastPurchaseAt = LastPurchaseAt is { } last && last >= row.OccurredAt ? last : row.OccurredAt;
            }
            else
            {
                Refunds++;
                RefundAmount += row.Amount;
            }

            if (row.Cost is { } cost)
            {
                Cost += row.Type == TransactionType.Purchase ? cost : -cost;
                CostCount++;
            }
        }
    }

    // The rows (in customer order) summed per customer and calendar day, in (customer, day) order:
    // each customer's run of rows is sorted by day, and each run of one day makes a Day.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static List<Day> SumByDay(CustomerRows rows, TimeZoneInfo timeZone)
    {
        var utc = timeZone.BaseUtcOffset == TimeSpan.Zero && !timeZone.SupportsDaylightSavingTime;
        var byDay = (TransactionRow[])rows.Rows.Clone();
        var dates = new DateOnly[byDay.Length];
        for (var i = 0; i < byDay.Length; i++)
        {
            var at = byDay[i].OccurredAt;
            dates[i] = DateOnly.FromDateTime(utc ? at.UtcDateTime : TimeZoneInfo.ConvertTime(at, timeZone).DateTime);
        }

        var days = new List<Day>(byDay.Length);
        for (var start = 0; start < byDay.Length;)
        {
            var customer = rows.Customers[start];
            var end = start + 1;
            while (end < byDay.Length && rows.Customers[end] == customer)
            {
                end++;
            }

            Array.Sort(dates, byDay, start, end - start);
            for (var i = start; i < end; i++)
            {
                if (i == start || dates[i] != dates[i - 1])
                {
                    days.Add(new Day(customer, dates[i]));
                }

                days[^1].Add(byDay[i]);
            }

            start = end;
        }

        return days;
    }

    private const string DayColumns =
        "customer_id, day, purchase_count, refund_count, gross_revenue, refunds, cost, cost_count, first_purchase_at, last_purchase_at";

    private const string SummaryColumns =
        "customer_id, purchase_count, purchase_days, gross_revenue, refunds, net_revenue, known_cost, first_purchase_at, last_purchase_at, first_purchase_day, last_purchase_day, repeat_days_value";

    // New customers: their days as summed, and their summaries from those days, COPYed.
    private static async Task CopyNewAsync(NpgsqlConnection connection, List<Day> days, IReadOnlySet<long> created, CancellationToken ct)
    {
        if (days.Count > 0)
        {
            await CopyDaysAsync(connection, days, ct);
        }

        // Customers without an inserted row get zeros.
        var summaries = Summarize(days);
        var withDays = summaries.Select(summary => summary.CustomerId).ToHashSet();
        summaries.AddRange(created.Where(id => !withDays.Contains(id)).Select(id => Summary.Empty(id)));
        await using var copy = await PgBinaryCopyWriter.BeginAsync(connection, $"COPY customer_summaries ({SummaryColumns}) FROM STDIN (FORMAT BINARY)", ct);
        WriteSummaries(copy, summaries);
        await copy.CompleteAsync(ct);
    }

    private static async Task CopyDaysAsync(NpgsqlConnection connection, List<Day> days, CancellationToken ct)
    {
        await using var copy = await PgBinaryCopyWriter.BeginAsync(connection, $"COPY customer_days ({DayColumns}) FROM STDIN (FORMAT BINARY)", ct);
        WriteDays(copy, days);
        await copy.CompleteAsync(ct);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WriteDays(PgBinaryCopyWriter copy, List<Day> days)
    {
        foreach (var day in days)
        {
            copy.StartRow(10);
            copy.Write(day.CustomerId);
            copy.Write(day.Date);
            copy.Write(day.Purchases);
            copy.Write(day.Refunds);
            copy.WriteNumeric(day.Gross);
            copy.WriteNumeric(day.RefundAmount);
            copy.WriteNumeric(day.Cost);
            copy.Write(day.CostCount);
            copy.Write(day.FirstPurchaseAt);
            copy.Write(day.LastPurchaseAt);
        }
    }

    /// <summary>A customer's summary row, as <see cref="CustomerSummaries"/> computes it in SQL from the days.</summary>
    internal sealed record Summary(
        long CustomerId, int Purchases, int PurchaseDays, decimal Gross, decimal Refunds, decimal? KnownCost,
        DateTimeOffset? FirstAt, DateTimeOffset? LastAt, DateOnly? FirstDay, DateOnly? LastDay, decimal RepeatDaysValue)
    {
        public decimal Net => Gross - Refunds;

        public static Summary Empty(long customerId) => new(customerId, 0, 0, 0, 0, null, null, null, null, null, 0);
    }

    // The summaries of the customers whose days these are (in customer order), each over its run of
    // days: the same sums as CustomerSummaries computes in SQL.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static List<Summary> Summarize(List<Day> days)
    {
        var summaries = new List<Summary>();
        foreach (var (start, end) in CustomerRuns(days))
        {
            summaries.Add(Summarize(days, start, end));
        }

        return summaries;
    }

    /// <summary>Each customer's run of the days, which come in customer order: where it starts, and where the next begins.</summary>
    internal static IEnumerable<(int Start, int End)> CustomerRuns(IReadOnlyList<Day> days)
    {
        for (var start = 0; start < days.Count;)
        {
            var end = start + 1;
            while (end < days.Count && days[end].CustomerId == days[start].CustomerId)
            {
                end++;
            }

            yield return (start, end);
            start = end;
        }
    }

    private static Summary Summarize(List<Day> days, int start, int end)
    {
        int purchases = 0, purchaseDays = 0, costCount = 0;
        decimal gross = 0, refunds = 0, cost = 0, purchaseDaysValue = 0, firstDayValue = 0;
        DateTimeOffset? firstAt = null, lastAt = null;
        DateOnly? firstDay = null, lastDay = null;
        for (var i = start; i < end; i++)
        {
            var day = days[i];
            purchases += day.Purchases;
            gross += day.Gross;
            refunds += day.RefundAmount;
            cost += day.Cost;
            costCount += day.CostCount;
            if (day.Purchases == 0)
            {
                continue;
            }

            purchaseDays++;
            purchaseDaysValue += day.Net;
            if (firstDay is null)
            {
                (firstDay, firstDayValue) = (day.Date, day.Net);
            }

            lastDay = day.Date;
            firstAt = firstAt is { } f && f <= day.FirstPurchaseAt ? f : day.FirstPurchaseAt;
            lastAt = lastAt is { } l && l >= day.LastPurchaseAt ? l : day.LastPurchaseAt;
        }

        return new Summary(
            days[start].CustomerId, purchases, purchaseDays, gross, refunds, costCount > 0 ? cost : null,
            firstAt, lastAt, firstDay, lastDay, firstDay is null ? 0m : purchaseDaysValue - firstDayValue);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WriteSummaries(PgBinaryCopyWriter copy, List<Summary> summaries)
    {
        foreach (var summary in summaries)
        {
            copy.StartRow(12);
            copy.Write(summary.CustomerId);
            copy.Write(summary.Purchases);
            copy.Write(summary.PurchaseDays);
            copy.WriteNumeric(summary.Gross);
            copy.WriteNumeric(summary.Refunds);
            copy.WriteNumeric(summary.Net);
            copy.WriteNumeric(summary.KnownCost);
            copy.Write(summary.FirstAt);
            copy.Write(summary.LastAt);
            copy.Write(summary.FirstDay);
            copy.Write(summary.LastDay);
            copy.WriteNumeric(summary.RepeatDaysValue);
        }
    }

    // Known customers: lock their summaries. Those still empty (a profile sent before any
    // transaction, as CRMs do) have no days: theirs are COPYed and their summaries set from them,
    // as for new customers, and their contribution to the group rollup before the write is staged
    // from their profile. The others get the sums added to their days and their summaries
    // recomputed from their days, and their contributions subtracted from their days.
    private static async Task<(long[] More, long[] Empty, List<Day> FirstDays)> AddToKnownAsync(
        NpgsqlConnection connection, List<Day> days, PeriodRollups periods, CancellationToken ct)
    {
        var customers = days.Select(d => d.CustomerId).Distinct().ToArray(); // days come in customer order
        var empty = new HashSet<long>();
        await using (var lockSummaries = new NpgsqlCommand("""
            SELECT s.customer_id, s.purchase_count = 0 AND s.refunds = 0
            FROM customer_summaries s JOIN unnest(@ids) AS i(customer_id) USING (customer_id)
            ORDER BY s.customer_id
            FOR UPDATE OF s
            """, connection))
        {
            lockSummaries.Parameters.Add(CustomerSummaries.IdsParameter(customers));
            await using var reader = await lockSummaries.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                if (reader.GetBoolean(1))
                {
                    empty.Add(reader.GetInt64(0));
                }
            }
        }

        // Everyone's contribution is taken back from what is stored, read by a statement after the
        // lock's: one that waits for a lock sees the other tables as they were when it began, so
        // reading the profiles beside the lock took the channel and acquisition from before a
        // concurrent profile or subscription write that held it. The empty ones have no day.
        await periods.StageStoredAsync(connection, customers, -1, ct);
        var more = empty.Count == 0 ? customers : Array.FindAll(customers, id => !empty.Contains(id));
        var firstDays = days.FindAll(d => empty.Contains(d.CustomerId));
        if (firstDays.Count > 0)
        {
            await CopyDaysAsync(connection, firstDays, ct);
            await SetSummariesAsync(connection, Summarize(firstDays), ct);
        }

        var moreDays = firstDays.Count == 0 ? days : days.FindAll(d => !empty.Contains(d.CustomerId));
        if (moreDays.Count == 0)
        {
            return (more, [.. empty.Order()], firstDays);
        }

        await using (var upsert = new NpgsqlCommand(AddDaysSql, connection))
        {
            upsert.Parameters.Add(CustomerWriter.Array("customer", NpgsqlDbType.Bigint, moreDays.Select(d => d.CustomerId)));
            upsert.Parameters.Add(CustomerWriter.Array("day", NpgsqlDbType.Date, moreDays.Select(d => d.Date)));
            upsert.Parameters.Add(CustomerWriter.Array("purchases", NpgsqlDbType.Integer, moreDays.Select(d => d.Purchases)));
            upsert.Parameters.Add(CustomerWriter.Array("refund_count", NpgsqlDbType.Integer, moreDays.Select(d => d.Refunds)));
            upsert.Parameters.Add(CustomerWriter.Array("gross", NpgsqlDbType.Numeric, moreDays.Select(d => d.Gross)));
            upsert.Parameters.Add(CustomerWriter.Array("refunds", NpgsqlDbType.Numeric, moreDays.Select(d => d.RefundAmount)));
            upsert.Parameters.Add(CustomerWriter.Array("cost", NpgsqlDbType.Numeric, moreDays.Select(d => d.Cost)));
            upsert.Parameters.Add(CustomerWriter.Array("cost_count", NpgsqlDbType.Integer, moreDays.Select(d => d.CostCount)));
            upsert.Parameters.Add(CustomerWriter.Array("first_at", NpgsqlDbType.TimestampTz, moreDays.Select(d => d.FirstPurchaseAt)));
            upsert.Parameters.Add(CustomerWriter.Array("last_at", NpgsqlDbType.TimestampTz, moreDays.Select(d => d.LastPurchaseAt)));
            await upsert.ExecuteNonQueryAsync(ct);
        }

        await CustomerSummaries.RecomputeIdsAsync(connection, moreDays.Select(d => d.CustomerId).Distinct().ToArray(), ct);
        return (more, [.. empty.Order()], firstDays);
    }

    // The locked, empty summaries take the values computed from their first days.
    private static async Task SetSummariesAsync(NpgsqlConnection connection, List<Summary> summaries, CancellationToken ct)
    {
        await using var update = new NpgsqlCommand("""
            UPDATE customer_summaries s SET
                purchase_count = u.purchases, purchase_days = u.purchase_days, gross_revenue = u.gross, refunds = u.refunds,
                net_revenue = u.gross - u.refunds, known_cost = u.known_cost, first_purchase_at = u.first_at, last_purchase_at = u.last_at,
                first_purchase_day = u.first_day, last_purchase_day = u.last_day, repeat_days_value = u.repeat_value
            FROM unnest(@customer, @purchases, @purchase_days, @gross, @refunds, @known_cost, @first_at, @last_at, @first_day, @last_day, @repeat_value)
                AS u(customer_id, purchases, purchase_days, gross, refunds, known_cost, first_at, last_at, first_day, last_day, repeat_value)
            WHERE s.customer_id = u.customer_id
            """, connection);
        update.Parameters.Add(CustomerWriter.Array("customer", NpgsqlDbType.Bigint, summaries.Select(x => x.CustomerId)));
        update.Parameters.Add(CustomerWriter.Array("purchases", NpgsqlDbType.Integer, summaries.Select(x => x.Purchases)));
        update.Parameters.Add(CustomerWriter.Array("purchase_days", NpgsqlDbType.Integer, summaries.Select(x => x.PurchaseDays)));
        update.Parameters.Add(CustomerWriter.Array("gross", NpgsqlDbType.Numeric, summaries.Select(x => x.Gross)));
        update.Parameters.Add(CustomerWriter.Array("refunds", NpgsqlDbType.Numeric, summaries.Select(x => x.Refunds)));
        update.Parameters.Add(CustomerWriter.Array("known_cost", NpgsqlDbType.Numeric, summaries.Select(x => x.KnownCost)));
        update.Parameters.Add(CustomerWriter.Array("first_at", NpgsqlDbType.TimestampTz, summaries.Select(x => x.FirstAt)));
        update.Parameters.Add(CustomerWriter.Array("last_at", NpgsqlDbType.TimestampTz, summaries.Select(x => x.LastAt)));
        update.Parameters.Add(CustomerWriter.Array("first_day", NpgsqlDbType.Date, summaries.Select(x => x.FirstDay)));
        update.Parameters.Add(CustomerWriter.Array("last_day", NpgsqlDbType.Date, summaries.Select(x => x.LastDay)));
        update.Parameters.Add(CustomerWriter.Array("repeat_value", NpgsqlDbType.Numeric, summaries.Select(x => x.RepeatDaysValue)));
        await update.ExecuteNonQueryAsync(ct);
    }

    // least/greatest skip nulls: a day's first purchase stays when a refund adds to it.
    private const string AddDaysSql = $"""
        INSERT INTO customer_days AS d ({DayColumns})
        SELECT * FROM unnest(@customer, @day, @purchases, @refund_count, @gross, @refunds, @cost, @cost_count, @first_at, @last_at)
        ON CONFLICT (customer_id, day) DO UPDATE SET
            purchase_count = d.purchase_count + excluded.purchase_count,
            refund_count = d.refund_count + excluded.refund_count,
            gross_revenue = d.gross_revenue + excluded.gross_revenue,
            refunds = d.refunds + excluded.refunds,
            cost = d.cost + excluded.cost,
            cost_count = d.cost_count + excluded.cost_count,
            first_purchase_at = least(d.first_purchase_at, excluded.first_purchase_at),
            last_purchase_at = greatest(d.last_purchase_at, excluded.last_purchase_at)
        """;
}
