namespace Clv.Analytics.ModelRuns;

/// <summary>
/// A run's predictions as parallel columns, one element per customer: a million customers cost a
/// few arrays rather than a million objects.
/// </summary>
public sealed class PredictionColumns(int count)
{
    /// <summary>
    /// The largest money figure a prediction holds, 10^15 − 0.0001 (the stored numeric(19,4)); a
    /// figure beyond it is held at it (docs/metrics.md, "Predicted CLV").
    /// </summary>
    public const decimal MaxMoney = 999_999_999_999_999.9999m;

    /// <summary>Customers.</summary>
    public int Count { get; } = count;

    /// <summary>The customers' ids.</summary>
    public long[] CustomerIds { get; } = new long[count];

    /// <summary>x.</summary>
    public double[] Frequency { get; } = new double[count];

    /// <summary>t_x in the run's unit.</summary>
    public double[] Recency { get; } = new double[count];

    /// <summary>T in the run's unit.</summary>
    public double[] Age { get; } = new double[count];

    /// <summary>Expected purchases over the horizon.</summary>
    public double[] ExpectedPurchases { get; } = new double[count];

    /// <summary>P(alive).</summary>
    public double[] ProbabilityAlive { get; } = new double[count];

    /// <summary>E[M].</summary>
    public decimal[] ExpectedAverageSpend { get; } = new decimal[count];

    /// <summary>Predicted CLV.</summary>
    public decimal[] PredictedClv { get; } = new decimal[count];

    /// <summary>Predicted gross-profit CLV, or null.</summary>
    public decimal?[] PredictedGrossProfitClv { get; } = new decimal?[count];

    /// <summary>The customers' intervals (in the same order), or null when the run computed none.</summary>
    public PredictionIntervals? Intervals { get; set; }

    /// <summary>
    /// A money figure as a prediction stores it: to 4 decimals, held within <see cref="MaxMoney"/> (one customer
    /// whose purchase days are worth 10^15 each must not fail the run, and every run after it, with an overflow).
    /// </summary>
    public static decimal Money(double value) =>
        Math.Abs(value) >= (double)MaxMoney
            ? (value < 0 ? -MaxMoney : MaxMoney)
            : Math.Clamp(Math.Round((decimal)value, 4, MidpointRounding.AwayFromZero), -MaxMoney, MaxMoney);
}
