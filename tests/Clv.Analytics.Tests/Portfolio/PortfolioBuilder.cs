using Clv.Analytics.Portfolio;

namespace Clv.Analytics.Tests.Portfolio;

/// <summary>Hand-built portfolios: customers with their acquisition, channel and purchase days.</summary>
internal sealed class PortfolioBuilder
{
    private readonly List<CustomerFact> _customers = [];
    private readonly List<DayFact> _days = [];
    private readonly List<SpendFact> _spend = [];
    private List<PredictionFact>? _predictions;

    public static DateOnly D(string iso) => DateOnly.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A customer acquired on their first purchase day, buying on the given days.</summary>
    public PortfolioBuilder Customer(long id, string? channel, params (string Day, decimal Amount)[] purchases) =>
        Customer(id, channel, null, null, purchases);

    public PortfolioBuilder Customer(long id, string? channel, string? country, string? acquired, params (string Day, decimal Amount)[] purchases)
    {
        var first = purchases.Length == 0 ? (DateOnly?)null : purchases.Min(p => D(p.Day));
        _customers.Add(new CustomerFact(id, acquired is null ? first : D(acquired), channel, country));
        foreach (var (day, amount) in purchases)
        {
            Day(id, day, amount);
        }

        return this;
    }

    /// <summary>A day: a purchase of <paramref name="amount"/>, less <paramref name="refunds"/>, with an optional cost.</summary>
    public PortfolioBuilder Day(long id, string day, decimal amount, decimal refunds = 0, decimal? cost = null, int purchases = 1)
    {
        _days.Add(new DayFact(id, D(day), amount > 0 || refunds == 0 ? purchases : 0, amount, amount - refunds, cost ?? 0, cost is not null));
        return this;
    }

    public PortfolioBuilder Spend(string channel, string start, string end, decimal amount)
    {
        _spend.Add(new SpendFact(channel, D(start), D(end), amount));
        return this;
    }

    public PortfolioBuilder Prediction(long id, decimal clv, double alive)
    {
        (_predictions ??= []).Add(new PredictionFact(id, clv, alive));
        return this;
    }

    public PortfolioFacts Build()
    {
        // One row per customer and day, as the database's rollup holds them.
        var days = _days.GroupBy(d => (d.CustomerId, d.Day)).Select(g => new DayFact(
            g.Key.CustomerId, g.Key.Day, g.Sum(d => d.PurchaseCount), g.Sum(d => d.GrossRevenue), g.Sum(d => d.NetRevenue), g.Sum(d => d.KnownCost), g.Any(d => d.HasCost)));
        return PortfolioFacts.Create(1, _customers, days, _spend, _predictions);
    }

    public CustomerStates States(string asOf, PortfolioSettings? settings = null) =>
        CustomerStates.Compute(Build(), D(asOf), D(asOf), settings ?? new PortfolioSettings());
}
