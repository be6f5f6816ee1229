using System.ComponentModel.DataAnnotations;
using Clv.Api.Infrastructure;
using Clv.Data.Analytics.ReadModel;
using Clv.Analytics.Portfolio;
using Clv.Api.Portfolio;

namespace Clv.Api.Segments;

/// <summary>The segments of one grouping.</summary>
public sealed class SegmentsResponse
{
    /// <summary>What the segments are by.</summary>
    /// <example>acquisitionChannel</example>
    public required string By { get; init; }

    /// <summary>The day the figures stand at.</summary>
    public DateOnly AsOf { get; init; }

    /// <summary>Every write acknowledged before this time (UTC) is included; later ones may not be (docs/metrics.md, "Freshness"). Also the <c>Clv-Data-Through</c> header.</summary>
    public DateTimeOffset DataThrough { get; init; }

    /// <summary>First acquisition day of new customers and spend; null for all time.</summary>
    public DateOnly? From { get; init; }

    /// <summary>Last acquisition day of new customers and spend.</summary>
    public DateOnly To { get; init; }

    /// <summary>The period of retention and churn (the last complete one).</summary>
    /// <example>month</example>
    public required string Period { get; init; }

    /// <summary>The reporting currency of every money figure.</summary>
    /// <example>USD</example>
    public required string Currency { get; init; }

    /// <summary>
    /// The model run whose predictions the predicted figures come from; null when no run is active
    /// (those figures are then null). Also the headers <c>Clv-Prediction-Run</c> and <c>Clv-Prediction-As-Of</c>.
    /// </summary>
    public PredictionsUsedResponse? Predictions { get; init; }

    /// <summary>The segments, largest first.</summary>
    public required List<SegmentResponse> Segments { get; init; }
}

/// <summary>One segment's figures. Rates lie in [0, 1] (revenue share is a share, not a rate); money is in the reporting currency.</summary>
public sealed record SegmentResponse
{
    /// <summary>The segment key: the channel (<c>unattributed</c> for none), country, cohort, RFM segment, CLV tier or attribute value (<c>unknown</c> for none).</summary>
    /// <example>paid_search</example>
    public required string Key { get; init; }

    /// <summary>Customers acquired by the as-of date.</summary>
    /// <example>5120</example>
    public int Customers { get; init; }

    /// <summary>Of those, customers with at least two purchase days (<c>repeatPurchaseRate</c> × <c>customers</c>).</summary>
    /// <example>1946</example>
    public int RepeatCustomers { get; init; }

    /// <summary>Customers acquired in [from, to].</summary>
    /// <example>5120</example>
    public int NewCustomers { get; init; }

    /// <summary>Customers with a purchase in the last complete period.</summary>
    /// <example>410</example>
    public int ActiveCustomers { get; init; }

    /// <summary>Customers churned at the as-of date: no purchase for <c>Clv:ChurnWindowDays</c>.</summary>
    /// <example>4380</example>
    public int ChurnedCustomers { get; init; }

    /// <summary>Customers whose P(alive) in the active model run is below <c>Clv:AliveThreshold</c>; null without a run.</summary>
    public int? ModelChurnedCustomers { get; init; }

    /// <summary>Share of customers with at least two purchase days.</summary>
    /// <example>0.38</example>
    public double RepeatPurchaseRate { get; init; }

    /// <summary>Of the customers active in the period before the last complete one, the share active in it; null when none were.</summary>
    /// <example>0.42</example>
    public double? RetentionRate { get; init; }

    /// <summary>Customer churn rate of the last complete period: customers who became churned in it ÷ customers not churned at its start.</summary>
    /// <example>0.05</example>
    public double? ChurnRate { get; init; }

    /// <summary>Period churn rate: 1 − retentionRate.</summary>
    /// <example>0.58</example>
    public double? PeriodChurnRate { get; init; }

    /// <summary>Mean historical CLV (net revenue) per customer.</summary>
    /// <example>106.08</example>
    public decimal AvgHistoricalClv { get; init; }

    /// <summary>Median historical CLV.</summary>
    /// <example>43.97</example>
    public decimal MedianHistoricalClv { get; init; }

    /// <summary>Mean predicted CLV of the segment's customers the active model run predicted (docs/metrics.md); null without a run or without a predicted customer.</summary>
    public decimal? AvgPredictedClv { get; init; }

    /// <summary>Customer equity: Σ historical CLV over the segment.</summary>
    /// <example>543129.5</example>
    public decimal CustomerEquity { get; init; }

    /// <summary>Σ predicted CLV over the segment; null without a run.</summary>
    public decimal? PredictedCustomerEquity { get; init; }

    /// <summary>
    /// [lower, upper] of predicted customer equity at the run's <c>intervalLevel</c>, from its parametric bootstrap
    /// (docs/metrics.md, "Predicted customer equity interval"): for segments by acquisitionChannel and country as they
    /// stand (no <c>asOf</c> before today); null for the other groupings, without a run, or when it computed no
    /// intervals. In CSV, <c>predictedCustomerEquity_lo</c> and <c>predictedCustomerEquity_hi</c>.
    /// </summary>
    [MinLength(2)]
    [MaxLength(2)]
    [CsvInterval("predictedCustomerEquity")]
    public IReadOnlyList<decimal>? PredictedCustomerEquityInterval { get; init; }

    /// <summary>The segment's share of all net revenue; null when there is none. Below 0 (and others above 1) when refunds make a segment's net revenue negative.</summary>
    /// <example>0.217</example>
    public decimal? RevenueShare { get; init; }

