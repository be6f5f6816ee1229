using System.ComponentModel.DataAnnotations;
using Clv.Api.Infrastructure;
using System.Text.Json;
using Clv.Analytics.Historical;
using Clv.Analytics.Portfolio;
using Clv.Analytics.Statistics;
using Clv.Data.Customers;
using Clv.Data.Feedback;

namespace Clv.Api.Customers;

/// <summary>A customer's profile and historical CLV.</summary>
public sealed class CustomerResponse
{
    /// <summary>The CRM's customer id.</summary>
    /// <example>cust-42</example>
    public required string ExternalId { get; init; }

    /// <summary>When the customer was acquired: as sent, or else their first transaction or subscription start, whichever is earlier.</summary>
    public DateTimeOffset? AcquiredAt { get; init; }

    /// <summary>The acquisition channel.</summary>
    /// <example>paid_search</example>
    public string? AcquisitionChannel { get; init; }

    /// <summary>ISO 3166-1 alpha-2 country code.</summary>
    /// <example>DE</example>
    public string? Country { get; init; }

    /// <summary>Free segment tags.</summary>
    public Dictionary<string, string>? Attributes { get; init; }

    /// <summary>When Clv first stored the customer.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When Clv last changed the profile.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Historical CLV as of <c>asOf</c>, or now.</summary>
    public required HistoricalResponse Historical { get; init; }

    /// <summary>Predicted CLV from the active model run; null before any run, or when the run had no purchase of this customer.</summary>
    public PredictedResponse? Predicted { get; init; }

    /// <summary>RFM scores and segment as of <c>asOf</c> (or now); null without a purchase. On the single-customer read, and on the list with <c>include=rfm</c>.</summary>
    public RfmResponse? Rfm { get; init; }

    /// <summary>No purchase (or acquisition, without one) for <c>Clv:ChurnWindowDays</c> up to the as-of date. On the single-customer read, and on the list with <c>include=churned</c>.</summary>
    public bool? Churned { get; init; }

    /// <summary>P(alive) in the active model run is below <c>Clv:AliveThreshold</c>; null without a prediction.</summary>
    public bool? ModelChurned { get; init; }

    /// <summary>Net revenue of the last 12 months against the 12 before, up to the as-of date. On the single-customer read, and on the list with <c>include=trend</c>.</summary>
    public TrendResponse? Trend { get; init; }

    /// <summary>The latest NPS and CSAT answers as of <c>asOf</c> (or now). Only on the single-customer read.</summary>
    public CustomerFeedbackResponse? Feedback { get; init; }

    /// <summary>
    /// The customer's subscriptions started by the day of the figures, the latest started first, each with its
    /// plan, status and renewals, and, once an sbg model run has fitted its cohort, <c>derl</c> and <c>residualClv</c>.
    /// </summary>
    public List<Subscriptions.CustomerSubscriptionResponse>? Subscriptions { get; init; }

    /// <summary>The profile's attributes, read from their stored JSON.</summary>
    internal static Dictionary<string, string>? AttributesOf(Customer c) =>
        c.Attributes is null ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(c.Attributes);

    /// <summary>Maps a profile and its figures.</summary>
    public static CustomerResponse From(Customer c, HistoricalMetrics metrics, PredictedResponse? predicted) => From(c, metrics, predicted, null, null, null);

    /// <summary>
    /// Maps a profile, its figures, its standing among all customers (the parts of it that
    /// <paramref name="fields"/> names), whether the active model run counts it churned, and its latest answers.
    /// </summary>
    public static CustomerResponse From(
        Customer c, HistoricalMetrics metrics, PredictedResponse? predicted, CustomerStanding? standing, bool? modelChurned, CustomerFeedbackResponse? feedback,
        List<Subscriptions.CustomerSubscriptionResponse>? subscriptions = null, CustomerListFields fields = CustomerListFields.Standing)
    {
        ArgumentNullException.ThrowIfNull(c);
        return new CustomerResponse
        {
            ExternalId = c.ExternalId,
            AcquiredAt = c.AcquiredAt,
            AcquisitionChannel = c.AcquisitionChannel,
            Country = c.Country,
            Attributes = AttributesOf(c),
            CreatedAt = c.CreatedAt,
            UpdatedAt = c.UpdatedAt,
            Historical = HistoricalResponse.From(metrics),
            Predicted = predicted,
            Rfm = standing is { } rfm && fields.HasFlag(CustomerListFields.Rfm) ? RfmResponse.From(rfm) : null,
            Churned = fields.HasFlag(CustomerListFields.Churned) ? standing?.Churned : null,
            ModelChurned = modelChurned,
            Trend = standing is { } trend && fields.HasFlag(CustomerListFields.Trend) ? TrendResponse.From(trend) : null,
            Feedback = feedback,
            Subscriptions = subscriptions,
        };
    }
}

