namespace Clv.Analytics.Models;

/// <summary>Settings of a predicted-CLV run.</summary>
/// <param name="HorizonMonths">H, the number of months summed.</param>
/// <param name="MonthlyDiscountRate">d, the discount rate per month (e.g. 0.01).</param>
/// <param name="TimeUnit">The time unit the purchase model was fitted in.</param>
public sealed record ClvProjection(int HorizonMonths, double MonthlyDiscountRate, TimeUnit TimeUnit);

/// <summary>
/// Predicted customer lifetime value: CLV = Σ_{k=1..H} E[M] · (E[X(k·m)] − E[X((k−1)·m)]) / (1+d)^k, with
/// m = 365.25/12 days in the model's time unit and E[X(t)] the purchase model's conditional expectation.
/// </summary>
public static class ClvCalculator
{
    /// <summary>The length of a month in days: a Julian year over 12.</summary>
    public const double DaysPerMonth = 365.25 / 12;

    /// <summary>
    /// The expected spend per purchase: E[M | x, m_x] from the Gamma-Gamma model for customers it was fitted on
    /// (x &gt; 0 and m_x &gt; 0), the population mean pγ/(q−1) for the others.
    /// </summary>
    /// <param name="spend">The fitted spend model.</param>
    /// <param name="frequency">x.</param>
    /// <param name="monetaryValue">m_x, the mean repeat-purchase value.</param>
    public static double ExpectedSpend(GammaGammaParameters spend, double frequency, double monetaryValue)
    {
        ArgumentNullException.ThrowIfNull(spend);
        return frequency > 0 && monetaryValue > 0
            ? spend.ConditionalExpectedAverageSpend(frequency, monetaryValue)
            : spend.PopulationMeanSpend;
    }

    /// <summary>Predicted revenue CLV of one customer with a known expected spend per purchase.</summary>
    /// <param name="purchases">The fitted purchase model.</param>
    /// <param name="expectedSpend">E[M], the expected value of each future purchase.</param>
    /// <param name="frequency">x.</param>
    /// <param name="recency">t_x.</param>
    /// <param name="age">T.</param>
    /// <param name="options">Horizon, discount rate and time unit.</param>
    public static double PredictedRevenue(IPurchaseModel purchases, double expectedSpend, double frequency, double recency, double age, ClvProjection options) =>
        expectedSpend * DiscountedPurchases(purchases, frequency, recency, age, options).Discounted;

    /// <summary>
    /// The discounted expected purchases over the horizon (<see cref="PredictedRevenue(IPurchaseModel, double, double, double, double, ClvProjection)"/>
    /// with every purchase worth 1) and E[X] at the horizon, the last of the monthly points (0 with no months), all
    /// from one call of <see cref="IPurchaseModel.CumulativeExpectedPurchases"/>.
    /// </summary>
    public static (double Discounted, double AtHorizon) DiscountedPurchases(
        IPurchaseModel purchases, double frequency, double recency, double age, ClvProjection options)
    {
        ArgumentNullException.ThrowIfNull(purchases);
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        var count = options.HorizonMonths;
        Span<double> times = count <= 256 ? stackalloc double[count] : new double[count];
        Span<double> cumulative = count <= 256 ? stackalloc double[count] : new double[count];
        MonthEnds(options, times);
        purchases.CumulativeExpectedPurchases(times, frequency, recency, age, cumulative);
        return Discount(cumulative, options.MonthlyDiscountRate);
    }

