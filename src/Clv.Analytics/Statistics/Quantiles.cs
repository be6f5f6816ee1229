using MathNet.Numerics.Distributions;
using MathNet.Numerics.RootFinding;

namespace Clv.Analytics.Statistics;

/// <summary>Critical values and two-sided p-values of the normal and Student t distributions (MathNet.Numerics).</summary>
internal static class Quantiles
{
    /// <summary>The standard normal quantile at (1 + level) / 2: 1.959964 for 0.95.</summary>
    public static double NormalCritical(double level) => Normal.InvCDF(0, 1, UpperProbability(level));

    /// <summary>The Student t quantile at (1 + level) / 2 with <paramref name="freedom"/> degrees of freedom (any real ν &gt; 0).</summary>
    public static double StudentTCritical(double level, double freedom)
    {
        var p = UpperProbability(level);
        // StudentT.InvCDF searches only [−800, 800] (its documentation calls it unreliable), and
        // t at ν = 1 and level 0.9999 is 6,366; so the bracket doubles until it holds the quantile.
        var upper = 2.0;
        while (StudentT.CDF(0, 1, freedom, upper) < p)
        {
            upper *= 2;
        }
        return Brent.FindRoot(t => StudentT.CDF(0, 1, freedom, t) - p, 0, upper, 1e-12, 200);
    }

    /// <summary>P(|Z| ≥ |z|) for a standard normal Z, from the lower tail so that small p-values keep their digits.</summary>
    public static double TwoSidedNormalP(double z) => Math.Min(1, 2 * Normal.CDF(0, 1, -Math.Abs(z)));

    /// <summary>P(|T| ≥ |t|) for a Student t with <paramref name="freedom"/> degrees of freedom.</summary>
    public static double TwoSidedStudentTP(double t, double freedom) => Math.Min(1, 2 * StudentT.CDF(0, 1, freedom, -Math.Abs(t)));

    /// <summary>Throws unless 0 &lt; level &lt; 1.</summary>
    public static void CheckLevel(double level)
    {
        if (!(level > 0 && level < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "The confidence level lies strictly between 0 and 1.");
        }
    }

    private static double UpperProbability(double level)
    {
        CheckLevel(level);
        return (1 + level) / 2;
    }
}