    /// <summary>Acquisition spend in [from, to], prorated by days; null for groupings other than channels.</summary>
    /// <example>150000</example>
    public decimal? Spend { get; init; }

    /// <summary>CAC: spend ÷ newCustomers; null without new customers, or when no spend of the channel is recorded over [from, to] (unknown, not free).</summary>
    /// <example>29.2969</example>
    public decimal? Cac { get; init; }

    /// <summary>CLV:CAC with historical gross profit: the new customers' mean gross profit (net revenue where cost is unknown) ÷ CAC.</summary>
    /// <example>3.62</example>
    public decimal? ClvToCac { get; init; }

    /// <summary>CLV:CAC with predicted CLV: the new customers' mean predicted CLV ÷ CAC (docs/metrics.md); null without a run, without CAC, or when the run predicted none of them.</summary>
    public decimal? PredictedClvToCac { get; init; }

    /// <summary>CAC payback: the first month (1 = the acquisition month) at which the new customers' cumulative gross profit per customer reaches CAC; null when not reached or CAC is null.</summary>
    /// <example>4</example>
    public int? PaybackMonths { get; init; }

    /// <summary>Health bands for a dashboard to colour.</summary>
    public required HealthResponse Health { get; init; }

    /// <summary>Fewer customers than <c>Clv:MinSegmentSize</c>: read the rates with care.</summary>
    public bool SmallSample { get; init; }

    /// <summary>Monthly recurring revenue: the monthly-equivalent amount (a yearly one ÷ 12) of the segment's subscriptions active at the end of asOf.</summary>
    /// <example>4900</example>
    public decimal Mrr { get; init; }

    /// <summary>Subscriptions active at the end of asOf.</summary>
    /// <example>100</example>
    public long ActiveSubscriptions { get; init; }

    /// <summary>Subscriptions started in [from, to].</summary>
    /// <example>12</example>
    public long NewSubscriptions { get; init; }

    /// <summary>Subscriptions ended in [from, to].</summary>
    /// <example>4</example>
    public long CancelledSubscriptions { get; init; }

    /// <summary>Of the last complete period: subscriptions ended in it ÷ active at its start; null without one active at its start.</summary>
    /// <example>0.04</example>
    public decimal? SubscriptionChurnRate { get; init; }

    /// <summary>
    /// Residual value: Σ over the segment's subscriptions active at asOf of amount × gross margin × DERL, with the
    /// latest succeeded sbg run (its cohorts, discount rate and margin); null without such a run.
    /// </summary>
    public double? ResidualValue { get; init; }

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

    // The sums formulaClv is computed from with the request's gross margin.
    internal FormulaClvInputs Formula { get; init; } = FormulaClvInputs.None;

    /// <summary>The segment with formulaClv at <paramref name="grossMargin"/>.</summary>
    /// <param name="grossMargin">The gross margin, in (0, 1].</param>
    public SegmentResponse WithGrossMargin(decimal grossMargin) => this with { GrossMargin = grossMargin, FormulaClv = Formula.Clv(grossMargin) };

    /// <summary>Maps the computed figures.</summary>
    public static SegmentResponse From(SegmentFigures f) => From(f, SubscriptionFigures.None, null);

    /// <summary>Maps the computed figures, the segment's subscription figures and its interval of predicted customer equity.</summary>
    public static SegmentResponse From(SegmentFigures f, SubscriptionFigures subscriptions, double? residualValue, IReadOnlyList<decimal>? equityInterval = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(subscriptions);
        return new SegmentResponse
        {
            Key = f.Key,
            Customers = f.Customers,
            RepeatCustomers = f.RepeatCustomers,
            NewCustomers = f.NewCustomers,
            ActiveCustomers = f.ActiveCustomers,
            ChurnedCustomers = f.ChurnedCustomers,
            ModelChurnedCustomers = f.ModelChurnedCustomers,
            RepeatPurchaseRate = f.RepeatPurchaseRate,
            RetentionRate = f.RetentionRate,
            ChurnRate = f.ChurnRate,
            PeriodChurnRate = f.PeriodChurnRate,
            AvgHistoricalClv = f.AvgHistoricalClv,
            MedianHistoricalClv = f.MedianHistoricalClv,
            AvgPredictedClv = f.AvgPredictedClv,
            CustomerEquity = f.CustomerEquity,
            PredictedCustomerEquity = f.PredictedCustomerEquity,
            PredictedCustomerEquityInterval = f.PredictedCustomerEquity is null ? null : equityInterval,
            RevenueShare = f.RevenueShare,
            Spend = f.Spend,
            Cac = f.Cac,
            ClvToCac = f.ClvToCac,
            PredictedClvToCac = f.PredictedClvToCac,
            PaybackMonths = f.PaybackMonths,
            Health = new HealthResponse { ClvToCac = f.ClvToCacHealth, Payback = f.PaybackHealth },
            SmallSample = f.SmallSample,
            Mrr = subscriptions.Mrr,
            ActiveSubscriptions = subscriptions.ActiveSubscriptions,
            NewSubscriptions = subscriptions.NewSubscriptions,
            CancelledSubscriptions = subscriptions.CancelledSubscriptions,
            SubscriptionChurnRate = subscriptions.SubscriptionChurnRate,
            ResidualValue = residualValue,
            ArpuMonthly = f.Formula.ArpuMonthly,
            MonthlyChurnRate = f.Formula.MonthlyChurnRate,
            Formula = f.Formula,
        };
    }
}
