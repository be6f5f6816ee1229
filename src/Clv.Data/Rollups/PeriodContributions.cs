using System.Runtime.InteropServices;
using Clv.Data.Analytics.ReadModel;
using Clv.Data.Infrastructure;
using Npgsql;

namespace Clv.Data.Rollups;

/// <summary>
/// The contributions of customers whose every day a write holds in memory (customers it just
/// created, or whose profile came before any transaction) or reads back
/// (<see cref="PeriodRollups.StageStoredAsync"/>), computed in the API exactly as
/// <see cref="PeriodRollups"/>' SQL computes them from stored days, added or subtracted, summed
/// per cell and COPYed: a bulk import then costs the rollup one COPY of a few thousand rows per
/// batch instead of a statement over every day it wrote. A customer's contribution before a write
/// and after it net out in the sums, and cells that sum to zero are not written.
/// <c>PeriodRollupTests</c> and <c>PeriodRollupImportTests</c> check that the two give the same cells.
/// </summary>
internal sealed class PeriodContributions(int window)
{
    // A period kind's number is its length in months.
    private static readonly short[] Kinds = [PeriodRollups.Month, PeriodRollups.Quarter, PeriodRollups.Year];

    private readonly Dictionary<Key, Sums> _cells = [];

    // The counts of customers per unit of net revenue (PeriodRollups.ValueBuckets) and, for a past
    // day's corrections only, per net revenue (PeriodRollups.Values), apart: the period kinds'
    // cells, which a customer touches dozens of times, stay in a smaller dictionary of their own.
    private readonly Dictionary<(int Channel, short Kind, decimal Value), int> _values = [];

    // The cells key their channel by its number here, which hashes and compares faster than its
    // name, at dozens of lookups per customer.
    private readonly Dictionary<string, int> _channelIds = new(StringComparer.Ordinal);
    private readonly List<string> _channels = [];

    // Reused by each customer's Add: their days' money as stored, and one period kind's sums.
    private StoredDay[] _stored = new StoredDay[16];
    private readonly List<(int Period, PeriodSums Sums)> _periods = [];
    private readonly List<DateOnly> _marks = [];

    /// <summary>Whether no cell holds anything to write.</summary>
    public bool IsEmpty => _cells.Count == 0 && _values.Count == 0;

    /// <summary>
    /// Adds (<paramref name="sign"/> 1) or subtracts (−1) one customer's contributions: their
    /// channel, acquisition day and days in date order; with <paramref name="exactValues"/>, also
    /// their count at their net revenue (<see cref="PeriodRollups.Values"/>), which a past day's
    /// middles read (<see cref="ValueCounts"/>) and the table does not hold.
    /// </summary>
    public void Add(string channel, DateOnly? acquired, ReadOnlySpan<RollupWriter.Day> days, int sign = 1, bool exactValues = false)
    {
        var id = ChannelId(channel);
        if (_stored.Length < days.Length)
        {
            _stored = new StoredDay[Math.Max(days.Length, 2 * _stored.Length)];
        }

        var stored = _stored.AsSpan(0, days.Length);
        int purchaseDays = 0;
        decimal gross = 0, refunds = 0;
        for (var i = 0; i < stored.Length; i++)
        {
            var day = days[i];
            stored[i] = new StoredDay(day.Date, day.Purchases, Stored(day.Gross), Stored(day.RefundAmount), Stored(day.Cost));
            purchaseDays += day.Purchases > 0 ? 1 : 0;
            gross += stored[i].Gross;
            refunds += stored[i].Refunds;
        }

        if (exactValues)
        {
            CollectionsMarshal.GetValueRefOrAddDefault(_values, (id, PeriodRollups.Values, gross - refunds), out _) += sign;
        }

        CollectionsMarshal.GetValueRefOrAddDefault(_values, (id, PeriodRollups.ValueBuckets, PeriodRollups.BucketOf(gross - refunds)), out _) += sign;
        foreach (var kind in Kinds)
        {
            var cohort = acquired is { } a ? PeriodOf(a, kind) : NoPeriod;
            var members = Cell(new Key(id, kind, cohort, cohort, NoDay), acquired);
            members.Members += sign;
            members.Repeat += purchaseDays >= 2 ? sign : 0;
            AddPeriods(id, kind, cohort, stored, sign);
        }

        AddSpells(id, acquired, stored, sign);
    }

