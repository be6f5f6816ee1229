using Clv.Analytics.Models;

namespace Clv.Analytics.Tests.Models;

/// <summary>
/// The monthly expectations a CLV sums, taken side by side (four times to a vector), equal the expectation at each
/// time taken on its own, to the last bit; and the vectorised series equals the plain scalar loop to the bit.
/// </summary>
public class CumulativeExpectationTests
{
    // Monthly points of a year in weeks, plus a zero and a very long time (z near 1).
    private static readonly double[] Times = [.. Enumerable.Range(0, 13).Select(k => k * 30.436875 / 7), 5_000];

    public static TheoryData<double, double, double, double> Parameters => new()
    {
        { 0.243, 4.414, 0.793, 2.426 }, // CDNOW, Fader, Hardie & Lee (2005): the scaled-series branch
        { 0.525, 6.183, 0.891, 1.614 }, // the modified model's CDNOW fit
        { 2.0, 10.0, 1.4, 0.3 },
        { 0.1, 1.0, 0.55, 40.0 },
        { 1.0, 3.0, 1.0, 2.0 }, // a = 1 exactly
        { 0.3, 5.0, 2.5, 3.0 }, // outside the branch: time by time
        { 60.0, 2.0, 0.9, 0.05 }, // A = a + b − 1 − r far below zero
    };

    [Theory]
    [MemberData(nameof(Parameters))]
    public void Side_by_side_equals_each_time_on_its_own(double r, double alpha, double a, double b)
    {
        IPurchaseModel[] models = [new BgNbdParameters(r, alpha, a, b), new ModifiedBgNbdParameters(r, alpha, a, b)];
        var patterns = new (double X, double Tx, double T)[] { (0, 0, 38), (1, 2, 38), (2, 30.43, 38.86), (7, 35, 39), (40, 70, 78) };
        foreach (var model in models)
        {
            foreach (var (x, tx, age) in patterns)
            {
                var together = new double[Times.Length];
                model.CumulativeExpectedPurchases(Times, x, tx, age, together);
                for (var i = 0; i < Times.Length; i++)
                {
                    var alone = model.ConditionalExpectedPurchases(Times[i], x, tx, age);
                    Assert.True(
                        BitConverter.DoubleToInt64Bits(alone) == BitConverter.DoubleToInt64Bits(together[i]),
                        $"{model.GetType().Name} ({r}, {alpha}, {a}, {b}) at x={x}, t_x={tx}, T={age}, t={Times[i]}: {alone:R} alone, {together[i]:R} side by side");
                }
            }
        }
    }

    [Theory]
    [InlineData(1.98, -0.207, 3.219, 0.3)] // CDNOW's BG/NBD: A = a + b − 1 − r, ε = a − 1, c = a + b + x − 1
    [InlineData(1.98, -0.207, 12.219, 0.6)]
    [InlineData(-7.5, 0.4, 2.5, 0.5)] // terms that change sign while A + k < 0
    [InlineData(0.5, 0.0, 0.0, 0.9)] // ε = 0 and c = 0
    [InlineData(3.0, 0.2, 1.5, 0.999)] // z near 1: thousands of terms
    public void The_vector_series_equals_the_scalar_loop_to_the_bit(double upperA, double epsilon, double c, double zLast)
    {
        var z = Enumerable.Range(0, 7).Select(k => zLast * k / 6).ToArray(); // 0 first, two vectors, the second part-filled
        var vector = new double[z.Length];
        NumericMath.ScaledBetaGeometricBrackets(upperA, epsilon, c, z, vector);
        for (var i = 0; i < z.Length; i++)
        {
            var scalar = ScalarBracket(upperA, epsilon, c, z[i]);
            Assert.True(
                BitConverter.DoubleToInt64Bits(scalar) == BitConverter.DoubleToInt64Bits(vector[i]),
                $"z={z[i]:R}: {scalar:R} scalar, {vector[i]:R} vector");
        }
    }

    // c·[1 − (1−z)^ε ₂F₁(A, ε; c; z)]/ε as the documented series, one term at a time: the first term from
    // (1 − (1−z)^ε)/ε, then Σ_{k≥1} (A)_k (1+ε)_{k−1} / ((c+1)_{k−1} k!) z^k, stopped past the sign changes once a
    // term is below 10⁻¹⁷ of the sum.
    private static double ScalarBracket(double upperA, double epsilon, double c, double z)
    {
        var u = 1 - z;
        var log = u == 1 ? -z : Math.Log(u) * -z / (u - 1); // ln(1−z) with Goldberg's correction
        var product = epsilon * log;
        var power = Math.Exp(product);
        var first = c * (product == 0 ? -log : -NumericMath.ExpM1(product) / epsilon);
        if (z == 0)
        {
            return first;
        }

        var term = upperA * z;
        var sum = term;
        for (var k = 1; ; k++)
        {
            term *= (upperA + k) * (epsilon + k) / ((c + k) * (k + 1)) * z;
            sum += term;
            if (k > Math.Max(0, -upperA) + 2 && Math.Abs(term) <= 1e-17 * Math.Abs(sum))
            {
                return first - (power * sum);
            }
        }
    }

    [Theory]
    [InlineData(0.267, 2.112, 1.595, 0.3)] // CDNOW ×40's BG/NBD, a = 0.48 (the original series): r + x, b + x, a + b + x − 1
    [InlineData(5.267, 7.112, 6.595, 0.5)]
    [InlineData(40.0, 400.0, 0.2, 0.95)] // a sum past 10²⁵⁰: rescaled on the way
    [InlineData(0.5, 0.5, -0.5, 0.999)] // c below 0, z near 1
    public void The_vector_tail_equals_the_scalar_loop_to_the_bit(double a, double b, double c, double zLast)
    {
        var z = Enumerable.Range(1, 7).Select(k => zLast * k / 7).ToArray();
        var (logScale, sum) = (new double[z.Length], new double[z.Length]);
        NumericMath.ScaledHypergeometricTails(a, b, c, z, logScale, sum);
        for (var i = 0; i < z.Length; i++)
        {
            var scalar = ScalarTail(a, b, c, z[i]);
            Assert.True(
                BitConverter.DoubleToInt64Bits(scalar.Sum) == BitConverter.DoubleToInt64Bits(sum[i]) && scalar.LogScale == logScale[i],
                $"z={z[i]:R}: {scalar} scalar, ({logScale[i]:R}, {sum[i]:R}) vector");
        }
    }

    // Σ_{k≥1} (a)_k (b)_k / ((c+1)_{k−1} k!) z^k one term at a time, the sum scaled by 10⁻²⁵⁰ whenever it passes
    // 10²⁵⁰, stopped once a term is below 10⁻¹⁷ of the sum: the sum and the log of what it was scaled by.
    private static (double LogScale, double Sum) ScalarTail(double a, double b, double c, double z)
    {
        var term = a * b * z;
        var sum = term;
        var logScale = 0.0;
        for (var k = 1; ; k++)
        {
            term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z;
            sum += term;
            if (term <= 1e-17 * sum)
            {
                return (logScale, sum);
            }

            if (sum > 1e250)
            {
                sum *= 1e-250;
                term *= 1e-250;
                logScale += -Math.Log(1e-250);
            }
        }
    }
}
