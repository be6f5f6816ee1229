using System.Globalization;
using System.Text;
using Npgsql;

namespace Clv.Api.Tests.ReadModel;

/// <summary>
/// The time series, cohorts, segments and summary recomputed from scratch, written here apart from
/// the product: from the raw rows (customers, transactions, acquisition spend, survey answers, the
/// active run's predictions), each transaction and answer put on its day in the reporting zone
/// here, and every figure counted day by day, with no rollup, no spell and none of the product's
/// period, grouping, ranking or report code. The product's in-memory reports read the per-day rollup
/// (<c>customer_days</c>) that ingest maintains; this reads the transactions themselves, so a
/// wrong day rollup fails here too. Definitions as docs/metrics.md gives them:
/// <list type="bullet">
/// <item>a customer is acquired at the time their profile sent, or else at the earliest of their
/// transactions and subscription starts, and counts as of a day when acquired by it, or without
/// an acquisition date;</item>
/// <item>activity after the last day (the day asked, or today) is left out, and a period after it is unknown;</item>
/// <item>alive on a day: acquired by it, and fewer than the churn window's days since the latest
/// of the acquisition day and the purchase days from it on; a period's churn counts the customers
/// alive on its eve who are not alive on one of its days;</item>
/// <item>spend is prorated by days over the part of the period up to the last day; CAC is unknown
/// where none of the group's spend overlaps the period;</item>
/// <item>gross profit is net revenue less the cost of purchases, plus the cost of refunds (no cost
/// sent counts 0); CLV:CAC is the new customers' mean gross profit over CAC, and the predicted
/// one their mean prediction (none counting 0) over CAC; a segment's predicted equity sums the
/// active run's predictions of its customers, and their mean is over those it predicted;</item>
/// <item>the formula CLV's inputs, over the 12 complete months ending on or before the reference
/// day: the net revenue of their days, the months whose eve a customer was alive on, and of those
/// the months with a day they were not alive on;</item>
/// <item>payback: months counted from the acquisition month (month 1); month j adds the new
/// customers' gross profit in their month j over those whose month j has begun by the reference
/// day; the first month at which the sum reaches CAC; the health of CLV:CAC and of the payback
/// in the bands of docs/metrics.md (<see cref="Bands"/>);</item>
/// <item>a subscription is active at the end of a day it started on or before and did not end on
/// or before; a period's MRR and active subscriptions are those active at the end of its last day
/// (or the last day counted); its churn rate is the subscriptions ended in it over those started
/// before it and not ended before it; its monthly amount is a twelfth of a yearly one, and one
/// sent in euros is converted at the rate of its start's day;</item>
/// <item>a customer's plan is that of their latest-started subscription started by the reference
/// day, and their NPS class that of their latest NPS answer given by the cutoff (any, without one);
/// "none" without either.</item>
/// </list>
/// </summary>
internal sealed class FromScratch
{
    private const string Unknown = "unknown";

    private readonly List<Customer> _customers;
    private readonly List<(string Channel, DateOnly Start, DateOnly End, decimal Amount)> _spend;

    // Whether a model run is active: CLV tiers then rank its predictions.
    private readonly bool _predicted;

    private FromScratch(List<Customer> customers, List<(string, DateOnly, DateOnly, decimal)> spend, bool predicted) =>
        (_customers, _spend, _predicted) = (customers, spend, predicted);

    // The series recomputed here: every metric of transactions, profiles, spend, survey answers and subscriptions.
    private static readonly HashSet<string> SeriesMetrics =
        ["ActiveCustomers", "NewCustomers", "ChurnedCustomers", "ChurnRate", "RetentionRate", "NetRevenue", "AverageOrderValue", "Spend", "Cac", "Nps", "Csat",
         "Mrr", "ActiveSubscriptions", "NewSubscriptions", "CancelledSubscriptions", "SubscriptionChurnRate"];

    /// <summary>The groupings recomputed here: every one the property tests ask for.</summary>
    public static bool Groups(string by) =>
        by is "all" or "acquisitionChannel" or "country" or "cohort" or "rfmSegment" or "clvTier" or "plan" or "npsClass"
        || by.StartsWith("attribute:", StringComparison.Ordinal);

    private sealed record Customer(
        long Id, string Channel, string Country, Dictionary<string, string> Attributes, SortedDictionary<int, (int Purchases, decimal Gross, decimal Net)> Days)
    {
        /// <summary>The acquisition day; null without one.</summary>
        public int? Acquired { get; set; }

        /// <summary>The active model run's prediction; null where it has none (or there is no run).</summary>
        public decimal? Predicted { get; set; }

        /// <summary>The cost per day: that of purchases less that of refunds; days without one absent.</summary>
        public SortedDictionary<int, decimal> Costs { get; } = [];

        /// <summary>Every survey answer: its day in the reporting zone, "Nps" or "Csat", its score, time and external id.</summary>
        public List<(int Day, string Kind, int Score, DateTime At, string Id)> Answers { get; } = [];

        /// <summary>Every subscription.</summary>
        public List<Subscription> Subscriptions { get; } = [];
    }

    /// <summary>A subscription: its days of start and end in the reporting zone, its monthly-equivalent amount, plan, start time and external id.</summary>
    private sealed record Subscription(int Start, int? End, decimal Monthly, string Plan, DateTime StartedAt, string Id)
    {
        /// <summary>Active at the end of the day: started on or before it, and not ended on or before it.</summary>
        public bool ActiveAtEndOf(int day) => Start <= day && !(End <= day);

        /// <summary>Active at the start of the day: started before it, and not ended before it.</summary>
        public bool ActiveAtStartOf(int day) => Start < day && !(End < day);

        /// <summary>Ended on a day of [first, last].</summary>
        public bool EndedWithin(int first, int last) => End >= first && End <= last;
    }


