using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Clv.Analytics.Models;

/// <summary>Small numerically careful helpers shared by the models: log-space sums and short series.</summary>
internal static class NumericMath
{
    /// <summary>Series stop once a term is this small relative to the partial sum.</summary>
    private const double SeriesTolerance = 1e-17;

    /// <summary>ln(e^a + e^b) without overflow.</summary>
    public static double LogAddExp(double a, double b)
    {
        if (double.IsNegativeInfinity(a))
        {
            return b;
        }

        if (double.IsNegativeInfinity(b))
        {
            return a;
        }

        return a >= b ? a + Log1P(Math.Exp(b - a)) : b + Log1P(Math.Exp(a - b));
    }

    /// <summary>ln(e^a − e^b) for a ≥ b; negative infinity when the difference is not positive.</summary>
    public static double LogDiffExp(double a, double b)
    {
        if (!(a > b))
        {
            return double.NegativeInfinity;
        }

        return a + Log1P(-Math.Exp(b - a));
    }

    /// <summary>ln(1 + x), accurate for small x (Goldberg's correction).</summary>
    public static double Log1P(double x)
    {
        var u = 1.0 + x;
        return u == 1.0 ? x : Math.Log(u) * x / (u - 1.0);
    }

    /// <summary>e^x − 1, accurate for small x (Kahan's correction).</summary>
    public static double ExpM1(double x) => ExpM1(x, Math.Exp(x));

    /// <summary><see cref="ExpM1(double)"/> given u = e^x, computed already.</summary>
    public static double ExpM1(double x, double u)
    {
        if (Math.Abs(x) >= 0.5)
        {
            return u - 1.0;
        }

        if (u == 1.0)
        {
            return x;
        }

        return (u - 1.0) * x / Math.Log(u);
    }

    /// <summary>(1 − y^ε)/ε from ln y, continuous at ε = 0 where it is −ln y.</summary>
    public static double OneMinusPowerOverExponent(double logY, double epsilon)
    {
        var product = epsilon * logY;
        return product == 0.0 ? -logY : -ExpM1(product) / epsilon;
    }

    /// <summary>
    /// lnΓ(x+a) − lnΓ(x) for x &gt; 0 and a ≥ 0, accurate where the difference of two lnΓ would cancel (a small
    /// beside x, e.g. x = 10⁶, a = 10⁻⁶). Both arguments are first raised to at least 16 with Γ(y+1) = yΓ(y), each
    /// step subtracting ln(1 + a/y); then with Stirling's series, lnΓ(y+a) − lnΓ(y) =
    /// (y−½)·ln(1 + a/y) + a·(ln(y+a) − 1) + φ(y+a) − φ(y), φ(y) = Σ B₂ₖ/(2k(2k−1)y^{2k−1}) to k = 6, whose next
    /// term is below 10⁻¹⁷ at y ≥ 16. Every part is proportional to a, so the relative error stays near rounding.
    /// </summary>
    public static double LogGammaRatio(double x, double a)
    {
        if (a == 0)
        {
            return 0.0;
        }

        const double Threshold = 16;
        var shifted = 0.0;
        while (x < Threshold || x + a < Threshold)
        {
            shifted -= Log1P(a / x);
            x += 1;
        }

        return shifted + ((x - 0.5) * Log1P(a / x)) + (a * (Math.Log(x + a) - 1)) + StirlingCorrectionDifference(x, a);
    }

    /// <summary>
    /// φ(x+a) − φ(x) for x ≥ 16, φ(y) = Σₖ cₖ y^{−k} (odd k ≤ 11) the remainder of Stirling's series, taken in a form
    /// proportional to a: with p = 1/x and q = 1/(x+a), q^k − p^k = −a·p·q·hₖ where hₖ = Σ_{j&lt;k} q^j p^{k−1−j}.
    /// </summary>
    private static double StirlingCorrectionDifference(double x, double a)
    {
        ReadOnlySpan<double> coefficients = [1.0 / 12, 0, -1.0 / 360, 0, 1.0 / 1260, 0, -1.0 / 1680, 0, 1.0 / 1188, 0, -691.0 / 360360];
        var p = 1.0 / x;
        var q = 1.0 / (x + a);
        var h = 1.0;
        var qPower = 1.0;
        var sum = coefficients[0];
        for (var k = 2; k <= coefficients.Length; k++)
        {
            qPower *= q;
            h = (p * h) + qPower;
            sum += coefficients[k - 1] * h;
        }

        return -a * p * q * sum;
    }

    /// <summary>1 / (1 + e^u) without overflow.</summary>
    public static double Logistic(double u) => u > 0 ? Math.Exp(-u) / (1.0 + Math.Exp(-u)) : 1.0 / (1.0 + Math.Exp(u));