    // The number that keys a channel's cells.
    private int ChannelId(string channel)
    {
        if (!_channelIds.TryGetValue(channel, out var id))
        {
            _channelIds[channel] = id = _channels.Count;
            _channels.Add(channel);
        }

        return id;
    }

    // The days summed per period, with whether each was active, retained and the last active.
    private void AddPeriods(int channel, short kind, int cohort, ReadOnlySpan<StoredDay> days, int sign)
    {
        var periods = _periods;
        periods.Clear();
        foreach (var day in days)
        {
            var period = PeriodOf(day.Date, kind);
            if (periods.Count == 0 || periods[^1].Period != period)
            {
                periods.Add((period, default));
            }

            var (_, sums) = periods[^1];
            periods[^1] = (period, new PeriodSums(
                sums.Purchases + day.Purchases, sums.Gross + day.Gross, sums.Refunds + day.Refunds, sums.Cost + day.Cost, day.Date));
        }

        var lastActive = periods.FindLastIndex(p => p.Sums.Purchases > 0);
        for (var i = 0; i < periods.Count; i++)
        {
            var (period, sums) = periods[i];
            var cell = Cell(new Key(channel, kind, cohort, period, NoDay), sums.MaxDay);
            var active = sums.Purchases > 0;
            cell.Active += active ? sign : 0;
            cell.Retained += active && i > 0 && periods[i - 1].Sums.Purchases > 0 && periods[i - 1].Period == period - 1 ? sign : 0;
            cell.LastPurchases += i == lastActive ? sign : 0;
            cell.Purchases += sign * sums.Purchases;
            cell.Gross += Signed(sign, sums.Gross);
            cell.Refunds += Signed(sign, sums.Refunds);
            cell.Cost += Signed(sign, sums.Cost);
        }
    }

    // The alive spells of the acquisition day and the purchase days on or after it, in date order
    // as the days come.
    private void AddSpells(int channel, DateOnly? acquired, ReadOnlySpan<StoredDay> days, int sign)
    {
        if (acquired is not { } acquiredDay)
        {
            return;
        }

        var ordered = _marks;
        ordered.Clear();
        ordered.Add(acquiredDay);
        foreach (var day in days)
        {
            if (day.Purchases > 0 && day.Date > acquiredDay)
            {
                ordered.Add(day.Date);
            }
        }

        for (var first = 0; first < ordered.Count;)
        {
            var last = first;
            while (last + 1 < ordered.Count && ordered[last + 1].DayNumber - ordered[last].DayNumber <= window)
            {
                last++;
            }

            AddSpell(channel, ordered[first], ordered[last], last == ordered.Count - 1, sign);
            first = last + 1;
        }
    }

    private void AddSpell(int channel, DateOnly start, DateOnly lastDay, bool lastSpell, int sign)
    {
        var churnDay = lastDay.AddDays(window);
        foreach (var kind in Kinds)
        {
            // The churn period starts after the spell's first day exactly when it is a later period.
            var (startPeriod, churnPeriod) = (PeriodOf(start, kind), PeriodOf(churnDay, kind));
            for (var p = startPeriod + 1; p <= churnPeriod; p++)
            {
                Cell(new Key(channel, kind, NoPeriod, p, NoDay), lastDay).AtRisk += sign;
            }

            if (churnPeriod > startPeriod)
            {
                Cell(new Key(channel, kind, NoPeriod, churnPeriod, churnDay.DayNumber), lastDay).Churned += sign;
            }
        }

        if (lastSpell)
        {
            Cell(new Key(channel, PeriodRollups.Month, NoPeriod, PeriodOf(churnDay, PeriodRollups.Month), churnDay.DayNumber), lastDay).Lapsed += sign;
        }
    }

    // A day's money as customer_days stores it, numeric(…, 4): rounded half away from zero to 4
    // decimals, and written with 4, so that sums here have the scale of sums of stored days.
    // Most amounts have that scale already, or are zero.
    private static decimal Stored(decimal money) =>
        money.Scale == ColumnLimits.MoneyScale ? money
        : money == 0 ? 0.0000m
        : Math.Round(money, ColumnLimits.MoneyScale, MidpointRounding.AwayFromZero) + 0.0000m;

    // The amount with the sign of a contribution: a negation, where multiplying by −1 is a decimal multiplication.
    private static decimal Signed(int sign, decimal amount) => sign > 0 ? amount : -amount;