    /// <summary>
    /// Reads the raw rows of the database and puts the transactions on their days in
    /// <paramref name="zone"/>. A transaction sent in euros counts its amount as sent, converted
    /// here at the latest of <paramref name="euroRates"/> on or at most 7 days before its day
    /// (the rates in force when it was ingested), rounded to 4 decimals; a subscription sent in
    /// euros, at the rates <paramref name="subscriptionRates"/> gives for its external id (those in
    /// force when its amount, currency or start last changed), as of its start's day.
    /// </summary>
    public static async Task<FromScratch> LoadAsync(
        string connectionString, TimeZoneInfo zone, IReadOnlyDictionary<DateOnly, decimal>? euroRates = null,
        Func<string, IReadOnlyDictionary<DateOnly, decimal>>? subscriptionRates = null)
    {
        DateOnly Local(DateTime utc) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(utc, zone));
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var customers = new Dictionary<long, Customer>();
        // The acquisition time each customer's profile sent, or else the earliest of their transactions and subscription starts.
        var acquiredAt = new Dictionary<long, DateTime>();
        var explicitly = new HashSet<long>();
        void Earliest(long customer, DateTime at)
        {
            if (!explicitly.Contains(customer) && (!acquiredAt.TryGetValue(customer, out var kept) || at < kept))
            {
                acquiredAt[customer] = at;
            }
        }

