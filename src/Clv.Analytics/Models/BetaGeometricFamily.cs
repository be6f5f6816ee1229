using System.Runtime.CompilerServices;
using MathNet.Numerics;
using MathNet.Numerics.Integration;

namespace Clv.Analytics.Models;

/// <summary>
/// The likelihood and predictions shared by BG/NBD (shift 0) and the modified BG/NBD (shift 1). In the
/// modified model a customer may also drop out right after the first purchase, which shifts b + x to b + x + 1
/// in the beta-geometric terms and makes the dropout branch apply when x = 0 too.
/// </summary>
internal static class BetaGeometricFamily
{
    /// <summary>
    /// Mean negative log-likelihood and its gradient in θ = (r, α, a, b). Per customer
    /// ln L = A₁ + A₂ + ln(e^{A₃} + e^{A₄}), with
    /// A₁ = lnΓ(r+x) − lnΓ(r) + r ln α, A₂ = lnΓ(a+b) + lnΓ(b+x+s) − lnΓ(b) − lnΓ(a+b+x+s),
    /// A₃ = −(r+x) ln(α+T), A₄ = ln a − ln(b+x+s−1) − (r+x) ln(α+t_x) (only when x &gt; 0 or s = 1).
    /// </summary>
    public static double MeanNegativeLogLikelihood(PatternSet data, int shift, ReadOnlySpan<double> theta, Span<double> gradient)
    {
        double r = theta[0], alpha = theta[1], a = theta[2], b = theta[3];
        if (!(r > 0 && alpha > 0 && a > 0 && b > 0) || !double.IsFinite(r + alpha + a + b))
        {
            return double.NaN;
        }

        var withGradient = gradient.Length > 0;
        var nx = data.DistinctX.Length;
        var constant = new double[nx];
        var dropout = new double[nx];
        var dConstantR = withGradient ? new double[nx] : [];
        var dConstantA = withGradient ? new double[nx] : [];
        var dConstantB = withGradient ? new double[nx] : [];
        var dDropoutB = withGradient ? new double[nx] : [];

        var logAlpha = Math.Log(alpha);
        var logA = Math.Log(a);
        var lgR = SpecialFunctions.GammaLn(r);
        var lgAb = SpecialFunctions.GammaLn(a + b);
        var lgB = SpecialFunctions.GammaLn(b);
        double psiR = 0, psiAb = 0, psiB = 0;
        if (withGradient)
        {
            psiR = SpecialFunctions.DiGamma(r);
            psiAb = SpecialFunctions.DiGamma(a + b);
            psiB = SpecialFunctions.DiGamma(b);
        }

        for (var k = 0; k < nx; k++)
        {
            var x = data.DistinctX[k];
            var bx = b + x + shift;
            constant[k] = SpecialFunctions.GammaLn(r + x) - lgR + r * logAlpha
                + lgAb + SpecialFunctions.GammaLn(bx) - lgB - SpecialFunctions.GammaLn(a + bx);
            var hasDropout = x > 0 || shift == 1;
            dropout[k] = hasDropout ? logA - Math.Log(bx - 1) : double.NegativeInfinity;
            if (withGradient)
            {
                var psiAbx = SpecialFunctions.DiGamma(a + bx);
                dConstantR[k] = SpecialFunctions.DiGamma(r + x) - psiR + logAlpha;
                dConstantA[k] = psiAb - psiAbx;
                dConstantB[k] = psiAb + SpecialFunctions.DiGamma(bx) - psiB - psiAbx;
                dDropoutB[k] = hasDropout ? -1.0 / (bx - 1) : 0.0;
            }
        }

        double sum = 0, gR = 0, gAlpha = 0, gA = 0, gB = 0;
        var xs = data.X;
        var txs = data.Tx;
        var ages = data.Age;
        var weights = data.Weight;
        var index = data.XIndex;
        for (var i = 0; i < xs.Length; i++)
        {
            var k = index[i];
            var rx = r + xs[i];
            var alphaT = alpha + ages[i];
            var logAlphaT = Math.Log(alphaT);
            var a3 = -rx * logAlphaT;
            var w = weights[i];
            double ll, dropWeight, alphaTx = 0, logAlphaTx = 0;
            if (double.IsNegativeInfinity(dropout[k]))
            {
                ll = constant[k] + a3;
                dropWeight = 0;
            }
            else
            {
                alphaTx = alpha + txs[i];
                logAlphaTx = Math.Log(alphaTx);
                var a4 = dropout[k] - rx * logAlphaTx;
                ll = constant[k] + NumericMath.LogAddExp(a3, a4);
                dropWeight = NumericMath.Logistic(a3 - a4);
            }

            sum += w * ll;
            if (withGradient)
            {
                var aliveWeight = 1.0 - dropWeight;
                gR += w * (dConstantR[k] - aliveWeight * logAlphaT - (dropWeight > 0 ? dropWeight * logAlphaTx : 0));
                gAlpha += w * (r / alpha - aliveWeight * rx / alphaT - (dropWeight > 0 ? dropWeight * rx / alphaTx : 0));
                gA += w * (dConstantA[k] + dropWeight / a);
                gB += w * (dConstantB[k] + dropWeight * dDropoutB[k]);
            }
        }

        var total = data.TotalWeight;
        if (withGradient)
        {
            gradient[0] = -gR / total;
            gradient[1] = -gAlpha / total;
            gradient[2] = -gA / total;
            gradient[3] = -gB / total;
        }

        return -sum / total;
    }

