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

    /// <summary>Prepares predictions over <see cref="ClvProjection.HorizonMonths"/> in the model's time unit.</summary>
    public PortfolioPredictor(IPurchaseModel purchases, GammaGammaParameters spend, ClvProjection options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _purchases = purchases ?? throw new ArgumentNullException(nameof(purchases));
        _spend = spend ?? throw new ArgumentNullException(nameof(spend));
        _options = options;
    }

    /// <summary>
    /// A predictor of the same models with a memo of its own, for another thread: one predictor's
    /// memo is not safe to share.
    /// </summary>
    public PortfolioPredictor WithOwnMemo() => new(_purchases, _spend, _options);

    /// <summary>Distinct (x, t_x, T) patterns evaluated so far.</summary>
    public int DistinctPatterns => _byPattern.Count;

    /// <summary>The prediction for one customer.</summary>
    public CustomerForecast Predict(double frequency, double recency, double age, double monetaryValue)
    {
        var key = (frequency, recency, age);
        if (!_byPattern.TryGetValue(key, out var pattern))
        {
            pattern = Forecast(_purchases, frequency, recency, age, _options);
            _byPattern[key] = pattern;
        }

        var spend = ClvCalculator.ExpectedSpend(_spend, frequency, monetaryValue);
        return new CustomerForecast(pattern.Purchases, pattern.Alive, spend, spend * pattern.DiscountedPurchases);
    }

    /// <summary>
    /// What a purchase model predicts of one (x, t_x, T) pattern: E[X(horizon)], P(alive) and the discounted
    /// expected purchases over the horizon (the CLV of a customer whose every purchase is worth 1).
    /// </summary>
    /// <param name="purchases">The purchase model.</param>
    /// <param name="frequency">x.</param>
    /// <param name="recency">t_x.</param>
    /// <param name="age">T.</param>
    /// <param name="options">Horizon, discount rate and time unit of the CLV.</param>
    public static (double Purchases, double Alive, double DiscountedPurchases) Forecast(
        IPurchaseModel purchases, double frequency, double recency, double age, ClvProjection options)
    {
        ArgumentNullException.ThrowIfNull(purchases);
        ArgumentNullException.ThrowIfNull(options);
        var count = options.HorizonMonths;
        Span<double> times = count is >= 0 and <= 256 ? stackalloc double[count] : new double[Math.Max(count, 0)];
        Span<double> ifAlive = count is >= 0 and <= 256 ? stackalloc double[count] : new double[Math.Max(count, 0)];
        ClvCalculator.MonthEnds(options, times);
        if (purchases.TryExpectedPurchasesIfAlive(times, frequency, age, ifAlive))
        {
            return FromExpectationIfAlive(ifAlive, purchases.ProbabilityAlive(frequency, recency, age), options.MonthlyDiscountRate, ifAlive);
        }

        var (discounted, atHorizon) = ClvCalculator.DiscountedPurchases(purchases, frequency, recency, age, options);
        return (atHorizon, purchases.ProbabilityAlive(frequency, recency, age), discounted);
    }

    /// <summary>
    /// <see cref="Forecast"/> of a model that factors (<see cref="IPurchaseModel.TryExpectedPurchasesIfAlive"/>), from its
    /// expectation if alive at the horizon's month ends and the pattern's P(alive): each month's E[X] is their product,
    /// as the model's <see cref="IPurchaseModel.CumulativeExpectedPurchases"/> computes it, to the bit.
    /// </summary>
    /// <param name="ifAlive">E[X(t) | alive at T, x, T] at each month's end.</param>
    /// <param name="alive">P(alive | x, t_x, T).</param>
    /// <param name="monthlyDiscountRate">The CLV's discount rate per month.</param>
    /// <param name="cumulative">Receives each month's E[X]; may be <paramref name="ifAlive"/> itself.</param>
    public static (double Purchases, double Alive, double DiscountedPurchases) FromExpectationIfAlive(
        ReadOnlySpan<double> ifAlive, double alive, double monthlyDiscountRate, Span<double> cumulative)
    {
        for (var k = 0; k < ifAlive.Length; k++)
        {
            cumulative[k] = ifAlive[k] * alive;
        }

        var (discounted, atHorizon) = ClvCalculator.Discount(cumulative[..ifAlive.Length], monthlyDiscountRate);
        return (atHorizon, alive, discounted);
    }

    /// <summary>The horizon of <paramref name="options"/> in the model's time unit.</summary>
    public static double HorizonOf(ClvProjection options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.HorizonMonths * ClvCalculator.MonthIn(options.TimeUnit);
    }

    /// <summary>E[X(t) | x, t_x, T] over another length <paramref name="t"/>, such as a holdout period.</summary>
    public double ExpectedPurchases(double t, double frequency, double recency, double age) =>
        _purchases.ConditionalExpectedPurchases(t, frequency, recency, age);
}
