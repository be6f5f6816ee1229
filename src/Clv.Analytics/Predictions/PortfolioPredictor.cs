using Clv.Analytics.Models;

namespace Clv.Analytics.Predictions;

/// <summary>One customer's predicted figures.</summary>
/// <param name="ExpectedPurchases">E[X(horizon) | x, t_x, T].</param>
/// <param name="ProbabilityAlive">P(alive | x, t_x, T).</param>
/// <param name="ExpectedAverageSpend">E[M]: Gamma-Gamma conditional spend, or the population mean.</param>
/// <param name="PredictedClv">Discounted predicted revenue over the horizon.</param>
public readonly record struct CustomerForecast(double ExpectedPurchases, double ProbabilityAlive, double ExpectedAverageSpend, double PredictedClv);

/// <summary>
/// Predicts every customer of a portfolio. A purchase model's outputs depend on (x, t_x, T) only,
/// so they are computed once per distinct pattern; CLV is linear in E[M], so each customer then
/// costs one multiplication.
/// </summary>
public sealed class PortfolioPredictor
{
    private readonly Dictionary<(double, double, double), (double Purchases, double Alive, double DiscountedPurchases)> _byPattern = [];
    private readonly IPurchaseModel _purchases;
    private readonly GammaGammaParameters _spend;
    private readonly ClvProjection _options;
    private readonly double _horizon;

    /// <summary>Prepares predictions over <see cref="ClvProjection.HorizonMonths"/> in the model's time unit.</summary>
    public PortfolioPredictor(IPurchaseModel purchases, GammaGammaParameters spend, ClvProjection options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _purchases = purchases ?? throw new ArgumentNullException(nameof(purchases));
        _spend = spend ?? throw new ArgumentNullException(nameof(spend));
        _options = options;
        _horizon = options.HorizonMonths * ClvCalculator.DaysPerMonth / RfmSummaryBuilder.DaysPer(options.TimeUnit);
    }

    /// <summary>Distinct (x, t_x, T) patterns evaluated so far.</summary>
    public int DistinctPatterns => _byPattern.Count;

    /// <summary>The prediction for one customer.</summary>
    public CustomerForecast Predict(double frequency, double recency, double age, double monetaryValue)
    {
        var key = (frequency, recency, age);
        if (!_byPattern.TryGetValue(key, out var pattern))
        {
            pattern = (
                _purchases.ConditionalExpectedPurchases(_horizon, frequency, recency, age),
                _purchases.ProbabilityAlive(frequency, recency, age),
                ClvCalculator.PredictedRevenue(_purchases, 1.0, frequency, recency, age, _options));
            _byPattern[key] = pattern;
        }

        var spend = ClvCalculator.ExpectedSpend(_spend, frequency, monetaryValue);
        return new CustomerForecast(pattern.Purchases, pattern.Alive, spend, spend * pattern.DiscountedPurchases);
    }

    /// <summary>E[X(t) | x, t_x, T] over another length <paramref name="t"/>, such as a holdout period.</summary>
    public double ExpectedPurchases(double t, double frequency, double recency, double age) =>
        _purchases.ConditionalExpectedPurchases(t, frequency, recency, age);
}