/// <summary>A customer's latest survey answers.</summary>
public sealed class CustomerFeedbackResponse
{
    /// <summary>The latest NPS answer (0..10) and its class; null without one.</summary>
    public NpsAnswerResponse? Nps { get; init; }

    /// <summary>The latest CSAT answer (1..5); null without one.</summary>
    public AnswerResponse? Csat { get; init; }

    /// <summary>Maps the latest answers.</summary>
    public static CustomerFeedbackResponse From(LatestAnswer? nps, LatestAnswer? csat) => new()
    {
        Nps = nps is null ? null : new NpsAnswerResponse
        {
            Score = nps.Score,
            AnsweredAt = nps.AnsweredAt,
            Class = NetPromoterScore.Classify(nps.Score).ToString().ToLowerInvariant(),
        },
        Csat = csat is null ? null : new AnswerResponse { Score = csat.Score, AnsweredAt = csat.AnsweredAt },
    };
}

/// <summary>One survey answer.</summary>
public class AnswerResponse
{
    /// <summary>The score.</summary>
    /// <example>4</example>
    public int Score { get; init; }

    /// <summary>When it was given.</summary>
    public DateTimeOffset AnsweredAt { get; init; }
}

/// <summary>An NPS answer with its class.</summary>
public sealed class NpsAnswerResponse : AnswerResponse
{
    /// <summary><c>promoter</c> (9–10), <c>passive</c> (7–8) or <c>detractor</c> (0–6).</summary>
    /// <example>promoter</example>
    public required string Class { get; init; }
}

/// <summary>RFM scores, 1..5 by quintile among the customers with a purchase, and the named segment.</summary>
public sealed class RfmResponse
{
    /// <summary>Recency score: 5 for the most recent buyers.</summary>
    /// <example>5</example>
    public int Recency { get; init; }

    /// <summary>Frequency score (purchase days).</summary>
    /// <example>4</example>
    public int Frequency { get; init; }

    /// <summary>Monetary score (net revenue).</summary>
    /// <example>5</example>
    public int Monetary { get; init; }

    /// <summary>The three scores as one code, R then F then M.</summary>
    /// <example>545</example>
    public required string Score { get; init; }

    /// <summary>The named segment (docs/metrics.md has the grid).</summary>
    /// <example>Champions</example>
    public required string Segment { get; init; }

    /// <summary>Reads a customer's scores; null without a purchase.</summary>
    public static RfmResponse? From(CustomerStanding standing) =>
        standing.RfmSegment < 0 ? null : new RfmResponse
        {
            Recency = standing.Recency,
            Frequency = standing.Frequency,
            Monetary = standing.Monetary,
            Score = $"{standing.Recency}{standing.Frequency}{standing.Monetary}",
            Segment = Analytics.Portfolio.Rfm.Segments[standing.RfmSegment],
        };
}

/// <summary>The change in spend: the last 12 months against the 12 before, up to the as-of date.</summary>
public sealed class TrendResponse
{
    /// <summary>Net revenue of the 12 months ending on the as-of date.</summary>
    /// <example>120</example>
    public decimal Last12Months { get; init; }

    /// <summary>Net revenue of the 12 months before those.</summary>
    /// <example>300</example>
    public decimal Previous12Months { get; init; }

    /// <summary>last12Months ÷ previous12Months − 1; null when the previous 12 months had none.</summary>
    /// <example>-0.6</example>
    public decimal? Change { get; init; }

    /// <summary>Spend fell by at least <c>Clv:AtRiskDecline</c> (default half): an early sign of attrition.</summary>
    public bool AtRisk { get; init; }

    /// <summary>Reads a customer's trend.</summary>
    public static TrendResponse From(CustomerStanding standing)
    {
        var (last, previous) = (standing.Last12Months, standing.Previous12Months);
        return new TrendResponse
        {
            Last12Months = last,
            Previous12Months = previous,
            Change = previous == 0 ? null : Math.Round((last / previous) - 1, 4, MidpointRounding.AwayFromZero),
            AtRisk = standing.AtRisk,
        };
    }
}

/// <summary>A customer's predicted figures from one model run.</summary>
public sealed class PredictedResponse
{
    /// <summary>The model run.</summary>
    public Guid RunId { get; init; }

    /// <summary>The date the prediction stands at: the run's calibration end, or its asOf.</summary>
    public DateOnly AsOf { get; init; }

    /// <summary>The purchase model: bgnbd, paretonbd, mbgnbd or bgbb.</summary>
    /// <example>bgnbd</example>
    public required string Model { get; init; }

    /// <summary>days, weeks, months or years: the unit of frequency, recency, age (whole calendar periods for bgbb).</summary>
    /// <example>weeks</example>
    public required string TimeUnit { get; init; }

