using MathNet.Numerics;

namespace Clv.Analytics.Models;

/// <summary>A customer's (or several identical customers') average spend observation.</summary>
/// <param name="Frequency">x: repeat purchases, the number of values averaged.</param>
/// <param name="MonetaryValue">m_x: mean value of the repeat purchases.</param>
/// <param name="Weight">How many customers share the observation.</param>
public readonly record struct SpendPattern(double Frequency, double MonetaryValue, double Weight);

/// <summary>
/// Parameters of the Gamma-Gamma spend model (Fader, Hardie &amp; Lee 2005, "RFM and CLV"): a customer's
/// transaction values are gamma(p, ν) with ν gamma(q, γ) across customers, independent of purchase counts.
/// </summary>
/// <param name="P">Shape p of transaction values.</param>
/// <param name="Q">Shape q of the customers' ν.</param>
/// <param name="Gamma">Scale γ of the customers' ν.</param>
public sealed record GammaGammaParameters(double P, double Q, double Gamma)
{
    /// <summary>E[M] = pγ/(q−1), the mean transaction value in the population; infinite when q ≤ 1.</summary>
    public double PopulationMeanSpend => Q > 1 ? P * Gamma / (Q - 1) : double.PositiveInfinity;

    /// <summary>
    /// E[M | x, m_x] = p(γ + x·m_x)/(px + q − 1): a weighted average of the population mean and the
    /// customer's own mean, trusting the latter more as x grows. With x = 0 it is the population mean.
    /// </summary>
    /// <param name="frequency">x, the number of repeat purchases averaged.</param>
    /// <param name="monetaryValue">m_x, their mean value.</param>
    public double ConditionalExpectedAverageSpend(double frequency, double monetaryValue) =>
        P * (Gamma + frequency * monetaryValue) / (P * frequency + Q - 1);

    /// <summary>
    /// ln f(m_x | x) = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + (px−1) ln m_x + px ln x − (px+q) ln(γ + x m_x),
    /// the density of a mean of x transaction values.
    /// </summary>
    /// <param name="frequency">x &gt; 0.</param>
    /// <param name="monetaryValue">m_x &gt; 0.</param>
    public double LogLikelihood(double frequency, double monetaryValue)
    {
        var px = P * frequency;
        return SpecialFunctions.GammaLn(px + Q) - SpecialFunctions.GammaLn(px) - SpecialFunctions.GammaLn(Q)
            + Q * Math.Log(Gamma) + (px - 1) * Math.Log(monetaryValue) + px * Math.Log(frequency)
            - (px + Q) * Math.Log(Gamma + frequency * monetaryValue);
    }
}

/// <summary>Fits the Gamma-Gamma spend model by maximum likelihood.</summary>
public static class GammaGamma
{
    /// <summary>
    /// Fits (p, q, γ) over log-parameters with BFGS and the analytic gradient, on the observations with x &gt; 0 and
    /// a positive mean (the others carry no spend information and are left out; <see cref="FitResult{T}.Observations"/>
    /// counts those used). The objective is the weighted mean negative log-likelihood plus
    /// <paramref name="penalizer"/>·(p² + q² + γ²). Non-finite values in the data make the fit fail.
    /// </summary>
    /// <param name="observations">Customers' spend observations.</param>
    /// <param name="penalizer">L2 penalty coefficient; 0 for plain maximum likelihood.</param>
    /// <param name="cancellationToken">Stops the fit (<see cref="OperationCanceledException"/>).</param>
    public static FitResult<GammaGammaParameters> Fit(IReadOnlyList<SpendPattern> observations, double penalizer = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(observations);
        if (observations.Any(o => !double.IsFinite(o.Frequency) || !double.IsFinite(o.MonetaryValue) || !double.IsFinite(o.Weight)))
        {
            return Failed("The spend data contain non-finite values.", 0);
        }

        var used = observations.Where(o => o.Frequency > 0 && o.MonetaryValue > 0 && o.Weight > 0).ToArray();
        var totalWeight = used.Sum(o => o.Weight);
        if (used.Length == 0)
        {
            return Failed("No customer has a repeat purchase with a positive mean value.", 0);
        }

        var data = new SpendSet(used);
        var outcome = MaximumLikelihood.Fit(
            (theta, gradient) => MeanNegativeLogLikelihood(data, theta, gradient),
            analyticGradient: true,
            [1.0, 1.0, 1.0],
            penalizer,
            totalWeight,
            cancellationToken);
        return outcome.ToFitResult(p => new GammaGammaParameters(p[0], p[1], p[2]), totalWeight);
    }

