namespace Clv.Analytics.Portfolio;

/// <summary>One customer as the portfolio analytics see it.</summary>
/// <param name="Id">The database id; facts are ordered by it.</param>
/// <param name="AcquiredOn">The acquisition day in the reporting time zone; null when unknown (no transaction and none sent).</param>
/// <param name="Channel">The acquisition channel, or null (reported as <c>unattributed</c>).</param>
/// <param name="Country">ISO 3166-1 alpha-2, or null.</param>
public readonly record struct CustomerFact(long Id, DateOnly? AcquiredOn, string? Channel, string? Country);

/// <summary>One customer's calendar day (reporting time zone) with at least one transaction.</summary>
/// <param name="CustomerId">The customer's database id.</param>
/// <param name="Day">The day.</param>
/// <param name="PurchaseCount">Purchases that day; 0 for a day with refunds only.</param>
/// <param name="GrossRevenue">Σ purchase amounts.</param>
/// <param name="NetRevenue">Σ purchases − Σ refunds.</param>
/// <param name="KnownCost">Σ cost of purchases − Σ cost of refunds, over transactions that carry a cost.</param>
/// <param name="HasCost">Whether any transaction of the day carries a cost.</param>
public readonly record struct DayFact(long CustomerId, DateOnly Day, int PurchaseCount, decimal GrossRevenue, decimal NetRevenue, decimal KnownCost, bool HasCost);

/// <summary>Acquisition spend of a channel over a period of whole days.</summary>
public readonly record struct SpendFact(string Channel, DateOnly PeriodStart, DateOnly PeriodEnd, decimal Amount);

/// <summary>A customer's prediction from the active model run.</summary>
public readonly record struct PredictionFact(long CustomerId, decimal PredictedClv, double ProbabilityAlive);

/// <summary>
/// Everything the portfolio analytics (segments, cohorts, time series, RFM, CAC) are computed
/// from, held column-wise: customers ordered by id, and each customer's days as a contiguous,
/// day-ordered range of the day columns. Immutable once built.
/// </summary>
public sealed class PortfolioFacts
{
    /// <summary>The acquisition channel key of customers without one.</summary>
    public const string Unattributed = "unattributed";

    /// <summary>A day number meaning "no such day".</summary>
    public const int NoDay = int.MinValue;

    private Lazy<DateOnly?>? _firstDay;

    private PortfolioFacts(
        long version,
        DateTimeOffset readAt,
        long[] customerIds,
        int[] acquiredDay,
        int[] channel,
        string[] channels,
        int[] country,
        string[] countries,
        int[] dayStart,
        int[] day,
        int[] purchaseCount,
        decimal[] grossRevenue,
        decimal[] netRevenue,
        decimal[] knownCost,
        bool[] hasCost,
        SpendFact[] spend,
        decimal?[]? predictedClv,
        double[]? probabilityAlive)
    {
        Version = version;
        ReadAt = readAt;
        CustomerIds = customerIds;
        AcquiredDay = acquiredDay;
        Channel = channel;
        Channels = channels;
        Country = country;
        Countries = countries;
        DayStart = dayStart;
        Day = day;
        PurchaseCount = purchaseCount;
        GrossRevenue = grossRevenue;
        NetRevenue = netRevenue;
        KnownCost = knownCost;
        HasCost = hasCost;
        Spend = spend;
        PredictedClv = predictedClv;
        ProbabilityAlive = probabilityAlive;
    }

    /// <summary>The data version the facts were read at.</summary>
    public long Version { get; }

    /// <summary>
    /// The database time the facts were read at, no later than their snapshot: every write
    /// acknowledged before it is in them.
    /// </summary>
    public DateTimeOffset ReadAt { get; }

    /// <summary>Customers' database ids, ascending; a customer's index is its position here.</summary>
    public long[] CustomerIds { get; }

    /// <summary>Per customer: the acquisition <see cref="DateOnly.DayNumber"/>, or <see cref="NoDay"/>.</summary>
    public int[] AcquiredDay { get; }

    /// <summary>Per customer: an index into <see cref="Channels"/>.</summary>
    public int[] Channel { get; }

    /// <summary>The distinct channels of customers and of spend; <see cref="Unattributed"/> stands for none.</summary>
    public string[] Channels { get; }

    /// <summary>Per customer: an index into <see cref="Countries"/>.</summary>
    public int[] Country { get; }

    /// <summary>The distinct countries; <c>unknown</c> stands for none.</summary>
    public string[] Countries { get; }