    /// <summary>x: repeat purchase days up to asOf.</summary>
    /// <example>2</example>
    public double Frequency { get; init; }

    /// <summary>t_x: from the first to the last purchase day.</summary>
    /// <example>30.43</example>
    public double Recency { get; init; }

    /// <summary>T: from the first purchase day to asOf.</summary>
    /// <example>38.86</example>
    public double Age { get; init; }

    /// <summary>Expected purchases over the horizon.</summary>
    /// <example>1.226</example>
    public double ExpectedPurchases { get; init; }

    /// <summary>Probability that the customer is still active.</summary>
    /// <example>0.72</example>
    public double ProbabilityAlive { get; init; }

    /// <summary>Gamma-Gamma expected spend per purchase (the population mean for customers without repeat purchases).</summary>
    /// <example>35.1</example>
    public decimal ExpectedAverageSpend { get; init; }

    /// <summary>Discounted predicted revenue over the horizon.</summary>
    /// <example>42.7</example>
    public decimal PredictedClv { get; init; }

    /// <summary>Predicted CLV times the customer's historical gross margin; null when their cost is unknown.</summary>
    public decimal? PredictedGrossProfitClv { get; init; }

    /// <summary>
    /// How sure the figures are: intervals at the run's level from its parametric bootstrap (docs/models.md,
    /// "Prediction intervals"); null when the run computed none (<c>intervalDraws</c> 0, or no usable covariance).
    /// </summary>
    public PredictionIntervalsResponse? Intervals { get; init; }

    /// <summary>The horizon in months.</summary>
    /// <example>12</example>
    public int HorizonMonths { get; init; }

    /// <summary>The monthly discount rate.</summary>
    /// <example>0.01</example>
    public double DiscountRateMonthly { get; init; }

    /// <summary>Maps a stored prediction and the options of its run.</summary>
    public static PredictedResponse From(Clv.Data.ModelRuns.CustomerPrediction p, Clv.Api.ModelRuns.ModelRunOptions run)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(run);
        return new PredictedResponse
        {
            RunId = p.RunId,
            AsOf = run.PredictionDate,
            Model = run.PrimaryModel,
            TimeUnit = run.TimeUnit,
            Frequency = p.Frequency,
            Recency = p.Recency,
            Age = p.Age,
            ExpectedPurchases = p.ExpectedPurchases,
            ProbabilityAlive = p.ProbabilityAlive,
            ExpectedAverageSpend = p.ExpectedAverageSpend,
            PredictedClv = p.PredictedClv,
            PredictedGrossProfitClv = p.PredictedGrossProfitClv,
            Intervals = PredictionIntervalsResponse.From(p, run),
            HorizonMonths = run.HorizonMonths,
            DiscountRateMonthly = run.DiscountRateMonthly,
        };
    }
}

/// <summary>A customer's prediction intervals: each figure's [lower, upper] at the level.</summary>
public sealed class PredictionIntervalsResponse
{
    /// <summary>The intervals' coverage: the run's <c>intervalLevel</c>.</summary>
    /// <example>0.9</example>
    public double Level { get; init; }

    /// <summary>[lower, upper] of predicted CLV.</summary>
    /// <example>[30.12, 58.4]</example>
    [MinLength(2)]
    [MaxLength(2)]
    [CsvInterval]
    public required IReadOnlyList<decimal> PredictedClv { get; init; }

    /// <summary>[lower, upper] of expected purchases over the horizon.</summary>
    /// <example>[1.02, 1.45]</example>
    [MinLength(2)]
    [MaxLength(2)]
    [CsvInterval]
    public required IReadOnlyList<double> ExpectedPurchases { get; init; }

    /// <summary>[lower, upper] of the probability that the customer is still active.</summary>
    /// <example>[0.66, 0.77]</example>
    [MinLength(2)]
    [MaxLength(2)]
    [CsvInterval]
    public required IReadOnlyList<double> ProbabilityAlive { get; init; }

    /// <summary>The stored intervals of a prediction; null when it has none.</summary>
    public static PredictionIntervalsResponse? From(Clv.Data.ModelRuns.CustomerPrediction p, Clv.Api.ModelRuns.ModelRunOptions run)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(run);
        return p is { PredictedClvLo: { } clvLo, PredictedClvHi: { } clvHi, ExpectedPurchasesLo: { } purchasesLo, ExpectedPurchasesHi: { } purchasesHi, ProbabilityAliveLo: { } aliveLo, ProbabilityAliveHi: { } aliveHi }
            && run.IntervalLevel is { } level
            ? new PredictionIntervalsResponse
            {
                Level = level,
                PredictedClv = [clvLo, clvHi],
                ExpectedPurchases = [purchasesLo, purchasesHi],
                ProbabilityAlive = [aliveLo, aliveHi],
            }
            : null;
    }
}