    private static FitResult<GammaGammaParameters> Failed(string reason, double observations) =>
        new MleOutcome(null, null, double.NaN, 0, reason).ToFitResult(p => new GammaGammaParameters(p[0], p[1], p[2]), observations);

    internal static double MeanNegativeLogLikelihood(SpendSet data, ReadOnlySpan<double> theta, Span<double> gradient)
    {
        double p = theta[0], q = theta[1], gamma = theta[2];
        if (!(p > 0 && q > 0 && gamma > 0) || !double.IsFinite(p + q + gamma))
        {
            return double.NaN;
        }

        var withGradient = gradient.Length > 0;
        var nx = data.DistinctX.Length;
        var head = new double[nx];
        var dHeadP = withGradient ? new double[nx] : [];
        var dHeadQ = withGradient ? new double[nx] : [];
        var lgQ = SpecialFunctions.GammaLn(q);
        var psiQ = withGradient ? SpecialFunctions.DiGamma(q) : 0.0;
        var logGamma = Math.Log(gamma);
        for (var k = 0; k < nx; k++)
        {
            var x = data.DistinctX[k];
            var px = p * x;
            head[k] = SpecialFunctions.GammaLn(px + q) - SpecialFunctions.GammaLn(px) - lgQ + q * logGamma + px * Math.Log(x);
            if (withGradient)
            {
                var psiPxQ = SpecialFunctions.DiGamma(px + q);
                dHeadP[k] = x * (psiPxQ - SpecialFunctions.DiGamma(px) + Math.Log(x));
                dHeadQ[k] = psiPxQ - psiQ + logGamma;
            }
        }

        double sum = 0, gP = 0, gQ = 0, gGamma = 0;
        for (var i = 0; i < data.X.Length; i++)
        {
            var k = data.XIndex[i];
            var x = data.X[i];
            var px = p * x;
            var w = data.Weight[i];
            var logM = data.LogM[i];
            var denominator = gamma + x * data.M[i];
            var logDenominator = Math.Log(denominator);
            sum += w * (head[k] + (px - 1) * logM - (px + q) * logDenominator);
            if (withGradient)
            {
                gP += w * (dHeadP[k] + x * (logM - logDenominator));
                gQ += w * (dHeadQ[k] - logDenominator);
                gGamma += w * (q / gamma - (px + q) / denominator);
            }
        }

        if (withGradient)
        {
            gradient[0] = -gP / data.TotalWeight;
            gradient[1] = -gQ / data.TotalWeight;
            gradient[2] = -gGamma / data.TotalWeight;
        }

        return -sum / data.TotalWeight;
    }

    /// <summary>Spend observations as arrays, with ln m precomputed and frequencies indexed for per-x caches.</summary>
    internal sealed class SpendSet
    {
        public SpendSet(IReadOnlyList<SpendPattern> observations)
        {
            var n = observations.Count;
            X = new double[n];
            M = new double[n];
            LogM = new double[n];
            Weight = new double[n];
            for (var i = 0; i < n; i++)
            {
                var o = observations[i];
                X[i] = o.Frequency;
                M[i] = o.MonetaryValue;
                LogM[i] = Math.Log(o.MonetaryValue);
                Weight[i] = o.Weight;
            }

            XIndex = PatternSet.IndexDistinct(X, out var distinctX);
            DistinctX = distinctX;
            TotalWeight = Weight.Sum();
        }

        public double[] X { get; }

        public double[] M { get; }

        public double[] LogM { get; }

        public double[] Weight { get; }

        public int[] XIndex { get; }

        public double[] DistinctX { get; }

        public double TotalWeight { get; }
    }
}