    /// <summary>Customer i's days are positions DayStart[i] .. DayStart[i + 1] − 1 of the day columns.</summary>
    public int[] DayStart { get; }

    /// <summary>Per day: its <see cref="DateOnly.DayNumber"/>.</summary>
    public int[] Day { get; }

    /// <summary>Per day: purchases.</summary>
    public int[] PurchaseCount { get; }

    /// <summary>Per day: Σ purchase amounts.</summary>
    public decimal[] GrossRevenue { get; }

    /// <summary>Per day: purchases − refunds.</summary>
    public decimal[] NetRevenue { get; }

    /// <summary>Per day: the net cost of the transactions that carry one.</summary>
    public decimal[] KnownCost { get; }

    /// <summary>Per day: whether any transaction carries a cost.</summary>
    public bool[] HasCost { get; }

    /// <summary>Acquisition spend, in the reporting currency.</summary>
    public SpendFact[] Spend { get; }

    /// <summary>Per customer: predicted CLV of the active model run; null without a prediction. Null when there is no run.</summary>
    public decimal?[]? PredictedClv { get; }

    /// <summary>Per customer: P(alive) of the active run; NaN without a prediction. Null when there is no run.</summary>
    public double[]? ProbabilityAlive { get; }

    /// <summary>Customers.</summary>
    public int Count => CustomerIds.Length;

    /// <summary>The earliest acquisition or transaction day; null without any.</summary>
    public DateOnly? FirstDay => (_firstDay ??= new Lazy<DateOnly?>(EarliestDay)).Value;

    private DateOnly? EarliestDay()
    {
        var first = Day.Length == 0 ? int.MaxValue : Day.Min();
        foreach (var day in AcquiredDay)
        {
            if (day != NoDay && day < first)
            {
                first = day;
            }
        }

        return first == int.MaxValue ? null : DateOnly.FromDayNumber(first);
    }

    /// <summary>Whether a model run's predictions are part of the facts.</summary>
    public bool HasPredictions => PredictedClv is not null;

    /// <summary>The index of the customer with database id <paramref name="customerId"/>, or −1.</summary>
    public int IndexOf(long customerId)
    {
        var index = Array.BinarySearch(CustomerIds, customerId);
        return index >= 0 ? index : -1;
    }

    /// <summary>Builds the facts; customers and days may come in any order.</summary>
    /// <param name="version">The data version they were read at.</param>
    /// <param name="customers">Every customer.</param>
    /// <param name="days">Every customer day; days of unknown customers are ignored.</param>
    /// <param name="spend">Acquisition spend.</param>
    /// <param name="predictions">The active run's predictions, or null when there is no run.</param>
    /// <param name="readAt">When they were read; the default for facts not read from a database.</param>
    public static PortfolioFacts Create(
        long version,
        IEnumerable<CustomerFact> customers,
        IEnumerable<DayFact> days,
        IEnumerable<SpendFact> spend,
        IEnumerable<PredictionFact>? predictions,
        DateTimeOffset readAt = default)
    {
        ArgumentNullException.ThrowIfNull(customers);
        ArgumentNullException.ThrowIfNull(days);
        ArgumentNullException.ThrowIfNull(spend);
        var builder = new Builder(version, readAt);
        foreach (var customer in customers.OrderBy(c => c.Id))
        {
            builder.AddCustomer(customer);
        }

        foreach (var day in days.OrderBy(d => d.CustomerId).ThenBy(d => d.Day))
        {
            builder.AddDay(day);
        }

        foreach (var s in spend)
        {
            builder.AddSpend(s);
        }

        if (predictions is not null)
        {
            builder.WithPredictions();
            foreach (var p in predictions)
            {
                builder.AddPrediction(p);
            }
        }

        return builder.Build();
    }

