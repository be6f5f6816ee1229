namespace Clv.Analytics.Models;

/// <summary>A fitted purchase-count ("buy till you die") model, as used by the CLV calculation.</summary>
public interface IPurchaseModel
{
    /// <summary>E[X(t) | x, t_x, T]: expected purchases in the next <paramref name="t"/> time units of a customer with the given history.</summary>
    /// <param name="t">Length of the forecast period, in the fit's time unit.</param>
    /// <param name="frequency">x, repeat purchases in calibration.</param>
    /// <param name="recency">t_x, time of the last purchase since the first.</param>
    /// <param name="age">T, time since the first purchase.</param>
    double ConditionalExpectedPurchases(double t, double frequency, double recency, double age);

    /// <summary>P(alive | x, t_x, T): the probability the customer is still active at the end of calibration.</summary>
    /// <param name="frequency">x, repeat purchases in calibration.</param>
    /// <param name="recency">t_x, time of the last purchase since the first.</param>
    /// <param name="age">T, time since the first purchase.</param>
    double ProbabilityAlive(double frequency, double recency, double age);

    /// <summary>
    /// E[X(t) | x, t_x, T] at each of the increasing <paramref name="times"/>, written into <paramref name="destination"/>:
    /// what a CLV sums month by month. Each is evaluated on its own unless the model accumulates them in one pass.
    /// </summary>
    /// <param name="times">Forecast lengths in the fit's time unit, in increasing order.</param>
    /// <param name="frequency">x, repeat purchases in calibration.</param>
    /// <param name="recency">t_x, time of the last purchase since the first.</param>
    /// <param name="age">T, time since the first purchase.</param>
    /// <param name="destination">Receives one expectation per time.</param>
    void CumulativeExpectedPurchases(ReadOnlySpan<double> times, double frequency, double recency, double age, Span<double> destination)
    {
        for (var i = 0; i < times.Length; i++)
        {
            destination[i] = ConditionalExpectedPurchases(times[i], frequency, recency, age);
        }
    }

    /// <summary>
    /// E[X(t) | alive at T, x, T] at each of the increasing <paramref name="times"/>: what a customer known to be alive
    /// at T buys, in a model where that does not depend on t_x, so that E[X(t) | x, t_x, T] is P(alive | x, t_x, T) times
    /// it. Customers who share x and T then share its cost, which is most of a forecast's. False, with nothing
    /// written, for a model that does not factor so.
    /// </summary>
    /// <param name="times">Forecast lengths in the fit's time unit, in increasing order.</param>
    /// <param name="frequency">x, repeat purchases in calibration.</param>
    /// <param name="age">T, time since the first purchase.</param>
    /// <param name="destination">Receives one expectation per time.</param>
    bool TryExpectedPurchasesIfAlive(ReadOnlySpan<double> times, double frequency, double age, Span<double> destination) => false;
}

/// <summary>Batch predictions over many customers without allocating per customer.</summary>
public static class PurchaseModelExtensions
{
    /// <summary>Writes E[X(t) | x, t_x, T] of each customer into <paramref name="destination"/>.</summary>
    /// <param name="model">The fitted model.</param>
    /// <param name="t">Length of the forecast period.</param>
    /// <param name="customers">The customers' patterns (weights are ignored).</param>
    /// <param name="destination">Receives one value per customer.</param>
    public static void ConditionalExpectedPurchases(this IPurchaseModel model, double t, ReadOnlySpan<RfmPattern> customers, Span<double> destination)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (destination.Length < customers.Length)
        {
            throw new ArgumentException("The destination is shorter than the customers.", nameof(destination));
        }

        for (var i = 0; i < customers.Length; i++)
        {
            var c = customers[i];
            destination[i] = model.ConditionalExpectedPurchases(t, c.Frequency, c.Recency, c.Age);
        }
    }

    /// <summary>Writes P(alive | x, t_x, T) of each customer into <paramref name="destination"/>.</summary>
    /// <param name="model">The fitted model.</param>
    /// <param name="customers">The customers' patterns (weights are ignored).</param>
    /// <param name="destination">Receives one value per customer.</param>
    public static void ProbabilityAlive(this IPurchaseModel model, ReadOnlySpan<RfmPattern> customers, Span<double> destination)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (destination.Length < customers.Length)
        {
            throw new ArgumentException("The destination is shorter than the customers.", nameof(destination));
        }

        for (var i = 0; i < customers.Length; i++)
        {
            var c = customers[i];
            destination[i] = model.ProbabilityAlive(c.Frequency, c.Recency, c.Age);
        }
    }
}