    public static MleOutcome Fit(IReadOnlyList<RfmPattern> patterns, int shift, double penalizer, CancellationToken cancellationToken, out double observations)
    {
        var data = PatternSet.Create(patterns);
        observations = data.TotalWeight;
        if (data.InvalidReason is not null)
        {
            return new MleOutcome(null, null, double.NaN, 0, data.InvalidReason);
        }

        return MaximumLikelihood.Fit(
            (theta, gradient) => MeanNegativeLogLikelihood(data, shift, theta, gradient),
            analyticGradient: true,
            [1.0, 1.0, 1.0, 1.0],
            penalizer,
            data.TotalWeight,
            cancellationToken);
    }

    /// <summary>The log of the odds that a customer with this history has dropped out, versus alive.</summary>
    public static double LogDropoutOdds(double r, double alpha, double a, double b, int shift, double x, double tx, double age) =>
        Math.Log(a) - Math.Log(b + x + shift - 1) + (r + x) * (Math.Log(alpha + age) - Math.Log(alpha + tx));

    public static double ProbabilityAlive(double r, double alpha, double a, double b, int shift, double x, double tx, double age) =>
        x == 0 && shift == 0 ? 1.0 : NumericMath.Logistic(LogDropoutOdds(r, alpha, a, b, shift, x, tx, age));

    /// <summary>
    /// E[X(t) | x, t_x, T] = (a+b+x+s−1)/(a−1) · [1 − (1−z)^{r+x} ₂F₁(r+x, b+x+s; a+b+x+s−1; z)] · P(alive),
    /// z = t/(α+T+t). Near a = 1 Euler's transformation turns the bracket into
    /// 1 − (1−z)^{a−1} ₂F₁(a+b+s−1−r, a−1; a+b+x+s−1; z), summed with the 1/(a−1) taken out analytically, so the
    /// 0/0 at a = 1 never forms. Elsewhere (and when a huge r would make that series alternate wildly) the original
    /// series, all of whose terms are positive, is summed in logs; within 10⁻³ of a = 1 that form is averaged
    /// over a = 1 ± 10⁻³, an O(10⁻⁶) smoothing, since its cancellation there would cost more digits.
    /// </summary>
    public static double ConditionalExpectedPurchases(double r, double alpha, double a, double b, int shift, double t, double x, double tx, double age)
    {
        Span<double> expected = stackalloc double[1];
        CumulativeExpectedPurchases(r, alpha, a, b, shift, [t], x, tx, age, expected);
        return expected[0];
    }