    /// <summary>
    /// Builds facts from rows streamed in order: customers by ascending id first, then days by
    /// customer and day. Predictions and spend may come in any order after the customers.
    /// </summary>
    /// <param name="version">The data version the rows were read at.</param>
    /// <param name="readAt">The database time they were read at (see <see cref="ReadAt"/>).</param>
    /// <param name="expectedCustomers">About how many customers will come (capacity only).</param>
    /// <param name="expectedDays">About how many days will come (capacity only).</param>
    public sealed class Builder(long version, DateTimeOffset readAt, int expectedCustomers = 0, int expectedDays = 0)
    {
        private readonly List<long> _ids = new(expectedCustomers);
        private readonly List<int> _acquired = new(expectedCustomers);
        private readonly List<int> _channel = new(expectedCustomers);
        private readonly List<int> _country = new(expectedCustomers);
        private readonly Dictionary<string, int> _channelNames = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _countryNames = new(StringComparer.Ordinal);
        private readonly List<int> _dayStart = new(expectedCustomers + 1) { 0 };
        private readonly List<int> _day = new(expectedDays);
        private readonly List<int> _purchaseCount = new(expectedDays);
        private readonly List<decimal> _gross = new(expectedDays);
        private readonly List<decimal> _net = new(expectedDays);
        private readonly List<decimal> _cost = new(expectedDays);
        private readonly List<bool> _hasCost = new(expectedDays);
        private readonly List<SpendFact> _spend = [];
        private decimal?[]? _predicted;
        private double[]? _alive;
        private int _dayCustomer;

        /// <summary>Adds the next customer; ids must ascend.</summary>
        public void AddCustomer(CustomerFact customer)
        {
            if (_ids.Count > 0 && customer.Id <= _ids[^1])
            {
                throw new ArgumentException("Customers must come in ascending id order.", nameof(customer));
            }

            _ids.Add(customer.Id);
            _acquired.Add(customer.AcquiredOn?.DayNumber ?? NoDay);
            _channel.Add(Intern(_channelNames, customer.Channel ?? Unattributed));
            _country.Add(Intern(_countryNames, customer.Country ?? "unknown"));
        }

        /// <summary>Adds the next day, in (customer, day) order; days of unknown customers are skipped.</summary>
        public void AddDay(DayFact fact)
        {
            while (_dayCustomer < _ids.Count && _ids[_dayCustomer] < fact.CustomerId)
            {
                _dayCustomer++;
                _dayStart.Add(_day.Count);
            }

            if (_dayCustomer == _ids.Count || _ids[_dayCustomer] != fact.CustomerId)
            {
                return;
            }

            if (_day.Count > _dayStart[^1] && _day[^1] >= fact.Day.DayNumber)
            {
                throw new ArgumentException("Days must come in (customer, day) order.", nameof(fact));
            }

            _day.Add(fact.Day.DayNumber);
            _purchaseCount.Add(fact.PurchaseCount);
            _gross.Add(fact.GrossRevenue);
            _net.Add(fact.NetRevenue);
            _cost.Add(fact.KnownCost);
            _hasCost.Add(fact.HasCost);
        }

        /// <summary>Adds acquisition spend.</summary>
        public void AddSpend(SpendFact fact) => _spend.Add(fact);

        /// <summary>Marks that a model run exists, even one without predictions.</summary>
        public void WithPredictions()
        {
            _predicted ??= new decimal?[_ids.Count];
            if (_alive is null)
            {
                _alive = new double[_ids.Count];
                Array.Fill(_alive, double.NaN);
            }
        }

        /// <summary>Adds a prediction of the active run; call <see cref="WithPredictions"/> first.</summary>
        public void AddPrediction(PredictionFact fact)
        {
            WithPredictions();
            var index = _ids.BinarySearch(fact.CustomerId);
            if (index >= 0)
            {
                _predicted![index] = fact.PredictedClv;
                _alive![index] = fact.ProbabilityAlive;
            }
        }

        /// <summary>The facts.</summary>
        public PortfolioFacts Build()
        {
            // A channel that only has spend is a channel too: its spend must not vanish from the groups.
            foreach (var s in _spend)
            {
                Intern(_channelNames, s.Channel);
            }

            var starts = new List<int>(_dayStart);
            while (starts.Count <= _ids.Count)
            {
                starts.Add(_day.Count);
            }

            return new PortfolioFacts(
                version,
                readAt,
                [.. _ids],
                [.. _acquired],
                [.. _channel],
                Names(_channelNames),
                [.. _country],
                Names(_countryNames),
                [.. starts],
                [.. _day],
                [.. _purchaseCount],
                [.. _gross],
                [.. _net],
                [.. _cost],
                [.. _hasCost],
                [.. _spend],
                _predicted,
                _alive);
        }

        private static int Intern(Dictionary<string, int> names, string name) =>
            names.TryGetValue(name, out var index) ? index : names[name] = names.Count;
    }

    private static string[] Names(Dictionary<string, int> names)
    {
        var result = new string[names.Count];
        foreach (var (name, index) in names)
        {
            result[index] = name;
        }

        return result;
    }
}