    // A period kind's periods as whole periods since the start of year 0, and back to their first day.
    private static int PeriodOf(DateOnly day, short kind) => ((day.Year * 12) + day.Month - 1) / kind;

    private static DateOnly? StartOf(int period, short kind) =>
        period == NoPeriod ? null : new DateOnly(period * kind / 12, (period * kind % 12) + 1, 1);

    private static DateOnly? DayOf(int dayNumber) => dayNumber == NoDay ? null : DateOnly.FromDayNumber(dayNumber);

    private Sums Cell(Key key, DateOnly? day)
    {
        ref var sums = ref CollectionsMarshal.GetValueRefOrAddDefault(_cells, key, out _);
        sums ??= new Sums();

        if (day is { } d && (sums.MaxDay is not { } max || d > max))
        {
            sums.MaxDay = d;
        }

        return sums;
    }

    /// <summary>COPYs the summed contributions into <c>period_rollups</c>, but cells that net out, and forgets them.</summary>
    public async Task CopyAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var copy = await PgBinaryCopyWriter.BeginAsync(
            connection, $"COPY period_rollups ({PeriodRollups.CellColumns}) FROM STDIN (FORMAT BINARY)", ct);
        foreach (var (key, sums) in _cells)
        {
            if (!sums.IsZero)
            {
                WriteRow(copy, key, null, sums);
            }
        }

        foreach (var ((channel, kind, value), members) in _values)
        {
            if (members != 0)
            {
                WriteRow(copy, new Key(channel, kind, NoPeriod, NoPeriod, NoDay), value, new Sums { Members = members });
            }
        }

