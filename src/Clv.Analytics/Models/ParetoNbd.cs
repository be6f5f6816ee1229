using MathNet.Numerics;
using MathNet.Numerics.Integration;

namespace Clv.Analytics.Models;

/// <summary>
/// Parameters of the Pareto/NBD model (Schmittlein, Morrison &amp; Colombo 1987): purchases follow a Poisson
/// process with gamma(r, α) rates; lifetimes are exponential with gamma(s, β) dropout rates. Times are in the
/// fit's unit.
/// </summary>
/// <param name="R">Shape r of the purchase-rate gamma.</param>
/// <param name="Alpha">Scale α of the purchase-rate gamma.</param>
/// <param name="S">Shape s of the dropout-rate gamma.</param>
/// <param name="Beta">Scale β of the dropout-rate gamma.</param>
public sealed record ParetoNbdParameters(double R, double Alpha, double S, double Beta) : IPurchaseModel
{
    /// <summary>
    /// E[X(t) | x, t_x, T] = (r+x)(β+T) / ((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^{s−1}] · P(alive), continuous at s = 1.
    /// </summary>
    /// <inheritdoc />
    public double ConditionalExpectedPurchases(double t, double frequency, double recency, double age) =>
        t <= 0 ? 0.0 : ExpectedPurchasesIfAlive(t, frequency, age) * ProbabilityAlive(frequency, recency, age);

    /// <summary>At each time, <see cref="ConditionalExpectedPurchases"/> with P(alive), the costly part, computed once.</summary>
    /// <inheritdoc />
    public void CumulativeExpectedPurchases(ReadOnlySpan<double> times, double frequency, double recency, double age, Span<double> destination)
    {
        TryExpectedPurchasesIfAlive(times, frequency, age, destination);
        var alive = ProbabilityAlive(frequency, recency, age);
        for (var i = 0; i < times.Length; i++)
        {
            destination[i] *= alive;
        }
    }

    /// <summary>E[X(t) | alive at T, x, T] = (r+x)(β+T) / ((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^{s−1}], 0 where t ≤ 0.</summary>
    /// <inheritdoc />
    public bool TryExpectedPurchasesIfAlive(ReadOnlySpan<double> times, double frequency, double age, Span<double> destination)
    {
        for (var i = 0; i < times.Length; i++)
        {
            destination[i] = times[i] <= 0 ? 0.0 : ExpectedPurchasesIfAlive(times[i], frequency, age);
        }

        return true;
    }

    /// <summary>E[X(t)] = rβ/(α(s−1)) · [1 − (β/(β+t))^{s−1}]: expected purchases of a new customer in their first <paramref name="t"/> time units.</summary>
    /// <param name="t">Length of the period.</param>
    public double ExpectedPurchases(double t) =>
        t <= 0 ? 0.0 : R * Beta / Alpha * NumericMath.OneMinusPowerOverExponent(Math.Log(Beta / (Beta + t)), S - 1);

    private double ExpectedPurchasesIfAlive(double t, double frequency, double age)
    {
        var betaT = Beta + age;
        return (R + frequency) * betaT / (Alpha + age) * NumericMath.OneMinusPowerOverExponent(Math.Log(betaT / (betaT + t)), S - 1);
    }

    /// <inheritdoc />
    public double ProbabilityAlive(double frequency, double recency, double age)
    {
        ParetoNbd.LogTerms(R, Alpha, S, Beta, frequency, recency, age, out var logAlive, out var logDead);
        return NumericMath.Logistic(logDead - logAlive);
    }

    /// <summary>The log-likelihood of one customer's (x, t_x, T).</summary>
    /// <param name="frequency">x.</param>
    /// <param name="recency">t_x.</param>
    /// <param name="age">T.</param>
    public double LogLikelihood(double frequency, double recency, double age)
    {
        ParetoNbd.LogTerms(R, Alpha, S, Beta, frequency, recency, age, out var logAlive, out var logDead);
        return SpecialFunctions.GammaLn(R + frequency) - SpecialFunctions.GammaLn(R) + R * Math.Log(Alpha) + S * Math.Log(Beta)
            + NumericMath.LogAddExp(logAlive, logDead);
    }
}

/// <summary>Fits the Pareto/NBD model by maximum likelihood, with a numerically stable likelihood.</summary>
public static class ParetoNbd
{
    /// <summary>Above this argument the ₂F₁ series converges slowly; the dropout integral is then evaluated by quadrature.</summary>
    private const double SeriesLimit = 0.95;