/// <summary>Historical CLV figures. Money is in the reporting currency.</summary>
public sealed class HistoricalResponse
{
    /// <summary>Transactions of type purchase.</summary>
    /// <example>4</example>
    public int PurchaseCount { get; init; }

    /// <summary>Distinct calendar days with a purchase, in the reporting time zone.</summary>
    /// <example>3</example>
    public int PurchaseDays { get; init; }

    /// <summary>Purchase days after the first (purchaseDays − 1, or 0).</summary>
    /// <example>2</example>
    public int RepeatPurchaseDays { get; init; }

    /// <summary>Sum of purchases.</summary>
    /// <example>120.5</example>
    public decimal GrossRevenue { get; init; }

    /// <summary>Sum of refunds.</summary>
    /// <example>20</example>
    public decimal Refunds { get; init; }

    /// <summary>Gross revenue less refunds.</summary>
    /// <example>100.5</example>
    public decimal NetRevenue { get; init; }

    /// <summary>Net revenue less known cost; null when no transaction carried a cost.</summary>
    /// <example>60.5</example>
    public decimal? GrossProfit { get; init; }

    /// <summary>Gross revenue per purchase, to 4 decimals; null without purchases.</summary>
    /// <example>30.125</example>
    public decimal? AverageOrderValue { get; init; }

    /// <summary>The first purchase.</summary>
    public DateTimeOffset? FirstPurchaseAt { get; init; }

    /// <summary>The latest purchase.</summary>
    public DateTimeOffset? LastPurchaseAt { get; init; }

    /// <summary>Calendar days from acquisition to the as-of date.</summary>
    /// <example>400</example>
    public int? TenureDays { get; init; }

    /// <summary>Calendar days from the latest purchase to the as-of date.</summary>
    /// <example>12</example>
    public int? RecencyDays { get; init; }

    /// <summary>Historical CLV: net revenue to date.</summary>
    /// <example>100.5</example>
    public decimal HistoricalClv { get; init; }

    /// <summary>Maps the calculated figures.</summary>
    public static HistoricalResponse From(HistoricalMetrics m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return new HistoricalResponse
        {
            PurchaseCount = m.PurchaseCount,
            PurchaseDays = m.PurchaseDays,
            RepeatPurchaseDays = m.RepeatPurchaseDays,
            GrossRevenue = m.GrossRevenue,
            Refunds = m.Refunds,
            NetRevenue = m.NetRevenue,
            GrossProfit = m.GrossProfit,
            AverageOrderValue = m.AverageOrderValue,
            FirstPurchaseAt = m.FirstPurchaseAt,
            LastPurchaseAt = m.LastPurchaseAt,
            TenureDays = m.TenureDays,
            RecencyDays = m.RecencyDays,
            HistoricalClv = m.HistoricalClv,
        };
    }
}

/// <summary>One page of customers.</summary>
public sealed class CustomerPage
{
    /// <summary>The customers of this page, in the requested order.</summary>
    public required List<CustomerResponse> Items { get; init; }

    /// <summary>Rows per page.</summary>
    /// <example>100</example>
    public int PageSize { get; init; }

    /// <summary>The page number, when paging by number.</summary>
    public int? Page { get; init; }

    /// <summary>Pass as <c>cursor</c> to get the next page; null on the last page.</summary>
    public string? NextCursor { get; init; }
}

/// <summary>A row of the customer CSV export: the profile flattened with its historical figures.</summary>
public sealed record CustomerCsvRow(
    string ExternalId,
    DateTimeOffset? AcquiredAt,
    string? AcquisitionChannel,
    string? Country,
    Dictionary<string, string>? Attributes,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    HistoricalResponse Historical,
    PredictedResponse? Predicted);

/// <summary>What an erasure removed: the customer and every row derived from them.</summary>
public sealed class ErasureResponse
{
    /// <summary>The CRM's customer id that was erased; Clv no longer knows it.</summary>
    /// <example>cust-42</example>
    public required string ExternalId { get; init; }

    /// <summary>Customer profiles removed: always 1.</summary>
    /// <example>1</example>
    public long Customer { get; init; }

    /// <summary>Purchases and refunds removed.</summary>
    /// <example>17</example>
    public long Transactions { get; init; }

    /// <summary>Rows of the per-day rollup removed (one per day with a transaction).</summary>
    /// <example>12</example>
    public long PurchaseDays { get; init; }

    /// <summary>Predictions removed, over every stored model run.</summary>
    /// <example>1</example>
    public long Predictions { get; init; }

    /// <summary>NPS and CSAT answers removed, their comments with them.</summary>
    /// <example>2</example>
    public long Feedback { get; init; }

    /// <summary>Subscriptions removed, with their keys.</summary>
    /// <example>1</example>
    public long Subscriptions { get; init; }
}