        await copy.CompleteAsync(ct);
        _cells.Clear();
        _values.Clear();
    }

    // A row of period_rollups: a period kind's cell (no net value), or a count per unit of net value.
    private void WriteRow(PgBinaryCopyWriter copy, Key key, decimal? netValue, Sums sums)
    {
        copy.StartRow(19);
        copy.Write(_channels[key.Channel]);
        copy.Write(key.Kind);
        copy.Write(StartOf(key.Cohort, key.Kind));
        copy.Write(StartOf(key.Period, key.Kind));
        copy.Write(DayOf(key.ChurnDay));
        copy.WriteNumeric(netValue);
        copy.Write(sums.Members);
        copy.Write(sums.Repeat);
        copy.Write(sums.Active);
        copy.Write(sums.Retained);
        copy.Write(sums.LastPurchases);
        copy.Write(sums.Purchases);
        copy.WriteNumeric(sums.Gross);
        copy.WriteNumeric(sums.Refunds);
        copy.WriteNumeric(sums.Cost);
        copy.Write(sums.AtRisk);
        copy.Write(sums.Churned);
        copy.Write(sums.Lapsed);
        copy.Write(sums.MaxDay);
    }

    // The columns of a row of contributions (PeriodRollups.CellColumns, in order), with their
    // types and values, for RowsSql.
    private static readonly (string Name, string Type, Func<KeyValuePair<Key, Sums>[], List<string>, object> Values)[] RowColumns =
    [
        ("channel", "text", (cells, channels) => cells.Select(c => channels[c.Key.Channel]).ToArray()),
        ("period_kind", "smallint", (cells, _) => cells.Select(c => c.Key.Kind).ToArray()),
        ("cohort", "date", (cells, _) => cells.Select(c => StartOf(c.Key.Cohort, c.Key.Kind)).ToArray()),
        ("period", "date", (cells, _) => cells.Select(c => StartOf(c.Key.Period, c.Key.Kind)).ToArray()),
        ("churn_day", "date", (cells, _) => cells.Select(c => DayOf(c.Key.ChurnDay)).ToArray()),
        ("net_value", "numeric", (cells, _) => new decimal?[cells.Length]), // the period kinds' cells have none
        ("members", "int", (cells, _) => cells.Select(c => c.Value.Members).ToArray()),
        ("repeat", "int", (cells, _) => cells.Select(c => c.Value.Repeat).ToArray()),
        ("active", "int", (cells, _) => cells.Select(c => c.Value.Active).ToArray()),
        ("retained", "int", (cells, _) => cells.Select(c => c.Value.Retained).ToArray()),
        ("last_purchases", "int", (cells, _) => cells.Select(c => c.Value.LastPurchases).ToArray()),
        ("purchases", "bigint", (cells, _) => cells.Select(c => c.Value.Purchases).ToArray()),
        ("gross_revenue", "numeric", (cells, _) => cells.Select(c => c.Value.Gross).ToArray()),
        ("refunds", "numeric", (cells, _) => cells.Select(c => c.Value.Refunds).ToArray()),
        ("cost", "numeric", (cells, _) => cells.Select(c => c.Value.Cost).ToArray()),
        ("at_risk", "int", (cells, _) => cells.Select(c => c.Value.AtRisk).ToArray()),
        ("churned", "int", (cells, _) => cells.Select(c => c.Value.Churned).ToArray()),
        ("lapsed", "int", (cells, _) => cells.Select(c => c.Value.Lapsed).ToArray()),
        ("max_day", "date", (cells, _) => cells.Select(c => c.Value.MaxDay).ToArray()),
    ];

    /// <summary>
    /// The summed contributions as rows of <c>period_rollups</c>' columns
    /// (<see cref="PeriodRollups.CellColumns"/>, in order), for a query to read beside the table's
    /// rows: a <c>SELECT</c> over the parameters that <see cref="AddRowParameters"/> adds.
    /// </summary>
    public static string RowsSql { get; } =
        $"SELECT * FROM unnest({string.Join(", ", RowColumns.Select(c => $"@cells_{c.Name}::{c.Type}[]"))}) AS u({PeriodRollups.CellColumns})";

    /// <summary>
    /// The summed counts of customers per net revenue (<paramref name="kind"/>
    /// <see cref="PeriodRollups.Values"/>) or per unit of it (<see cref="PeriodRollups.ValueBuckets"/>), per channel, but those that net out.
    /// </summary>
    public IEnumerable<(string Channel, decimal Value, int Members)> ValueCounts(short kind) =>
        _values.Where(c => c.Key.Kind == kind && c.Value != 0).Select(c => (_channels[c.Key.Channel], c.Key.Value, c.Value));

    /// <summary>
    /// Adds the parameters of <see cref="RowsSql"/>: the summed contributions of the period kinds,
    /// but cells that net out. The counts per net revenue are not among them: a query walks those
    /// here (<see cref="ValueCounts"/>), and they are most of the rows (a customer whose net revenue
    /// changed moves between two values and often two units), sent again with every statement.
    /// </summary>
    public void AddRowParameters(NpgsqlCommand command)
    {
        var cells = _cells.Where(c => !c.Value.IsZero).ToArray();
        foreach (var (name, _, values) in RowColumns)
        {
            command.Parameters.Add(new NpgsqlParameter($"cells_{name}", values(cells, _channels)));
        }
    }

    // A period kind's cell: its cohort and period as PeriodOf numbers them, its churn day as a day
    // number (NoPeriod, NoDay: none), which hash and compare faster than dates that may be null, at
    // dozens of lookups per customer. The counts per net value are keyed in _values.
    private readonly record struct Key(int Channel, short Kind, int Cohort, int Period, int ChurnDay);

    private const int NoPeriod = int.MinValue, NoDay = int.MinValue;

    // A day's figures with its money as customer_days stores it (Stored), computed once per day.
    private readonly record struct StoredDay(DateOnly Date, int Purchases, decimal Gross, decimal Refunds, decimal Cost);

    // One period's sums of a customer's days, and the last of those days.
    private readonly record struct PeriodSums(long Purchases, decimal Gross, decimal Refunds, decimal Cost, DateOnly MaxDay);

    private sealed class Sums
    {
        public int Members { get; set; }

        public int Repeat { get; set; }

        public int Active { get; set; }

        public int Retained { get; set; }

        public int LastPurchases { get; set; }

        public long Purchases { get; set; }

        public decimal Gross { get; set; }

        public decimal Refunds { get; set; }

        public decimal Cost { get; set; }

        public int AtRisk { get; set; }

        public int Churned { get; set; }

        public int Lapsed { get; set; }

        public DateOnly? MaxDay { get; set; }

        // As PeriodRollups.NonZero has it, for the cells that compaction keeps.
        public bool IsZero => Members == 0 && Repeat == 0 && Active == 0 && Retained == 0 && LastPurchases == 0 && Purchases == 0
            && Gross == 0 && Refunds == 0 && Cost == 0 && AtRisk == 0 && Churned == 0 && Lapsed == 0;
    }

    /// <summary>The acquisition channel of a customer as the cells key it.</summary>
    public static string ChannelOf(string? channel) => channel ?? AnalyticsScope.Unattributed;
}
