using Clv.Analytics.Models;

namespace Clv.Analytics.Tests.Models;

public class NumericMathTests
{
    /// <summary>References: mpmath 1.3.0 loggamma(x+a) − loggamma(x) at 40 digits, with x and a the same doubles.</summary>
    [Theory]
    [InlineData(1e6, 1e-6, 0.0000138155100579646901458467)]
    [InlineData(1e6 + 1, 1e-6, 0.00001381551105796469014534665)]
    [InlineData(1e-6, 1e4, 82085.90199567191821212735)]
    [InlineData(0.5, 3, 0.6286086594223741377443082)]
    [InlineData(16, 0.5, 1.378483131199922994375447)]
    [InlineData(2.5, 1e-9, 7.031566408904221090301551e-10)]
    public void Log_gamma_ratio_is_accurate_where_a_difference_of_log_gammas_cancels(double x, double a, double expected)
    {
        var actual = NumericMath.LogGammaRatio(x, a);

        Assert.Equal(expected, actual, Math.Abs(expected) * 1e-13);
    }

    /// <summary>References: mpmath 1.3.0 hyp2f1(1, b, c, z) at 40 digits, with b, c and z the same doubles.</summary>
    [Theory]
    [InlineData(1.5, 20, 0.9, 1.075999631583958172658)]
    [InlineData(0.2, 0.7, 0.5, 1.23006257912856002929)]
    [InlineData(5, 1e6, 0.99, 1.000004950029403174361)]
    [InlineData(16.2, 20, 1 / 1.1, 4.137273026281711002462)]
    [InlineData(1.2, 1.3, 1 / (1 + 1e-4), 4158.549817893152628965)]
    public void Hypergeometric_series_with_first_parameter_one_is_within_its_bound(double b, double c, double z, double expected)
    {
        var actual = NumericMath.HypergeometricOneB(b, c, z);

        Assert.Equal(expected, actual, expected * 1e-12);
    }
}