    /// <summary>
    /// c · [1 − (1−z)^ε · ₂F₁(A, ε; c; z)] / ε for 0 ≤ z &lt; 1, continuous at ε = 0 and at c = 0, at each of
    /// <paramref name="z"/> (a CLV's monthly points). Writing ₂F₁(A, ε; c; z) = 1 + ε·S with
    /// S = Σ_{k≥1} (A)_k (1+ε)_{k−1} / ((c)_k k!) z^k removes the 0/0 at ε = 0; multiplying by c before summing,
    /// c·S = Σ (A)_k (1+ε)_{k−1} / ((c+1)_{k−1} k!) z^k, removes the pole at c = 0 (which the product does not have).
    /// The terms' ratio does not depend on z, so it is computed once per k for a vector of z, and each z's sum is
    /// taken at the term where its own series stops: each value is the same to the bit as alone.
    /// </summary>
    /// <returns>Each value, or NaN where the series does not converge within its budget.</returns>
    // Optimized from the first call: a run's bootstrap calls it for every pattern and draw in one go.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScaledBetaGeometricBrackets(double upperA, double epsilon, double c, ReadOnlySpan<double> z, Span<double> destination)
    {
        for (var start = 0; start < z.Length; start += Vector256<double>.Count)
        {
            var sums = BracketSeries(upperA, epsilon, c, VectorAt(z, start));
            for (var i = start; i < Math.Min(z.Length, start + Vector256<double>.Count); i++)
            {
                var (power, first) = BracketFirstTerm(epsilon, c, z[i]);
                destination[i] = z[i] == 0.0 ? first : first - (power * sums[i - start]);
            }
        }
    }

    // The z from start on, four to a vector; a last part-filled one is padded with z = 0, whose series stops at once.
    private static Vector256<double> VectorAt(ReadOnlySpan<double> z, int start)
    {
        Span<double> lanes = stackalloc double[Vector256<double>.Count];
        z.Slice(start, Math.Min(lanes.Length, z.Length - start)).CopyTo(lanes);
        return Vector256.Create<double>(lanes);
    }

    // (1−z)^ε and c·(1 − (1−z)^ε)/ε, sharing the one exponential.
    private static (double Power, double First) BracketFirstTerm(double epsilon, double c, double z)
    {
        var logOneMinusZ = Log1P(-z);
        var product = epsilon * logOneMinusZ;
        var power = Math.Exp(product);
        var first = c * (product == 0.0 ? -logOneMinusZ : -ExpM1(product, power) / epsilon);
        return (power, first);
    }

    // c·S of each lane's z, NaN in a lane whose sum stops being finite or does not settle within the budget. A lane
    // stops at the first k past the sign changes where the term is below the tolerance; its sum is taken there, while
    // the running sums go on unmasked (keeping the stop test off their chain of additions).
    private static Vector256<double> BracketSeries(double upperA, double epsilon, double c, Vector256<double> z)
    {
        var term = Vector256.Create(upperA) * z;
        var sum = term;
        var tolerance = Vector256.Create(SeriesTolerance);
        var result = Vector256.Create(double.NaN);
        var stopped = Vector256<double>.Zero; // all bits set in a lane whose series has stopped
        // Terms change sign only while A + k < 0 (ε and c exceed −1); stop no earlier than that.
        var settle = Math.Max(0.0, -upperA) + 2.0;
        var k = 1.0; // k as a double: the same sums as an int converted at each use, without the conversions
        for (var step = 1; step < 200_000; step++, k++)
        {
            term *= Vector256.Create((upperA + k) * (epsilon + k) / ((c + k) * (k + 1))) * z;
            sum += term;
            var converged = k > settle ? Vector256.LessThanOrEqual(Vector256.Abs(term), tolerance * Vector256.Abs(sum)) : Vector256<double>.Zero;
            var stops = Vector256.AndNot(converged, stopped);
            result = Vector256.ConditionalSelect(stops, sum, result);
            stopped |= stops | ~Vector256.Equals(sum - sum, Vector256<double>.Zero); // a sum that is no longer finite stops as NaN
            if (Vector256.EqualsAll(stopped.AsUInt64(), Vector256<ulong>.AllBitsSet))
            {
                break;
            }
        }

        return result;
    }

