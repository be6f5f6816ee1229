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

    /// <summary>The run's other purchase models' figures as JSON, or null.</summary>
    public string? Alternatives { get; set; }
}