    /// <summary>
    /// Fits (r, α, s, β) over log-parameters with BFGS on a central-difference gradient. The objective is the
    /// weighted mean negative log-likelihood plus <paramref name="penalizer"/>·(r² + α² + s² + β²).
    /// </summary>
    /// <param name="patterns">Customers or weighted distinct patterns.</param>
    /// <param name="penalizer">L2 penalty coefficient; 0 for plain maximum likelihood.</param>
    /// <param name="cancellationToken">Stops the fit (<see cref="OperationCanceledException"/>).</param>
    public static FitResult<ParetoNbdParameters> Fit(IReadOnlyList<RfmPattern> patterns, double penalizer = 0, CancellationToken cancellationToken = default)
    {
        var data = PatternSet.Create(patterns);
        if (data.InvalidReason is not null)
        {
            return new MleOutcome(null, null, double.NaN, 0, data.InvalidReason)
                .ToFitResult(Create, data.TotalWeight);
        }

        var outcome = MaximumLikelihood.Fit(
            (theta, _) => MeanNegativeLogLikelihood(data, theta),
            analyticGradient: false,
            [1.0, 1.0, 1.0, 1.0],
            penalizer,
            data.TotalWeight,
            cancellationToken);
        return outcome.ToFitResult(Create, data.TotalWeight);

        static ParetoNbdParameters Create(double[] p) => new(p[0], p[1], p[2], p[3]);
    }

    internal static double MeanNegativeLogLikelihood(PatternSet data, ReadOnlySpan<double> theta)
    {
        double r = theta[0], alpha = theta[1], s = theta[2], beta = theta[3];
        if (!(r > 0 && alpha > 0 && s > 0 && beta > 0) || !double.IsFinite(r + alpha + s + beta))
        {
            return double.NaN;
        }

        var head = new double[data.DistinctX.Length];
        var lgR = SpecialFunctions.GammaLn(r);
        var common = r * Math.Log(alpha) + s * Math.Log(beta) - lgR;
        for (var k = 0; k < head.Length; k++)
        {
            head[k] = SpecialFunctions.GammaLn(r + data.DistinctX[k]) + common;
        }

        var sum = 0.0;
        for (var i = 0; i < data.Count; i++)
        {
            LogTerms(r, alpha, s, beta, data.X[i], data.Tx[i], data.Age[i], out var logAlive, out var logDead);
            sum += data.Weight[i] * (head[data.XIndex[i]] + NumericMath.LogAddExp(logAlive, logDead));
        }

        return -sum / data.TotalWeight;
    }

    /// <summary>
    /// The two parts of the likelihood, divided by Γ(r+x)α^r β^s / Γ(r), in logs:
    /// alive at T, ln[(α+T)^{−(r+x)} (β+T)^{−s}]; and dropped out in (t_x, T],
    /// ln[s ∫_{t_x}^{T} (β+τ)^{−(s+1)} (α+τ)^{−(r+x)} dτ] = ln[s/(r+s+x) · A₀] (Fader &amp; Hardie's A₀): from the
    /// ₂F₁ series (<see cref="LogDropoutSeries"/>) while it converges fast, else by quadrature (<see cref="LogDropoutIntegral"/>).
    /// </summary>
    internal static void LogTerms(double r, double alpha, double s, double beta, double x, double tx, double age, out double logAlive, out double logDead)
    {
        var rx = r + x;
        logAlive = -rx * Math.Log(alpha + age) - s * Math.Log(beta + age);
        if (!(age > tx))
        {
            logDead = double.NegativeInfinity;
            return;
        }

        var zTx = Math.Abs(alpha - beta) / (Math.Max(alpha, beta) + tx);
        logDead = zTx > SeriesLimit
            ? Math.Log(s) + LogDropoutIntegral(rx, alpha, s, beta, tx, age)
            : LogDropoutSeries(rx, alpha, s, beta, tx, age);
    }

    /// <summary>
    /// ln[s/(r+s+x) · A₀], the dropout part of <see cref="LogTerms"/>, from the ₂F₁ series: A₀ is a difference of two
    /// ₂F₁(r+s+x, ·; r+s+x+1; z) terms with z = |α−β|/(max(α,β)+t); the branch by α ≥ β keeps z in [0, 1). Euler's
    /// transformation rewrites each as (1−z)^{…} ₂F₁(1, b'; r+s+x+1; z), a series of positive terms shrinking at
    /// least by z, so it cannot overflow for large x; everything else stays in logs. Its terms grow as 1/(1−z).
    /// </summary>
    internal static double LogDropoutSeries(double rx, double alpha, double s, double beta, double tx, double age)
    {
        var rho = rx + s;
        var maxAb = Math.Max(alpha, beta);
        var gap = Math.Abs(alpha - beta);
        var zTx = gap / (maxAb + tx);
        var zT = gap / (maxAb + age);
        double atTx, atT;
        if (alpha >= beta)
        {
            // ₂F₁(ρ, s+1; ρ+1; z)/(α+t)^ρ = (β+t)^{−s} (α+t)^{−(r+x)} ₂F₁(1, r+x; ρ+1; z)
            atTx = -s * Math.Log(beta + tx) - rx * Math.Log(alpha + tx) + Math.Log(NumericMath.HypergeometricOneB(rx, rho + 1, zTx));
            atT = -s * Math.Log(beta + age) - rx * Math.Log(alpha + age) + Math.Log(NumericMath.HypergeometricOneB(rx, rho + 1, zT));
        }
        else
        {
            // ₂F₁(ρ, r+x; ρ+1; z)/(β+t)^ρ = (β+t)^{−(s+1)} (α+t)^{−(r+x−1)} ₂F₁(1, s+1; ρ+1; z)
            atTx = -(s + 1) * Math.Log(beta + tx) - (rx - 1) * Math.Log(alpha + tx) + Math.Log(NumericMath.HypergeometricOneB(s + 1, rho + 1, zTx));
            atT = -(s + 1) * Math.Log(beta + age) - (rx - 1) * Math.Log(alpha + age) + Math.Log(NumericMath.HypergeometricOneB(s + 1, rho + 1, zT));
        }

        return Math.Log(s) - Math.Log(rho) + NumericMath.LogDiffExp(atTx, atT);
    }

