namespace Clv.Analytics.Models;

/// <summary>
/// Parameters of the modified BG/NBD model (Batislam, Denizel &amp; Filiztekin 2007): as BG/NBD, but a
/// customer may also drop out right after the first purchase, so customers with no repeat purchase are not
/// all certainly alive.
/// </summary>
/// <param name="R">Shape r of the purchase-rate gamma.</param>
/// <param name="Alpha">Scale α of the purchase-rate gamma.</param>
/// <param name="A">a of the dropout-probability beta.</param>
/// <param name="B">b of the dropout-probability beta.</param>
public sealed record ModifiedBgNbdParameters(double R, double Alpha, double A, double B) : IPurchaseModel
{
    /// <inheritdoc />
    public double ConditionalExpectedPurchases(double t, double frequency, double recency, double age) =>
        BetaGeometricFamily.ConditionalExpectedPurchases(R, Alpha, A, B, 1, t, frequency, recency, age);

    /// <inheritdoc />
    public void CumulativeExpectedPurchases(ReadOnlySpan<double> times, double frequency, double recency, double age, Span<double> destination) =>
        BetaGeometricFamily.CumulativeExpectedPurchases(R, Alpha, A, B, 1, times, frequency, recency, age, destination);

    /// <inheritdoc />
    public bool TryExpectedPurchasesIfAlive(ReadOnlySpan<double> times, double frequency, double age, Span<double> destination)
    {
        BetaGeometricFamily.ExpectedPurchasesIfAlive(R, Alpha, A, B, 1, times, frequency, age, destination);
        return true;
    }

    /// <summary>E[X(t)]: expected purchases of a new customer in their first <paramref name="t"/> time units after the first purchase.</summary>
    /// <param name="t">Length of the period.</param>
    public double ExpectedPurchases(double t) => ConditionalExpectedPurchases(t, 0, 0, 0);

    /// <inheritdoc />
    public double ProbabilityAlive(double frequency, double recency, double age) =>
        BetaGeometricFamily.ProbabilityAlive(R, Alpha, A, B, 1, frequency, recency, age);

    /// <summary>The log-likelihood of one customer's (x, t_x, T).</summary>
    /// <param name="frequency">x.</param>
    /// <param name="recency">t_x.</param>
    /// <param name="age">T.</param>
    public double LogLikelihood(double frequency, double recency, double age) =>
        BetaGeometricFamily.LogLikelihood(R, Alpha, A, B, 1, frequency, recency, age);
}

/// <summary>Fits the modified BG/NBD model by maximum likelihood.</summary>
public static class ModifiedBgNbd
{
    /// <summary>
    /// Fits (r, α, a, b) over log-parameters with BFGS and the analytic gradient; the objective is the weighted
    /// mean negative log-likelihood plus <paramref name="penalizer"/>·(r² + α² + a² + b²).
    /// </summary>
    /// <param name="patterns">Customers or weighted distinct patterns.</param>
    /// <param name="penalizer">L2 penalty coefficient; 0 for plain maximum likelihood.</param>
    /// <param name="cancellationToken">Stops the fit (<see cref="OperationCanceledException"/>).</param>
    public static FitResult<ModifiedBgNbdParameters> Fit(IReadOnlyList<RfmPattern> patterns, double penalizer = 0, CancellationToken cancellationToken = default)
    {
        var outcome = BetaGeometricFamily.Fit(patterns, 1, penalizer, cancellationToken, out var observations);
        return outcome.ToFitResult(p => new ModifiedBgNbdParameters(p[0], p[1], p[2], p[3]), observations);
    }
}