    /// <summary>
    /// <see cref="ConditionalExpectedPurchases"/> at each of <paramref name="times"/>, each to the bit as alone:
    /// <see cref="ExpectedPurchasesIfAlive"/> times P(alive), computed once.
    /// </summary>
    public static void CumulativeExpectedPurchases(
        double r, double alpha, double a, double b, int shift, ReadOnlySpan<double> times, double x, double tx, double age, Span<double> destination)
    {
        ExpectedPurchasesIfAlive(r, alpha, a, b, shift, times, x, age, destination);
        var alive = ProbabilityAlive(r, alpha, a, b, shift, x, tx, age);
        for (var i = 0; i < times.Length; i++)
        {
            destination[i] *= alive;
        }
    }

    /// <summary>
    /// E[X(t) | alive at T, x, T] = (a+b+x+s−1)/(a−1) · [1 − (1−z)^{r+x} ₂F₁(r+x, b+x+s; a+b+x+s−1; z)] at each of
    /// <paramref name="times"/> (0 where t ≤ 0): what a customer known to be alive buys. Given alive, the posterior of
    /// the rate and the dropout probability depends on x and T only (the likelihood of alive customers is
    /// λ^x e^{−λT} (1−p)^x), so it does not depend on t_x; the conditional expectation is this times P(alive).
    /// The near-a = 1 series of every time are summed side by side; where a series does not converge within its
    /// budget, the time's value is <see cref="MixtureExpectedPurchasesIfAlive"/>.
    /// </summary>
    // Optimized from the first call: a run's bootstrap calls it for every (x, T) and draw in one go.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ExpectedPurchasesIfAlive(
        double r, double alpha, double a, double b, int shift, ReadOnlySpan<double> times, double x, double age, Span<double> destination)
    {
        var upperA = a + b + shift - 1 - r;
        var eulerSeries = Math.Abs(a - 1) <= 0.5 && upperA > -50;
        Span<double> z = times.Length <= 64 ? stackalloc double[times.Length] : new double[times.Length];
        for (var i = 0; i < times.Length; i++)
        {
            z[i] = times[i] <= 0 ? 0.0 : times[i] / (alpha + age + times[i]);
        }

        if (eulerSeries)
        {
            NumericMath.ScaledBetaGeometricBrackets(upperA, a - 1, a + b + x + shift - 1, z, destination);
        }
        else if (Math.Abs(a - 1) < 1e-3)
        {
            Span<double> above = times.Length <= 64 ? stackalloc double[times.Length] : new double[times.Length];
            OriginalScaledBrackets(r, 1 - 1e-3, b, shift, x, z, destination);
            OriginalScaledBrackets(r, 1 + 1e-3, b, shift, x, z, above);
            for (var i = 0; i < times.Length; i++)
            {
                destination[i] = 0.5 * (destination[i] + above[i]);
            }
        }
        else
        {
            OriginalScaledBrackets(r, a, b, shift, x, z, destination);
        }

        for (var i = 0; i < times.Length; i++)
        {
            var expected = destination[i];
            destination[i] = times[i] <= 0 ? 0.0
                : double.IsFinite(expected) && expected >= 0 ? expected
                : MixtureExpectedPurchasesIfAlive(r, alpha, a, b, shift, times[i], x, age);
        }
    }

    /// <summary>
    /// The expectation if alive as an average over the dropout probability, for where the series above does not
    /// converge within its budget (a purchase-rate shape r near 10⁶, or z within about 10⁻⁵ of 1). Alive at T, a
    /// customer with rate λ and dropout probability p buys (1 − e^{−λpt})/p times in t; λ | x, T is
    /// gamma(r+x, α+T) and p | x is beta(a, b+x+s), so E = E_p[g(p)] with
    /// g(p) = [1 − (1 + p·t/(α+T))^{−(r+x)}]/p, which falls from g(0) = (r+x)·t/(α+T) to g(1): a bounded,
    /// non-negative average. It is taken over logit p by Gauss–Kronrod, split at the beta's mode; below p₀ and
    /// above 1 − p₀ (p₀ = 10⁻¹²/(g(0) + a + b + x + 2)), where g and the rest of the density are constant to
    /// 10⁻¹², it is in closed form.
    /// </summary>
    internal static double MixtureExpectedPurchasesIfAlive(double r, double alpha, double a, double b, int shift, double t, double x, double age)
    {
        var rx = r + x;
        var u = t / (alpha + age);
        var bx = b + x + shift;
        double G(double p) => p == 0 ? rx * u : -NumericMath.ExpM1(-rx * NumericMath.Log1P(p * u)) / p;

        var logBeta = SpecialFunctions.GammaLn(a) + SpecialFunctions.GammaLn(bx) - SpecialFunctions.GammaLn(a + bx);
        var edge = 1e-12 / (G(0) + a + bx + 1);
        var logEdge = Math.Log(edge);
        var below = G(0) * Math.Exp((a * logEdge) - Math.Log(a) - logBeta);
        var above = G(1) * Math.Exp((bx * logEdge) - Math.Log(bx) - logBeta);

        // Over y = logit p the beta density is p^a (1−p)^{b'} / B(a, b'), log-concave with its mode at ln(a/b').
        double Integrand(double y)
        {
            var logP = -NumericMath.Log1P(Math.Exp(-y));
            var logQ = -NumericMath.Log1P(Math.Exp(y));
            return G(Math.Exp(logP)) * Math.Exp((a * logP) + (bx * logQ) - logBeta);
        }

        var low = logEdge - NumericMath.Log1P(-edge);
        var high = -low;
        var mode = Math.Log(a) - Math.Log(bx);
        var spread = Math.Sqrt((a + bx) / (a * bx));
        var cuts = new[] { -100.0, -30, -10, -3, -1, 0, 1, 3, 10, 30, 100 }
            .Select(k => mode + (k * spread))
            .Append(-Math.Log(G(0)))
            .Where(y => y > low && y < high)
            .Prepend(low)
            .Append(high)
            .Order()
            .ToArray();
        var middle = 0.0;
        for (var i = 1; i < cuts.Length; i++)
        {
            middle += GaussKronrodRule.Integrate(Integrand, cuts[i - 1], cuts[i], out _, out _, 1e-10, 12, 31);
        }

        return below + middle + above;
    }

    /// <summary>
    /// c/(a−1) · [1 − (1−z)^{r+x} ₂F₁(r+x, b+x+s; c; z)] with c = a+b+x+s−1 at each of <paramref name="z"/>, using
    /// c·₂F₁ = c + G where G is the positive tail series: [c(1 − (1−z)^{r+x}) − (1−z)^{r+x} G]/(a−1). The power's
    /// one exponential serves both terms; G, when it had to be scaled down, is multiplied in in logs.
    /// </summary>
    private static void OriginalScaledBrackets(double r, double a, double b, int shift, double x, ReadOnlySpan<double> z, Span<double> destination)
    {
        var c = a + b + x + shift - 1;
        Span<double> logScale = z.Length <= 64 ? stackalloc double[z.Length] : new double[z.Length];
        NumericMath.ScaledHypergeometricTails(r + x, b + x + shift, c, z, logScale, destination);
        for (var i = 0; i < z.Length; i++)
        {
            var logPower = (r + x) * NumericMath.Log1P(-z[i]);
            var power = Math.Exp(logPower);
            var tail = logScale[i] == 0 ? power * destination[i] : Math.Exp(logPower + logScale[i] + Math.Log(destination[i]));
            destination[i] = ((c * -NumericMath.ExpM1(logPower, power)) - tail) / (a - 1);
        }
    }

    public static double LogLikelihood(double r, double alpha, double a, double b, int shift, double x, double tx, double age)
    {
        var data = PatternSet.Create([new RfmPattern(x, tx, age, 1.0)]);
        return data.InvalidReason is null ? -MeanNegativeLogLikelihood(data, shift, [r, alpha, a, b], []) : double.NaN;
    }
}