    /// <summary>
    /// c·(₂F₁(a, b; c; z) − 1) = Σ_{k≥1} (a)_k (b)_k / ((c+1)_{k−1} k!) z^k for a, b &gt; 0, c &gt; −1 and 0 &lt; z &lt; 1, at
    /// each of <paramref name="z"/>, as <paramref name="sum"/> · e^<paramref name="logScale"/>. All terms are positive;
    /// the running sum is scaled down by 10⁻²⁵⁰ whenever it passes 10²⁵⁰, so the value is right even where ₂F₁ itself
    /// overflows a double (the scale is 0 until then). Multiplying by c first keeps c ≤ 0 (where (c)_k changes sign
    /// once) usable. As in <see cref="ScaledBetaGeometricBrackets"/>, the terms' ratio is computed once per k for a
    /// vector of z, and each z's value is the same to the bit as alone.
    /// </summary>
    /// <remarks>A sum is NaN where the series does not converge within its budget.</remarks>
    // Optimized from the first call: a run's bootstrap calls it for every pattern and draw in one go.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScaledHypergeometricTails(double a, double b, double c, ReadOnlySpan<double> z, Span<double> logScale, Span<double> sum)
    {
        for (var start = 0; start < z.Length; start += Vector256<double>.Count)
        {
            var (logScales, sums) = HypergeometricTailSeries(a, b, c, VectorAt(z, start));
            for (var i = start; i < Math.Min(z.Length, start + Vector256<double>.Count); i++)
            {
                (logScale[i], sum[i]) = (logScales[i - start], sums[i - start]);
            }
        }
    }

    // Each lane's sum, taken at the term where the lane stops (the running sums go on unmasked), and the log of the
    // factor it was scaled down by before; NaN in a lane that does not converge.
    private static (Vector256<double> LogScale, Vector256<double> Sum) HypergeometricTailSeries(double a, double b, double c, Vector256<double> z)
    {
        const double Rescale = 1e-250;
        var large = Vector256.Create(1.0 / Rescale);
        var tolerance = Vector256.Create(SeriesTolerance);
        var term = Vector256.Create(a * b) * z;
        var sum = term;
        var logScale = Vector256<double>.Zero;
        var result = Vector256.Create(double.NaN);
        var stopped = Vector256<double>.Zero; // all bits set in a lane whose series has stopped
        var k = 1.0; // k as a double: the same sums as an int converted at each use, without the conversions
        for (var step = 1; step < 200_000; step++, k++)
        {
            term *= Vector256.Create((a + k) * (b + k) / ((c + k) * (k + 1))) * z;
            sum += term;
            var stops = Vector256.AndNot(Vector256.LessThanOrEqual(term, tolerance * sum), stopped);
            result = Vector256.ConditionalSelect(stops, sum, result);
            stopped |= stops;
            if (Vector256.EqualsAll(stopped.AsUInt64(), Vector256<ulong>.AllBitsSet))
            {
                break;
            }

            if (Vector256.GreaterThanAny(sum, large))
            {
                // Only the lanes still summing: a stopped lane's scale stays the one its sum was taken at.
                var rescaled = Vector256.AndNot(Vector256.GreaterThan(sum, large), stopped);
                sum = Vector256.ConditionalSelect(rescaled, sum * Vector256.Create(Rescale), sum);
                term = Vector256.ConditionalSelect(rescaled, term * Vector256.Create(Rescale), term);
                logScale = Vector256.ConditionalSelect(rescaled, logScale + Vector256.Create(-Math.Log(Rescale)), logScale);
            }
        }

        return (logScale, result);
    }

    /// <summary>
    /// ₂F₁(1, b; c; z) = Σ_{k≥0} t_k with t_k = (b)_k/(c)_k z^k, for c &gt; b &gt; 0 and 0 ≤ z &lt; 1.
    /// </summary>
    /// <remarks>
    /// Error bound: the terms are positive and t_{k+1}/t_k = (b+k)/(c+k)·z &lt; z, so once the terms up to t_K are
    /// summed the remainder is below t_K·(z + z² + …) = t_K·z/(1−z). The sum stops at the first K where that bound
    /// is at most 10⁻¹⁶ of the partial sum, so the truncation error is below 10⁻¹⁶ relative; the rounding of K
    /// additions of positive terms adds at most about K·2⁻⁵³ relative. Roughly (37 + ln(1/(1−z)))/(1−z) terms
    /// are needed when b ≈ c, so z up to 1 − 5·10⁻⁶ converges within the budget of 10⁷ terms.
    /// </remarks>
    /// <returns>The value, or NaN when the bound is not met within the budget.</returns>
    public static double HypergeometricOneB(double b, double c, double z)
    {
        const double Tolerance = 1e-16;
        var tailFactor = z / (1.0 - z);
        var term = 1.0;
        var sum = 1.0;
        for (var k = 0; k < 10_000_000; k++)
        {
            term *= (b + k) / (c + k) * z;
            sum += term;
            if (term * tailFactor <= Tolerance * sum)
            {
                return sum;
            }
        }

        return double.NaN;
    }
}
