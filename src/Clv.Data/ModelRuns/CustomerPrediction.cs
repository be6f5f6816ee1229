namespace Clv.Data.ModelRuns;

/// <summary>A customer's predicted figures from one model run.</summary>
public sealed class CustomerPrediction
{
    public Guid RunId { get; set; }

    public long CustomerId { get; set; }

    /// <summary>x: repeat purchase days in the calibration window.</summary>
    public double Frequency { get; set; }

    /// <summary>t_x in the run's time unit.</summary>
    public double Recency { get; set; }

    /// <summary>T in the run's time unit.</summary>
    public double Age { get; set; }

    public double ExpectedPurchases { get; set; }

    public double ProbabilityAlive { get; set; }

    public decimal ExpectedAverageSpend { get; set; }

    public decimal PredictedClv { get; set; }

    /// <summary>Null when the customer's cost is unknown.</summary>
    public decimal? PredictedGrossProfitClv { get; set; }

    /// <summary>Lower end of predicted CLV's interval at the run's level; null when the run computed no intervals (docs/models.md, "Prediction intervals").</summary>
    public decimal? PredictedClvLo { get; set; }

    /// <summary>Upper end of predicted CLV's interval; null without intervals.</summary>
    public decimal? PredictedClvHi { get; set; }

    /// <summary>Lower end of expected purchases' interval; null without intervals.</summary>
    public double? ExpectedPurchasesLo { get; set; }

    /// <summary>Upper end of expected purchases' interval; null without intervals.</summary>
    public double? ExpectedPurchasesHi { get; set; }

    /// <summary>Lower end of P(alive)'s interval; null without intervals.</summary>
    public double? ProbabilityAliveLo { get; set; }

    /// <summary>Upper end of P(alive)'s interval; null without intervals.</summary>
    public double? ProbabilityAliveHi { get; set; }

    /// <summary>The run's other purchase models' figures as JSON, or null.</summary>
    public string? Alternatives { get; set; }
}
