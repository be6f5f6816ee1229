namespace Clv.Analytics.Portfolio;

/// <summary>One segment's counts and sums, from which <see cref="SegmentReport.Figures"/> gives its figures.</summary>
public class SegmentSums
{
    /// <summary>Customers counted.</summary>
    public int Customers { get; set; }

    /// <summary>Customers with at least two purchase days.</summary>
    public int Repeat { get; set; }

    /// <summary>Σ net revenue.</summary>
    public decimal Net { get; set; }

    /// <summary>Customers churned at the reference day.</summary>
    public int Churned { get; set; }

    /// <summary>Predicted customers with P(alive) below the threshold.</summary>
    public int ModelChurned { get; set; }

    /// <summary>Σ predicted CLV.</summary>
    public decimal Predicted { get; set; }

    /// <summary>Customers with a prediction.</summary>
    public int PredictedCount { get; set; }

    /// <summary>Customers active in the last complete period.</summary>
    public int Active { get; set; }

    /// <summary>Customers active in the period before it.</summary>
    public int ActiveBefore { get; set; }

    /// <summary>Customers active in both.</summary>
    public int Retained { get; set; }

    /// <summary>Customers not churned at the period's eve.</summary>
    public int AtRisk { get; set; }

    /// <summary>Of those, customers who became churned during the period.</summary>
    public int BecameChurned { get; set; }

    /// <summary>Customers acquired in the range.</summary>
    public int New { get; set; }

    /// <summary>Their Σ historical gross profit.</summary>
    public decimal NewGrossProfit { get; set; }

    /// <summary>Their Σ predicted CLV.</summary>
    public decimal NewPredicted { get; set; }

    /// <summary>Those of them the active model run predicted.</summary>
    public int NewPredictedCount { get; set; }

    /// <summary>The sums behind the formula CLV, over the 12 complete months up to the reference day.</summary>
    public FormulaClvInputs Formula { get; set; } = FormulaClvInputs.None;
}
