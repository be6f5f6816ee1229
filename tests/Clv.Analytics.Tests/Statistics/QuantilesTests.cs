using Clv.Analytics.Statistics;

namespace Clv.Analytics.Tests.Statistics;

public class QuantilesTests
{
    [Theory]
    [InlineData(0.95, 1.959964)]
    [InlineData(0.90, 1.644854)]
    [InlineData(0.99, 2.575829)]
    public void Normal_critical_values_match_the_table(double level, double expected)
    {
        Assert.Equal(expected, Quantiles.NormalCritical(level), 6);
    }

    [Fact]
    public void T_critical_value_at_four_degrees_of_freedom_matches_the_table()
    {
        Assert.Equal(2.776445, Quantiles.StudentTCritical(0.95, 4), 6);
    }

    [Fact]
    public void T_critical_value_at_two_degrees_of_freedom_matches_the_closed_form()
    {
        // ν = 2: t_p = (2p − 1)/√(2p(1 − p)); p = 0.975 gives 0.95/√0.04875 = 4.302653.
        Assert.Equal(0.95 / Math.Sqrt(0.04875), Quantiles.StudentTCritical(0.95, 2), 8);
    }

    [Fact]
    public void T_critical_value_far_in_the_tail_is_found()
    {
        // ν = 1 is the Cauchy distribution: t_p = tan(π(p − 1/2)); p = 0.99995 gives 6,366.198,
        // beyond the [−800, 800] that MathNet's StudentT.InvCDF searches.
        Assert.Equal(Math.Tan(Math.PI * 0.49995), Quantiles.StudentTCritical(0.9999, 1), 3);
    }
}