    /// <summary>
    /// The ends of the horizon's months in the model's time unit (k · <see cref="MonthIn"/>, k = 1..H), written into
    /// <paramref name="destination"/>: the times at which a CLV evaluates E[X(t)].
    /// </summary>
    /// <param name="options">Horizon and time unit.</param>
    /// <param name="destination">Receives <see cref="ClvProjection.HorizonMonths"/> times.</param>
    public static void MonthEnds(ClvProjection options, Span<double> destination)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        var month = MonthIn(options.TimeUnit);
        for (var k = 1; k <= options.HorizonMonths; k++)
        {
            destination[k - 1] = k * month;
        }
    }

    /// <summary>
    /// Σ_k (E[X(t_k)] − E[X(t_{k−1})]) / (1+d)^k over the month-end expectations <paramref name="cumulative"/>, and the last
    /// of them (0 when there is none).
    /// </summary>
    /// <param name="cumulative">E[X] at the end of each month of the horizon.</param>
    /// <param name="monthlyDiscountRate">d.</param>
    public static (double Discounted, double AtHorizon) Discount(ReadOnlySpan<double> cumulative, double monthlyDiscountRate)
    {
        var growth = 1.0 + monthlyDiscountRate;
        var discount = 1.0;
        var previous = 0.0;
        var sum = 0.0;
        foreach (var expected in cumulative)
        {
            discount /= growth;
            sum += (expected - previous) * discount;
            previous = expected;
        }

        return (sum, previous);
    }

    /// <summary>A month (<see cref="DaysPerMonth"/>) in <paramref name="unit"/>.</summary>
    public static double MonthIn(TimeUnit unit) => DaysPerMonth / RfmSummaryBuilder.DaysPer(unit);

    /// <summary>Predicted revenue CLV of one customer, with E[M] from <see cref="ExpectedSpend"/>.</summary>
    /// <param name="purchases">The fitted purchase model.</param>
    /// <param name="spend">The fitted spend model.</param>
    /// <param name="customer">The customer's calibration summary.</param>
    /// <param name="options">Horizon, discount rate and time unit.</param>
    public static double PredictedRevenue(IPurchaseModel purchases, GammaGammaParameters spend, RfmSummary customer, ClvProjection options) =>
        PredictedRevenue(
            purchases,
            ExpectedSpend(spend, customer.Frequency, (double)customer.MonetaryValue),
            customer.Frequency,
            customer.Recency,
            customer.Age,
            options);

    /// <summary>Predicted gross-profit CLV: the revenue CLV times the caller's margin ratio.</summary>
    /// <param name="purchases">The fitted purchase model.</param>
    /// <param name="spend">The fitted spend model.</param>
    /// <param name="customer">The customer's calibration summary.</param>
    /// <param name="options">Horizon, discount rate and time unit.</param>
    /// <param name="marginRatio">Gross profit per unit of revenue, e.g. 0.3.</param>
    public static double PredictedGrossProfit(IPurchaseModel purchases, GammaGammaParameters spend, RfmSummary customer, ClvProjection options, double marginRatio)
    {
        if (!double.IsFinite(marginRatio))
        {
            throw new ArgumentOutOfRangeException(nameof(marginRatio), marginRatio, "The margin ratio must be finite.");
        }

        return marginRatio * PredictedRevenue(purchases, spend, customer, options);
    }

    /// <summary>Predicted revenue CLV of many customers, written into <paramref name="destination"/>; no allocation per customer.</summary>
    /// <param name="purchases">The fitted purchase model.</param>
    /// <param name="spend">The fitted spend model.</param>
    /// <param name="customers">The customers' calibration summaries.</param>
    /// <param name="options">Horizon, discount rate and time unit.</param>
    /// <param name="destination">Receives one CLV per customer.</param>
    public static void PredictedRevenue(IPurchaseModel purchases, GammaGammaParameters spend, ReadOnlySpan<RfmSummary> customers, ClvProjection options, Span<double> destination)
    {
        if (destination.Length < customers.Length)
        {
            throw new ArgumentException("The destination is shorter than the customers.", nameof(destination));
        }

        for (var i = 0; i < customers.Length; i++)
        {
            destination[i] = PredictedRevenue(purchases, spend, customers[i], options);
        }
    }

    private static void Validate(ClvProjection options)
    {
        if (options.HorizonMonths < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.HorizonMonths, "The horizon must be ≥ 0 months.");
        }

        if (!double.IsFinite(options.MonthlyDiscountRate) || options.MonthlyDiscountRate <= -1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MonthlyDiscountRate, "The discount rate must be finite and > −1.");
        }
    }
}