        await using (var command = new NpgsqlCommand(
            "SELECT id, acquisition_channel, country, attributes::text, CASE WHEN acquired_at_is_explicit THEN acquired_at END FROM customers", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var id = reader.GetInt64(0);
                var attributes = reader.IsDBNull(3) ? [] : System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(3))!;
                customers[id] = new Customer(
                    id,
                    reader.IsDBNull(1) ? "unattributed" : reader.GetString(1),
                    reader.IsDBNull(2) ? Unknown : reader.GetString(2),
                    attributes,
                    []);
                if (!reader.IsDBNull(4))
                {
                    acquiredAt[id] = reader.GetDateTime(4);
                    explicitly.Add(id);
                }
            }
        }

        await using (var command = new NpgsqlCommand(
            "SELECT customer_id, occurred_at, type, amount, original_amount, original_currency, cost, original_cost FROM transactions", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var customer = customers[reader.GetInt64(0)];
                Earliest(customer.Id, reader.GetDateTime(1));
                var local = Local(reader.GetDateTime(1));
                var day = local.DayNumber;
                var converted = !reader.IsDBNull(5);
                var amount = converted ? InEuros(reader.GetString(5), reader.GetDecimal(4), local, euroRates) : reader.GetDecimal(3);
                var purchase = reader.GetInt16(2) == 1;
                var (purchases, gross, net) = customer.Days.GetValueOrDefault(day);
                customer.Days[day] = purchase ? (purchases + 1, gross + amount, net + amount) : (purchases, gross, net - amount);
                if (!reader.IsDBNull(converted ? 7 : 6))
                {
                    var cost = converted ? InEuros(reader.GetString(5), reader.GetDecimal(7), local, euroRates) : reader.GetDecimal(6);
                    customer.Costs[day] = customer.Costs.GetValueOrDefault(day) + (purchase ? cost : -cost);
                }
            }
        }

        await using (var command = new NpgsqlCommand("SELECT customer_id, answered_at, kind, score, external_id FROM feedback", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var kind = reader.GetInt16(2) switch { 1 => "Nps", 2 => "Csat", var other => throw new InvalidOperationException($"Survey kind {other}.") };
                var at = reader.GetDateTime(1);
                customers[reader.GetInt64(0)].Answers.Add((Local(at).DayNumber, kind, reader.GetInt16(3), at, reader.GetString(4)));
            }
        }

        // Subscriptions, their amount as sent (converted here when sent in euros): a yearly one's
        // monthly equivalent is a twelfth of its amount.
        await using (var command = new NpgsqlCommand(
            "SELECT customer_id, started_at, ended_at, billing_period, amount, plan, external_id, original_currency, original_amount FROM subscriptions", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var (customer, startedAt) = (customers[reader.GetInt64(0)], reader.GetDateTime(1));
                Earliest(customer.Id, startedAt);
                var amount = reader.IsDBNull(7)
                    ? reader.GetDecimal(4)
                    : InEuros(reader.GetString(7), reader.GetDecimal(8), Local(startedAt), subscriptionRates?.Invoke(reader.GetString(6)));
                var monthly = reader.GetInt16(3) switch
                {
                    1 => amount,
                    2 => amount / 12,
                    var other => throw new InvalidOperationException($"Billing period {other}."),
                };
                customer.Subscriptions.Add(new Subscription(
                    Local(startedAt).DayNumber, reader.IsDBNull(2) ? null : Local(reader.GetDateTime(2)).DayNumber, monthly, reader.GetString(5), startedAt, reader.GetString(6)));
            }
        }

        foreach (var (id, at) in acquiredAt)
        {
            customers[id].Acquired = Local(at).DayNumber;
        }

        var predicted = false;
        await using (var command = new NpgsqlCommand(
            "SELECT r.id, p.customer_id, p.predicted_clv FROM model_runs r LEFT JOIN customer_predictions p ON p.run_id = r.id WHERE r.is_active", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                predicted = true;
                if (!reader.IsDBNull(1) && customers.TryGetValue(reader.GetInt64(1), out var customer))
                {
                    customer.Predicted = reader.IsDBNull(2) ? null : reader.GetDecimal(2);
                }
            }
        }

        var spend = new List<(string, DateOnly, DateOnly, decimal)>();
        await using (var command = new NpgsqlCommand("SELECT channel, period_start, period_end, amount FROM acquisition_spend", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                spend.Add((reader.GetString(0), reader.GetFieldValue<DateOnly>(1), reader.GetFieldValue<DateOnly>(2), reader.GetDecimal(3)));
            }
        }

        return new FromScratch([.. customers.Values], spend, predicted);
    }

    /// <summary>
    /// The series of <paramref name="metric"/> per <paramref name="period"/> ("month", "quarter",
    /// "year") from the period holding <paramref name="from"/> to the one holding
    /// <paramref name="to"/>, one line per group in key order, each point as
    /// <c>label start..end value</c>.
    /// </summary>
    public string Series(string metric, string by, string period, DateOnly from, DateOnly to, DateOnly? cutoff, DateOnly reference, int window)
    {
        if (!SeriesMetrics.Contains(metric))
        {
            throw new ArgumentOutOfRangeException(nameof(metric), metric, "Not recomputed here: add its definition.");
        }

        var lastDay = Math.Min((cutoff ?? DateOnly.MaxValue).DayNumber, reference.DayNumber);
        // starts[0] is the period before the first shown (its buyers are the first's retention base);
        // starts[^1] is the day after the last shown.
        var starts = new List<DateOnly> { Next(Start(from, period), period, -1) };
        while (starts[^1] <= Start(to, period))
        {
            starts.Add(Next(starts[^1], period, 1));
        }

        var count = starts.Count - 1;
        int PeriodOf(int day) => starts.FindLastIndex(s => s.DayNumber <= day) is var k && k < count ? k : -1;
        var top = new Dictionary<string, decimal[]>(StringComparer.Ordinal);
        var bottom = new Dictionary<string, decimal[]>(StringComparer.Ordinal);
        var recorded = new Dictionary<string, bool[]>(StringComparer.Ordinal);
        decimal[] Of(Dictionary<string, decimal[]> sums, string key) => sums.TryGetValue(key, out var kept) ? kept : sums[key] = new decimal[count];
        var groups = new SortedSet<string>(StringComparer.Ordinal);
        if (by == "all")
        {
            groups.Add("all");
        }

        var keyOf = KeysAsOf(by, period, cutoff, reference);
        foreach (var customer in _customers)
        {
            if (customer.Acquired is { } acquired && cutoff is { } day && acquired > day.DayNumber)
            {
                continue;
            }

            var key = keyOf(customer);
            groups.Add(key);
            var (numerator, denominator) = (Of(top, key), Of(bottom, key));
            var days = customer.Days.Where(d => d.Key <= lastDay).ToList();
            var active = new bool[count];
            foreach (var (d, (purchases, gross, net)) in days)
            {
                if (PeriodOf(d) is var k && k < 0)
                {
                    continue;
                }

                active[k] |= purchases > 0;
                if (metric == "NetRevenue")
                {
                    numerator[k] += net;
                }
                else if (metric == "AverageOrderValue")
                {
                    (numerator[k], denominator[k]) = (numerator[k] + gross, denominator[k] + purchases);
                }
            }

            // Every answer given in the period, up to the last day: NPS values a promoter (9-10)
            // 100, a passive (7-8) 0 and a detractor (0-6) -100; CSAT counts the 4s and 5s.
            foreach (var (answered, kind, score, _, _) in customer.Answers)
            {
                if (kind == metric && answered <= lastDay && PeriodOf(answered) is var k && k >= 0)
                {
                    numerator[k] += metric == "Nps" ? (score >= 9 ? 100 : score <= 6 ? -100 : 0) : (score >= 4 ? 1 : 0);
                    denominator[k]++;
                }
            }

            for (var k = 1; k < count; k++)
            {
                switch (metric)
                {
                    case "ActiveCustomers":
                        numerator[k] += active[k] ? 1 : 0;
                        break;
                    case "RetentionRate":
                        denominator[k] += active[k - 1] ? 1 : 0;
                        numerator[k] += active[k - 1] && active[k] ? 1 : 0;
                        break;
                    case "NewCustomers" or "Cac" when customer.Acquired is { } a && a <= lastDay && PeriodOf(a) == k:
                        (metric == "Cac" ? denominator : numerator)[k]++;
                        break;
                    case "ChurnedCustomers" or "ChurnRate" when starts[k].DayNumber <= lastDay && Alive(customer, days, starts[k].DayNumber - 1, window):
                        denominator[k]++;
                        var last = Math.Min(starts[k + 1].DayNumber - 1, lastDay);
                        numerator[k] += Enumerable.Range(starts[k].DayNumber, last - starts[k].DayNumber + 1).Any(x => !Alive(customer, days, x, window)) ? 1 : 0;
                        break;
                }

                // The period's last day counted is the last day at most.
                var (first, end) = (starts[k].DayNumber, Math.Min(starts[k + 1].DayNumber - 1, lastDay));
                if (first > lastDay)
                {
                    continue;
                }

                foreach (var subscription in customer.Subscriptions)
                {
                    var (activeAtEnd, endedInPeriod) = (subscription.ActiveAtEndOf(end), subscription.EndedWithin(first, end));
                    switch (metric)
                    {
                        case "Mrr":
                            numerator[k] += activeAtEnd ? subscription.Monthly : 0;
                            break;
                        case "ActiveSubscriptions":
                            numerator[k] += activeAtEnd ? 1 : 0;
                            break;
                        case "NewSubscriptions":
                            numerator[k] += subscription.Start >= first && subscription.Start <= end ? 1 : 0;
                            break;
                        case "CancelledSubscriptions":
                            numerator[k] += endedInPeriod ? 1 : 0;
                            break;
                        case "SubscriptionChurnRate":
                            numerator[k] += endedInPeriod ? 1 : 0;
                            denominator[k] += subscription.ActiveAtStartOf(first) ? 1 : 0;
                            break;
                    }
                }
            }
        }

        if (metric is "Spend" or "Cac" && by is "all" or "acquisitionChannel")
        {
            foreach (var (channel, start, end, amount) in _spend)
            {
                var key = by == "all" ? "all" : channel;
                if (metric == "Spend")
                {
                    groups.Add(key); // a channel's spend shows even when none of its customers counts
                }

                var (numerator, overlaps) = (Of(top, key), recorded.TryGetValue(key, out var kept) ? kept : recorded[key] = new bool[count]);
                for (var k = 1; k < count && starts[k].DayNumber <= lastDay; k++)
                {
                    if (Prorated((start, end, amount), starts[k].DayNumber, Math.Min(starts[k + 1].DayNumber - 1, lastDay)) is { } part)
                    {
                        numerator[k] += part;
                        overlaps[k] = true;
                    }
                }
            }
        }

        var text = new StringBuilder();
        foreach (var key in groups)
        {
            var (numerator, denominator) = (Of(top, key), Of(bottom, key));
            var points = Enumerable.Range(1, count - 1).Select(k =>
            {
                var unknown = starts[k].DayNumber > lastDay || (metric == "Cac" && !(recorded.GetValueOrDefault(key)?[k] ?? false));
                var value = unknown ? null : Value(metric, numerator[k], denominator[k]);
                return $"{Label(starts[k], period)} {starts[k]:yyyy-MM-dd}..{starts[k + 1].AddDays(-1):yyyy-MM-dd} {value?.ToString(CultureInfo.InvariantCulture) ?? "null"}";
            });
            text.Append(CultureInfo.InvariantCulture, $"{key}: {string.Join(", ", points)}\n");
        }

        return text.ToString();
    }

    /// <summary>
    /// The cohort matrix per <paramref name="period"/> of the customers acquired in
    /// [<paramref name="from"/>, <paramref name="to"/>] (of <paramref name="channel"/> only, when
    /// given), one line per cohort as the property test renders it: per period since the
    /// acquisition one, the customers who bought in it (or, <paramref name="onOrAfter"/>, in it or
    /// a later one), their share of the cohort, its net revenue and the cumulative net revenue per
    /// customer.
    /// </summary>
    public string Cohorts(string period, DateOnly from, DateOnly to, string? channel, bool onOrAfter, DateOnly? cutoff, DateOnly reference)
    {
        var lastDay = DateOnly.FromDayNumber(Math.Min((cutoff ?? DateOnly.MaxValue).DayNumber, reference.DayNumber));
        int Since(DateOnly cohort, int day) =>
            ((DateOnly.FromDayNumber(day).Year * 12) + DateOnly.FromDayNumber(day).Month - ((cohort.Year * 12) + cohort.Month)) / Months(period);
        var cohorts = new SortedDictionary<DateOnly, (int Size, int[] Active, decimal[] Net)>();
        foreach (var customer in _customers)
        {
            if (customer.Acquired is not { } acquired || acquired < from.DayNumber || acquired > to.DayNumber || acquired > lastDay.DayNumber
                || (channel is not null && customer.Channel != channel))
            {
                continue;
            }

            var start = Start(DateOnly.FromDayNumber(acquired), period);
            if (!cohorts.TryGetValue(start, out var cohort))
            {
                var columns = Since(start, lastDay.DayNumber) + 1;
                cohort = (0, new int[columns], new decimal[columns]);
            }

            var bought = new bool[cohort.Active.Length];
            foreach (var (day, (purchases, _, net)) in customer.Days.Where(d => d.Key <= lastDay.DayNumber && d.Key >= start.DayNumber))
            {
                cohort.Net[Since(start, day)] += net;
                bought[Since(start, day)] |= purchases > 0;
            }

            var lastBought = Array.LastIndexOf(bought, true);
            for (var k = 0; k < bought.Length; k++)
            {
                cohort.Active[k] += (onOrAfter ? k <= lastBought : bought[k]) ? 1 : 0;
            }

            cohorts[start] = (cohort.Size + 1, cohort.Active, cohort.Net);
        }

        return string.Concat(cohorts.Select(c =>
        {
            var (size, active, net) = c.Value;
            decimal sum = 0;
            var cumulative = net.Select(n => Math.Round((sum += n) / size, 4, MidpointRounding.AwayFromZero));
            return $"{c.Key:yyyy-MM-dd} size {size}: active [{string.Join(' ', active)}] "
                + $"retention [{string.Join(' ', active.Select(a => ((double)a / size).ToString("R", CultureInfo.InvariantCulture)))}] "
                + $"net [{string.Join(' ', net.Select(n => n.ToString(CultureInfo.InvariantCulture)))}] "
                + $"cumulative [{string.Join(' ', cumulative.Select(x => x.ToString(CultureInfo.InvariantCulture)))}]\n";
        }));
    }

    /// <summary>
    /// The segments' counts, money and activity by <paramref name="by"/> as of <paramref name="cutoff"/>
    /// (null: now) seen from <paramref name="reference"/>, new customers and spend over
    /// [<paramref name="from"/> (null: all time), <paramref name="to"/>], as <see cref="Render(IEnumerable{Clv.Analytics.Portfolio.SegmentFigures})"/>
    /// renders them: largest segment first. A segment shows with customers, or with spend over the
    /// range (channels, everyone). The median is the mean of the two middle net revenues. Activity
    /// is over the last complete <paramref name="period"/> on or before the reference day: its
    /// buyers, the share of the previous period's buyers who bought again in it (and who did not),
    /// and of the customers alive on its eve, the share not alive on one of its days. The health
    /// of CLV:CAC and of the payback in <paramref name="bands"/>.
    /// </summary>
    public string Segments(string by, string period, DateOnly? from, DateOnly to, DateOnly? cutoff, DateOnly reference, int window, Bands bands)
    {
        var last = (cutoff ?? DateOnly.MaxValue).DayNumber;
        // The last complete period on or before the reference day, and the one before it.
        var (first, end) = LastComplete(reference, period);

        var before = Next(first, period, -1);
        // The formula CLV's window: the 12 complete months ending on or before the reference day.
        var thisMonth = Start(reference, "month");
        var latestMonth = Next(thisMonth, "month", 1).AddDays(-1) == reference ? thisMonth : Next(thisMonth, "month", -1);
        var windowMonths = Enumerable.Range(-11, 12).Select(k => Next(latestMonth, "month", k)).ToList();
        var (windowFirst, windowLast) = (windowMonths[0].DayNumber, Next(latestMonth, "month", 1).DayNumber - 1);
        bool BoughtIn(List<KeyValuePair<int, (int Purchases, decimal Gross, decimal Net)>> days, DateOnly from, DateOnly to) =>
            days.Any(d => d.Value.Purchases > 0 && d.Key >= from.DayNumber && d.Key <= to.DayNumber);
        var groups = new Dictionary<string, Segment>(StringComparer.Ordinal);
        var keyOf = KeysAsOf(by, period, cutoff, reference);
        foreach (var customer in _customers.Where(c => c.Acquired is not { } a || a <= last))
        {
            var key = keyOf(customer);
            var segment = groups.TryGetValue(key, out var kept) ? kept : groups[key] = new Segment();
            var days = customer.Days.Where(d => d.Key <= last).ToList();
            var purchaseDays = days.Where(d => d.Value.Purchases > 0).Select(d => d.Key).ToList();
            segment.Nets.Add(days.Aggregate(0m, (sum, d) => sum + d.Value.Net));
            segment.Prediction += customer.Predicted ?? 0m;
            segment.Predicted += customer.Predicted is null ? 0 : 1;
            segment.Repeat += purchaseDays.Count >= 2 ? 1 : 0;
            if (customer.Acquired is { } day && day >= (from?.DayNumber ?? int.MinValue) && day <= to.DayNumber)
            {
                segment.New++;
                segment.AddNew(customer, day, last, reference);
            }

            var lastActivity = Math.Max(purchaseDays.DefaultIfEmpty(int.MinValue).Max(), customer.Acquired ?? int.MinValue);
            segment.Churned += lastActivity != int.MinValue && reference.DayNumber - lastActivity >= window ? 1 : 0;
            var (active, activeBefore) = (BoughtIn(days, first, end), BoughtIn(days, before, first.AddDays(-1)));
            segment.Active += active ? 1 : 0;
            segment.ActiveBefore += activeBefore ? 1 : 0;
            segment.Retained += active && activeBefore ? 1 : 0;
            if (Alive(customer, days, first.DayNumber - 1, window))
            {
                segment.AtRisk++;
                segment.BecameChurned += Enumerable.Range(first.DayNumber, end.DayNumber - first.DayNumber + 1).Any(x => !Alive(customer, days, x, window)) ? 1 : 0;
            }

            // The formula CLV's inputs: the window's net revenue, and its months this customer was
            // not churned at the start of (alive on the eve), and became churned in.
            segment.FormulaNet += days.Where(d => d.Key >= windowFirst && d.Key <= windowLast).Aggregate(0m, (sum, d) => sum + d.Value.Net);
            foreach (var month in windowMonths)
            {
                if (Alive(customer, days, month.DayNumber - 1, window))
                {
                    segment.CustomerMonths++;
                    var monthEnd = Next(month, "month", 1).DayNumber - 1;
                    segment.FormulaChurned += Enumerable.Range(month.DayNumber, monthEnd - month.DayNumber + 1).Any(x => !Alive(customer, days, x, window)) ? 1 : 0;
                }
            }
        }

        var spend = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var recorded = new HashSet<string>(StringComparer.Ordinal);
        if (by is "all" or "acquisitionChannel")
        {
            foreach (var (channel, start, stop, amount) in _spend)
            {
                var key = by == "all" ? "all" : channel;
                if (Prorated((start, stop, amount), from?.DayNumber ?? int.MinValue, to.DayNumber) is { } part)
                {
                    spend[key] = spend.GetValueOrDefault(key) + part;
                    recorded.Add(key);
                }
            }
        }

        var total = groups.Values.SelectMany(g => g.Nets).Aggregate(0m, (sum, net) => sum + net);
        var rows = groups.Keys.Union(recorded).Select(key =>
        {
            var g = groups.GetValueOrDefault(key) ?? new Segment();
            var equity = g.Nets.Aggregate(0m, (sum, net) => sum + net);
            var sorted = g.Nets.Order().ToList();
            var median = sorted.Count == 0 ? 0m : (sorted[(sorted.Count - 1) / 2] / 2) + (sorted[sorted.Count / 2] / 2);
            decimal? groupSpend = by is "all" or "acquisitionChannel" ? Money(spend.GetValueOrDefault(key)) : null;
            decimal? cac = recorded.Contains(key) && g.New > 0 ? spend[key] / g.New : null;
            decimal? clvToCac = cac > 0 ? Ratio(g.NewProfit / g.New / cac.Value) : null;
            decimal? predictedClvToCac = cac > 0 && _predicted && g.NewPredicted > 0 ? Ratio(g.NewPrediction / g.New / cac.Value) : null;
            return (Key: key, Customers: g.Nets.Count, Line: new Figures(
                Customers: g.Nets.Count,
                Repeat: g.Repeat,
                New: g.New,
                Churned: g.Churned,
                Equity: equity,
                Average: g.Nets.Count == 0 ? 0m : Money(equity / g.Nets.Count),
                Median: Money(median),
                Share: total == 0 ? null : Math.Round(equity / total, 6, MidpointRounding.AwayFromZero),
                Spend: groupSpend,
                Cac: cac is { } c ? Money(c) : null,
                Active: g.Active,
                Retention: Rate(g.Retained, g.ActiveBefore),
                PeriodChurn: Rate(g.ActiveBefore - g.Retained, g.ActiveBefore),
                ChurnRate: Rate(g.BecameChurned, g.AtRisk),
                ClvToCac: clvToCac,
                PredictedClvToCac: predictedClvToCac,
                Payback: cac is { } paid ? g.Payback(paid) : null,
                ClvToCacHealth: bands.OfClvToCac(clvToCac),
                PaybackHealth: cac is { } cost ? bands.OfPayback(g.Payback(cost), g.ObservedMonths) : null,
                PredictedEquity: _predicted ? Money(g.Prediction) : null,
                AveragePredicted: _predicted && g.Predicted > 0 ? Money(g.Prediction / g.Predicted) : null,
                Formula: (g.FormulaNet, g.CustomerMonths, g.FormulaChurned)));
        });
        return string.Concat(rows.OrderByDescending(r => r.Customers).ThenBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key}: {r.Line}\n"));
    }

    /// <summary>
    /// The subscription figures of the segments by <paramref name="by"/> as of <paramref name="cutoff"/>
    /// (null: now) seen from <paramref name="reference"/>, as <see cref="Render(IReadOnlyDictionary{string, Clv.Data.Analytics.ReadModel.SubscriptionFigures})"/>
    /// renders them: the groups with a subscription, in key order. MRR and active subscriptions at the
    /// end of the last day (the cutoff or the reference day); those started and ended over
    /// [<paramref name="from"/> (null: all time), <paramref name="to"/>] by that day; and of the last
    /// complete <paramref name="period"/>, those ended in it and those active at its start.
    /// </summary>
    public string SubscriptionSegments(string by, string period, DateOnly? from, DateOnly to, DateOnly? cutoff, DateOnly reference)
    {
        var last = Math.Min((cutoff ?? DateOnly.MaxValue).DayNumber, reference.DayNumber);
        var (first, end) = LastComplete(reference, period);
        bool InRange(int? day) => day >= (from?.DayNumber ?? int.MinValue) && day <= to.DayNumber && day <= last;
        var groups = new SortedDictionary<string, (decimal Mrr, int Active, int New, int Cancelled, int PeriodCancelled, int AtStart)>(StringComparer.Ordinal);
        var keyOf = KeysAsOf(by, period, cutoff, reference);
        foreach (var customer in _customers.Where(c => (c.Acquired is not { } a || a <= (cutoff ?? DateOnly.MaxValue).DayNumber) && c.Subscriptions.Count > 0))
        {
            var key = keyOf(customer);
            var g = groups.GetValueOrDefault(key);
            foreach (var subscription in customer.Subscriptions)
            {
                var active = subscription.ActiveAtEndOf(last);
                g.Mrr += active ? subscription.Monthly : 0;
                g.Active += active ? 1 : 0;
                g.New += InRange(subscription.Start) ? 1 : 0;
                g.Cancelled += InRange(subscription.End) ? 1 : 0;
                g.PeriodCancelled += subscription.EndedWithin(first.DayNumber, end.DayNumber) ? 1 : 0;
                g.AtStart += subscription.ActiveAtStartOf(first.DayNumber) ? 1 : 0;
            }

            groups[key] = g;
        }

        return string.Concat(groups.Select(g =>
        {
            var (mrr, active, started, cancelled, periodCancelled, atStart) = g.Value;
            decimal? churn = atStart == 0 ? null : Math.Round((decimal)periodCancelled / atStart, 4, MidpointRounding.AwayFromZero);
            return $"{g.Key}: mrr {N(Money(mrr))} active {active} new {started} cancelled {cancelled} churn {periodCancelled}/{atStart} {N(churn)}\n";
        }));
    }

    /// <summary>Rendered as <see cref="SubscriptionSegments"/> renders: the groups in key order.</summary>
    public static string Render(IReadOnlyDictionary<string, Clv.Data.Analytics.ReadModel.SubscriptionFigures> figures) =>
        string.Concat(figures.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f =>
            $"{f.Key}: mrr {N(f.Value.Mrr)} active {f.Value.ActiveSubscriptions} new {f.Value.NewSubscriptions} cancelled {f.Value.CancelledSubscriptions} "
            + $"churn {f.Value.PeriodCancelled}/{f.Value.PeriodActiveAtStart} {N(f.Value.SubscriptionChurnRate)}\n"));

    // A segment's customers (their net revenues) and counts.
    private sealed class Segment
    {
        public List<decimal> Nets { get; } = [];

        public int Repeat { get; set; }

        public int New { get; set; }

        public int Churned { get; set; }

        public int Active { get; set; }

        public int ActiveBefore { get; set; }

        public int Retained { get; set; }

        public int AtRisk { get; set; }

        public int BecameChurned { get; set; }

        // The sum and the count of the active run's predictions of the segment's customers.
        public decimal Prediction { get; set; }

        public int Predicted { get; set; }

        public decimal FormulaNet { get; set; }

        public int CustomerMonths { get; set; }

        public int FormulaChurned { get; set; }

        // The new customers' gross profit, the sum and the count of their predictions.
        public decimal NewProfit { get; private set; }

        public decimal NewPrediction { get; private set; }

        public int NewPredicted { get; private set; }

        // Month j since acquisition (0: the acquisition month): the new customers' gross profit in
        // it, and how many of them it had begun for by the reference day.
        private readonly List<decimal> _monthProfit = [];
        private readonly List<int> _monthSeen = [];

        // The months begun since the earliest new customer's acquisition month, by the reference day.
        public int ObservedMonths => _monthProfit.Count;

        // A customer acquired on the day, counting their days up to the last one.
        public void AddNew(Customer customer, int acquired, int last, DateOnly reference)
        {
            // Every cost came with a transaction on its day.
            var profits = customer.Days.Where(d => d.Key <= last).Select(d => (d.Key, Profit: d.Value.Net - customer.Costs.GetValueOrDefault(d.Key))).ToList();
            NewProfit += profits.Aggregate(0m, (sum, p) => sum + p.Profit);
            NewPrediction += customer.Predicted ?? 0m;
            NewPredicted += customer.Predicted is null ? 0 : 1;
            static int MonthOf(int day)
            {
                var date = DateOnly.FromDayNumber(day);
                return (date.Year * 12) + date.Month - 1;
            }

            var first = MonthOf(acquired);
            var months = MonthOf(reference.DayNumber) - first + 1;
            for (var j = 0; j < months; j++)
            {
                if (_monthProfit.Count == j)
                {
                    _monthProfit.Add(0m);
                    _monthSeen.Add(0);
                }

                _monthSeen[j]++;
                _monthProfit[j] += profits.Where(p => MonthOf(p.Key) == first + j).Aggregate(0m, (sum, p) => sum + p.Profit);
            }
        }

        // The first month (1 = the acquisition month) at which the profit per customer seen, summed
        // month by month, reaches the CAC; null when none does.
        public int? Payback(decimal cac)
        {
            var sum = 0m;
            for (var j = 0; j < _monthProfit.Count; j++)
            {
                sum += _monthProfit[j] / _monthSeen[j];
                if (sum >= cac)
                {
                    return j + 1;
                }
            }

            return null;
        }
    }

    private static decimal Ratio(decimal value) => Math.Round(value, 4, MidpointRounding.AwayFromZero);

    private static double? Rate(int part, int whole) => whole == 0 ? null : (double)part / whole;

    /// <summary>
    /// The health bands of docs/metrics.md: CLV:CAC below <paramref name="Weak"/> is losing, below
    /// <paramref name="Healthy"/> weak, up to <paramref name="UnderInvesting"/> healthy, and above it
    /// under-investing; a payback within <paramref name="GoodMonths"/> is good, within
    /// <paramref name="AcceptableMonths"/> acceptable, and beyond poor, as is one not reached once
    /// more months than the acceptable ones were observed (unknown before).
    /// </summary>
    public sealed record Bands(decimal Weak, decimal Healthy, decimal UnderInvesting, int GoodMonths, int AcceptableMonths)
    {
        public string? OfClvToCac(decimal? ratio) =>
            ratio is not { } r ? null : r < Weak ? "losing" : r < Healthy ? "weak" : r <= UnderInvesting ? "healthy" : "underInvesting";

        public string? OfPayback(int? months, int observed) =>
            months is not { } m ? (observed > AcceptableMonths ? "poor" : null) : m <= GoodMonths ? "good" : m <= AcceptableMonths ? "acceptable" : "poor";
    }

    // One segment's figures as both sides render them: money by value (N), rates exactly.
    private sealed record Figures(
        int Customers = 0, int Repeat = 0, int New = 0, int Churned = 0, decimal Equity = 0m, decimal Average = 0m, decimal Median = 0m,
        decimal? Share = null, decimal? Spend = null, decimal? Cac = null, int Active = 0, double? Retention = null, double? PeriodChurn = null,
        double? ChurnRate = null, decimal? ClvToCac = null, decimal? PredictedClvToCac = null, int? Payback = null, decimal? PredictedEquity = null,
        decimal? AveragePredicted = null, (decimal Net, long Months, long Churned) Formula = default, string? ClvToCacHealth = null, string? PaybackHealth = null)
    {
        public override string ToString() =>
            $"customers {Customers} repeat {Repeat} new {New} churned {Churned} equity {N(Equity)} avg {N(Average)} median {N(Median)} "
            + $"share {N(Share)} spend {N(Spend)} cac {N(Cac)} active {Active} retention {R(Retention)} period churn {R(PeriodChurn)} churn rate {R(ChurnRate)} "
            + $"clv:cac {N(ClvToCac)} predicted clv:cac {N(PredictedClvToCac)} payback {Payback} "
            + $"predicted equity {N(PredictedEquity)} avg predicted {N(AveragePredicted)} "
            + $"formula net {N(Formula.Net)} customer-months {Formula.Months} churned {Formula.Churned} health {ClvToCacHealth}/{PaybackHealth}";
    }

    private static string R(double? rate) => rate?.ToString("R", CultureInfo.InvariantCulture) ?? "";

    /// <summary>The summary: everyone's segment, and with nobody and no spend all zeros, spend and CAC unknown.</summary>
    public string Total(DateOnly? from, DateOnly to, DateOnly? cutoff, DateOnly reference, int window, Bands bands) =>
        Segments("all", "month", from, to, cutoff, reference, window, bands) is { Length: > 0 } total ? total
        : $"all: {new Figures()}\n";

    /// <summary>The figures <see cref="Segments"/> recomputes, rendered as it renders them.</summary>
    public static string Render(IEnumerable<Clv.Analytics.Portfolio.SegmentFigures> segments) => string.Concat(segments.Select(f =>
        $"{f.Key}: " + new Figures(
            Customers: f.Customers,
            Repeat: f.RepeatCustomers,
            New: f.NewCustomers,
            Churned: f.ChurnedCustomers,
            Equity: f.CustomerEquity,
            Average: f.AvgHistoricalClv,
            Median: f.MedianHistoricalClv,
            Share: f.RevenueShare,
            Spend: f.Spend,
            Cac: f.Cac,
            Active: f.ActiveCustomers,
            Retention: f.RetentionRate,
            PeriodChurn: f.PeriodChurnRate,
            ChurnRate: f.ChurnRate,
            ClvToCac: f.ClvToCac,
            PredictedClvToCac: f.PredictedClvToCac,
            Payback: f.PaybackMonths,
            PredictedEquity: f.PredictedCustomerEquity,
            AveragePredicted: f.AvgPredictedClv,
            Formula: (f.Formula.NetRevenue, f.Formula.CustomerMonths, f.Formula.ChurnedCustomers),
            ClvToCacHealth: f.ClvToCacHealth,
            PaybackHealth: f.PaybackHealth) + "\n"));

    // The part of a spend over [first, last]: its amount times the share of its days there; null when none is.
    private static decimal? Prorated((DateOnly Start, DateOnly End, decimal Amount) spend, int first, int last)
    {
        var (from, to, days) = (Math.Max(first, spend.Start.DayNumber), Math.Min(last, spend.End.DayNumber), spend.End.DayNumber - spend.Start.DayNumber + 1);
        return from > to ? null : to - from + 1 == days ? spend.Amount : spend.Amount * (to - from + 1) / days;
    }

    private static decimal InEuros(string currency, decimal sent, DateOnly day, IReadOnlyDictionary<DateOnly, decimal>? rates)
    {
        Assert.Equal("EUR", currency);
        var rate = Enumerable.Range(0, 8).Select(age => rates is not null && rates.TryGetValue(day.AddDays(-age), out var r) ? r : (decimal?)null)
            .FirstOrDefault(r => r is not null)
            ?? throw new InvalidOperationException($"No euro rate for {day} in the week before it: the API should have refused the item.");
        return Math.Round(sent * rate, 4, MidpointRounding.AwayFromZero);
    }

    private static decimal Money(decimal value) => Math.Round(value, 4, MidpointRounding.AwayFromZero);

    // A decimal's value without its scale: which path an answer took decides whether a sum of
    // nothing reads 0 or 0.0000 (the product's own tests pin the scale against its reports).
    private static string N(decimal? value) => value?.ToString("G29", CultureInfo.InvariantCulture) ?? "";

    /// <summary>Rendered as <see cref="Series"/> renders: each group's points, groups in key order.</summary>
    public static string Render(IEnumerable<Clv.Analytics.Portfolio.TimeSeries> series) =>
        string.Concat(series.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s =>
            $"{s.Key}: {string.Join(", ", s.Points.Select(p => $"{p.Period} {p.Start:yyyy-MM-dd}..{p.End:yyyy-MM-dd} {p.Value?.ToString(CultureInfo.InvariantCulture) ?? "null"}"))}\n"));

    /// <summary>Fails, showing both, unless the SQL's answer (one line per group or cohort) is the one recomputed.</summary>
    public static void AssertSame(string recomputed, string sql, string what)
    {
        sql = sql.Length == 0 || sql.EndsWith('\n') ? sql : sql + "\n";
        Assert.True(recomputed == sql, $"{what}\n--- from scratch:\n{recomputed}--- sql:\n{sql}");
    }

    private static decimal? Value(string metric, decimal top, decimal bottom) => metric switch
    {
        "ChurnRate" or "RetentionRate" or "AverageOrderValue" or "Cac" or "Nps" or "Csat" or "SubscriptionChurnRate" =>
            bottom == 0 ? null : Math.Round(top / bottom, 4, MidpointRounding.AwayFromZero),
        "Spend" or "Mrr" => Math.Round(top, 4, MidpointRounding.AwayFromZero),
        _ => top,
    };

    // Alive on the day: acquired by it, and the latest of the acquisition and the purchase days
    // from it on, up to the day, fewer than the window's days before it.
    private static bool Alive(Customer customer, List<KeyValuePair<int, (int Purchases, decimal Gross, decimal Net)>> days, int day, int window)
    {
        if (customer.Acquired is not { } acquired || acquired > day)
        {
            return false;
        }

        var latest = days.Where(d => d.Value.Purchases > 0 && d.Key >= acquired && d.Key <= day).Select(d => d.Key).DefaultIfEmpty(acquired).Max();
        return day - latest < window;
    }

    // Each customer's group as of the cutoff seen from the reference day. RFM segments and CLV
    // tiers rank the customers counted then (docs/metrics.md, "RFM" and "CLV tiers").
    private Func<Customer, string> KeysAsOf(string by, string period, DateOnly? cutoff, DateOnly reference)
    {
        var last = (cutoff ?? DateOnly.MaxValue).DayNumber;
        var counted = _customers.Where(c => c.Acquired is not { } a || a <= last).ToList();
        var ranked = by switch
        {
            "rfmSegment" => RfmSegments(counted, last, reference),
            "clvTier" => Tiers(counted, last, _predicted),
            _ => null,
        };
        return customer => ranked?[customer.Id] ?? by switch
        {
            "all" => "all",
            "acquisitionChannel" => customer.Channel,
            "country" => customer.Country,
            "cohort" => customer.Acquired is { } day ? Label(Start(DateOnly.FromDayNumber(day), period), period) : Unknown,
            "plan" => customer.Subscriptions.Where(s => s.Start <= reference.DayNumber)
                .OrderByDescending(s => s.StartedAt).ThenByDescending(s => s.Id, StringComparer.Ordinal).FirstOrDefault()?.Plan ?? "none",
            "npsClass" => customer.Answers.Where(a => a.Kind == "Nps" && a.Day <= last)
                .OrderByDescending(a => a.At).ThenByDescending(a => a.Id, StringComparer.Ordinal).Select(a => (int?)a.Score).FirstOrDefault() switch
                {
                    >= 9 => "promoter",
                    >= 7 => "passive",
                    not null => "detractor",
                    null => "none",
                },
            _ => customer.Attributes.GetValueOrDefault(by["attribute:".Length..]) ?? Unknown,
        };
    }

    // The grid of docs/metrics.md: rows R = 5 .. 1, columns FM = 1 .. 5.
    private static readonly string[,] RfmGrid =
    {
        { "New", "Potential loyalist", "Potential loyalist", "Champions", "Champions" },
        { "Promising", "Potential loyalist", "Loyal", "Champions", "Champions" },
        { "About to sleep", "Need attention", "Need attention", "Loyal", "Loyal" },
        { "Hibernating", "About to sleep", "At risk", "At risk", "Can't lose them" },
        { "Lost", "Hibernating", "At risk", "Can't lose them", "Can't lose them" },
    };

    // Among the customers with a purchase by the cutoff: each of recency (days since the last
    // purchase day), purchase days and net revenue scores 1 + ⌊5 × (customers strictly worse) ÷ n⌋.
    private static Dictionary<long, string> RfmSegments(List<Customer> counted, int last, DateOnly reference)
    {
        var buyers = counted.Select(c => (Customer: c, Days: c.Days.Where(d => d.Key <= last).ToList()))
            .Where(b => b.Days.Any(d => d.Value.Purchases > 0))
            .Select(b => (b.Customer,
                Recency: Math.Max(0, reference.DayNumber - b.Days.Where(d => d.Value.Purchases > 0).Max(d => d.Key)),
                Frequency: b.Days.Count(d => d.Value.Purchases > 0),
                Monetary: b.Days.Sum(d => d.Value.Net)))
            .ToList();
        int Score(int worse) => 1 + (5 * worse / buyers.Count);
        var segments = counted.ToDictionary(c => c.Id, _ => "No purchases");
        foreach (var b in buyers)
        {
            var r = Score(buyers.Count(o => o.Recency > b.Recency));
            var f = Score(buyers.Count(o => o.Frequency < b.Frequency));
            var m = Score(buyers.Count(o => o.Monetary < b.Monetary));
            segments[b.Customer.Id] = RfmGrid[5 - r, ((f + m + 1) / 2) - 1];
        }

        return segments;
    }

    // Ranked by the active run's predicted CLV (none: 0), or by net revenue by the cutoff without
    // a run, ties to the lower id: ranks up to ⌈n/100⌉ top1, ⌈n/10⌉ top10, ⌈n/2⌉ middle40, then bottom50.
    private static Dictionary<long, string> Tiers(List<Customer> counted, int last, bool predicted)
    {
        var ranked = counted
            .OrderByDescending(c => predicted ? c.Predicted ?? 0m : c.Days.Where(d => d.Key <= last).Sum(d => d.Value.Net))
            .ThenBy(c => c.Id)
            .ToList();
        var n = ranked.Count;
        return ranked.Select((c, rank) => (c, rank + 1)).ToDictionary(
            x => x.c.Id,
            x => x.Item2 <= Math.Ceiling(n / 100.0) ? "top1" : x.Item2 <= Math.Ceiling(n / 10.0) ? "top10" : x.Item2 <= Math.Ceiling(n / 2.0) ? "middle40" : "bottom50");
    }

    // The first and last days of the last complete period on or before the reference day.
    private static (DateOnly First, DateOnly End) LastComplete(DateOnly reference, string period)
    {
        var (first, end) = (Start(reference, period), Next(Start(reference, period), period, 1).AddDays(-1));
        return end == reference ? (first, end) : (Next(first, period, -1), first.AddDays(-1));
    }

    private static DateOnly Start(DateOnly day, string period) => period switch
    {
        "year" => new DateOnly(day.Year, 1, 1),
        "quarter" => new DateOnly(day.Year, ((day.Month - 1) / 3 * 3) + 1, 1),
        _ => new DateOnly(day.Year, day.Month, 1),
    };

    private static DateOnly Next(DateOnly start, string period, int count) => start.AddMonths(count * Months(period));

    private static int Months(string period) => period switch { "year" => 12, "quarter" => 3, _ => 1 };

    private static string Label(DateOnly start, string period) => period switch
    {
        "year" => $"{start.Year}",
        "quarter" => $"{start.Year}-Q{((start.Month - 1) / 3) + 1}",
        _ => $"{start:yyyy-MM}",
    };
}