    /// <summary>
    /// ln ∫_{t_x}^{T} (β+τ)^{−(s+1)} (α+τ)^{−(r+x)} dτ by Gauss–Kronrod quadrature over v = ln(m+τ), m = min(α, β),
    /// where the integrand is smooth however wide [t_x, T] is and however sharp its peak at t_x. In τ it falls
    /// over a width of about m, which at m = 10⁻³ and T = 1,558 took the adaptive rule up to 2¹² pieces per
    /// customer and likelihood.
    /// </summary>
    /// <remarks>
    /// With d = |α−β|, (m+τ)^{−p} (m+d+τ)^{−q} dτ = e^{g(v)} dv, g(v) = (1−p)v − q ln(d+e^v), where (p, q) is
    /// (r+x, s+1) when α ≤ β and (s+1, r+x) otherwise. g is concave (g'' = −q·σ(1−σ), σ = e^v/(d+e^v)), so the
    /// integrand has one peak, at σ = (1−p)/q when that lies inside, else at an end. Only where g is within
    /// <see cref="SignificantDrop"/> of its peak counts (the rest is below e^{−50} of it and shrinks at least
    /// exponentially); that range is cut where g has fallen by 2 and by 10 on each side, so that on each piece
    /// the integrand varies by a bounded factor, and each piece is integrated to 10⁻¹⁰ relative in at most 2⁸
    /// subintervals.
    /// </remarks>
    internal static double LogDropoutIntegral(double rx, double alpha, double s, double beta, double tx, double age)
    {
        var m = Math.Min(alpha, beta);
        var d = Math.Abs(alpha - beta);
        var (p, q) = alpha <= beta ? (rx, s + 1) : (s + 1, rx);
        var logD = Math.Log(d);
        var (low, high) = (Math.Log(m + tx), Math.Log(m + age));
        var mode = p < 1 && d > 0 ? logD + Math.Log((1 - p) / (q - 1 + p)) : double.NegativeInfinity;
        var peak = Math.Clamp(mode, low, high);
        var atPeak = d + Math.Exp(peak);
        var top = ((1 - p) * peak) - (q * Math.Log(atPeak));

        // g(v) − g(peak), computed as a difference, not of two values of g: q ln(d+e^v) reaches 10⁶ when the
        // optimizer tries s in the tens of thousands, and its rounding alone would then be 10⁻¹⁰ of the integrand.
        double Fall(double v) => ((1 - p) * (v - peak)) - (q * NumericMath.Log1P((Math.Exp(v) - Math.Exp(peak)) / atPeak));
        double Integrand(double v) => Math.Exp(Fall(v));

        double[] cuts = [Fallen(low, SignificantDrop), Fallen(low, 10), Fallen(low, 2), peak, Fallen(high, 2), Fallen(high, 10), Fallen(high, SignificantDrop)];
        var sum = 0.0;
        for (var i = 1; i < cuts.Length; i++)
        {
            if (cuts[i] > cuts[i - 1])
            {
                sum += GaussKronrodRule.Integrate(Integrand, cuts[i - 1], cuts[i], out _, out _, 1e-10, 8, 31);
            }
        }

        return top + Math.Log(sum);

        // The point between the peak and the end where g has fallen by drop (to 10⁻⁶ of the range), or the end
        // if g falls less: g is monotone there.
        double Fallen(double end, double drop)
        {
            if (Fall(end) >= -drop)
            {
                return end;
            }

            var (inner, outer) = (peak, end);
            for (var k = 0; k < 20; k++)
            {
                var middle = (inner + outer) / 2;
                (inner, outer) = Fall(middle) >= -drop ? (middle, outer) : (inner, middle);
            }

            return outer;
        }
    }

    // How far below its peak ln of the dropout integrand still counts: e^{−50} ≈ 2·10⁻²².
    private const double SignificantDrop = 50;
}
