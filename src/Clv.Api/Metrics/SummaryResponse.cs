using System.ComponentModel.DataAnnotations;
using Clv.Api.Infrastructure;
using Clv.Api.Portfolio;

namespace Clv.Api.Metrics;

/// <summary>The portfolio's figures.</summary>
public sealed class SummaryResponse
{
    /// <summary>The day the figures stand at; null for now.</summary>
    public DateOnly? AsOf { get; init; }

    /// <summary>Customers acquired by the as-of date (all customers without it).</summary>
    /// <example>23570</example>
    public long Customers { get; init; }

    /// <summary>Customers with at least two purchase days.</summary>
    /// <example>8935</example>
    public long RepeatCustomers { get; init; }

    /// <summary>Net revenue of all customers.</summary>
    /// <example>2500315.63</example>
    public decimal NetRevenue { get; init; }

    /// <summary>Mean historical CLV per customer, customers without purchases counting 0; 4 decimals.</summary>
    /// <example>106.0804</example>
    public decimal AverageHistoricalClv { get; init; }

    /// <summary>Median historical CLV (the mean of the two middle values for an even count).</summary>
    /// <example>43.97</example>
    public decimal MedianHistoricalClv { get; init; }

    /// <summary>Customer equity: the sum of historical CLV over all customers.</summary>
    /// <example>2500315.63</example>
    public decimal CustomerEquity { get; init; }

    /// <summary>The reporting currency of every money figure.</summary>
    /// <example>USD</example>
    public required string Currency { get; init; }

    /// <summary>repeatCustomers ÷ customers.</summary>
    /// <example>0.3791</example>
    public double RepeatPurchaseRate { get; init; }

    /// <summary>Customers with a purchase in the last complete month.</summary>
    /// <example>1207</example>
    public int ActiveCustomers { get; init; }

    /// <summary>Of the customers active in the month before the last complete one, the share active in it.</summary>
    /// <example>0.31</example>
    public double? RetentionRate { get; init; }

    /// <summary>Customers who became churned in the last complete month ÷ customers not churned at its start.</summary>
    /// <example>0.12</example>
    public double? ChurnRate { get; init; }

    /// <summary>Customers churned at the as-of date (no purchase for <c>Clv:ChurnWindowDays</c>).</summary>
    /// <example>20112</example>
    public int ChurnedCustomers { get; init; }

    /// <summary>Customers with P(alive) below <c>Clv:AliveThreshold</c> in the active model run; null without a run.</summary>
    public int? ModelChurnedCustomers { get; init; }

    /// <summary>Mean predicted CLV of the customers the active model run predicted (docs/metrics.md); null without a run or without a predicted customer.</summary>
    public decimal? AveragePredictedClv { get; init; }

    /// <summary>Predicted customer equity: Σ predicted CLV over the customers the active model run predicted; null without a run.</summary>
    public decimal? PredictedCustomerEquity { get; init; }

    /// <summary>
    /// [lower, upper] of predicted customer equity at the run's <c>intervalLevel</c>, from its parametric bootstrap
    /// (docs/metrics.md, "Predicted customer equity interval"); null without a run, when it computed no intervals, or
    /// with <c>asOf</c> before today (the run's intervals are of its customers, not of the portfolio of that day).
    /// In CSV, <c>predictedCustomerEquity_lo</c> and <c>predictedCustomerEquity_hi</c>.
    /// </summary>
    [MinLength(2)]
    [MaxLength(2)]
    [CsvInterval("predictedCustomerEquity")]
    public IReadOnlyList<decimal>? PredictedCustomerEquityInterval { get; init; }

    /// <summary>
    /// The model run whose predictions the predicted figures come from; null when no run is active.
    /// Also the headers <c>Clv-Prediction-Run</c> and <c>Clv-Prediction-As-Of</c>.
    /// </summary>
    public PredictionsUsedResponse? Predictions { get; init; }

    /// <summary>Customers acquired in [from, to].</summary>
    /// <example>23570</example>
    public int NewCustomers { get; init; }

    /// <summary>All acquisition spend in [from, to], prorated by days.</summary>
    /// <example>600000</example>
    public decimal? Spend { get; init; }

    /// <summary>Blended CAC: spend ÷ newCustomers; null without new customers, or when no spend is recorded over [from, to] (unknown, not free).</summary>
    /// <example>25.4561</example>
    public decimal? BlendedCac { get; init; }

    /// <summary>CLV:CAC with historical gross profit of the new customers.</summary>
    /// <example>4.17</example>
    public decimal? ClvToCac { get; init; }

    /// <summary>The new customers' mean predicted CLV ÷ blended CAC (docs/metrics.md); null without a run, without CAC, or when the run predicted none of them.</summary>
    public decimal? PredictedClvToCac { get; init; }

    /// <summary>CAC payback in months (1 = the acquisition month); null when not reached or CAC is null.</summary>
    /// <example>2</example>
    public int? PaybackMonths { get; init; }

    /// <summary>Health bands of CLV:CAC and payback.</summary>
    public required HealthResponse Health { get; init; }

    /// <summary>
    /// ARPU per month: net revenue of the 12 complete months up to asOf ÷ the customer-months in them, a
    /// customer counting in a month when not churned at its start (churnRate's denominator); 4 decimals;
    /// null without such a customer-month (docs/metrics.md, "Formula CLV").
    /// </summary>
    /// <example>12.5</example>
    public decimal? ArpuMonthly { get; init; }

    /// <summary>The gross margin of formulaClv: the grossMargin parameter, else the setting <c>Clv:GrossMargin</c> (default 1, revenue CLV).</summary>
    /// <example>1</example>
    public decimal GrossMargin { get; init; }

    /// <summary>Monthly churn rate over the same 12 months: customers who became churned in a month ÷ the customer-months; null without a customer-month.</summary>
    /// <example>0.05</example>
    public double? MonthlyChurnRate { get; init; }

    /// <summary>Formula CLV: arpuMonthly × grossMargin ÷ monthlyChurnRate, 4 decimals; null when the churn rate is 0 or null.</summary>
    /// <example>250</example>
    public decimal? FormulaClv { get; init; }

    /// <summary>
    /// Every write acknowledged before this time (UTC) is included; later ones may not be
    /// (docs/metrics.md, "Freshness"). Last, so that it is the CSV's last column.
    /// </summary>
    public DateTimeOffset DataThrough { get; init; }
}
