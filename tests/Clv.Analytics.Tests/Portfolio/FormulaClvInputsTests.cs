using Clv.Analytics.Portfolio;

namespace Clv.Analytics.Tests.Portfolio;

/// <summary>The formula CLV's window and arithmetic (docs/metrics.md, "Formula CLV").</summary>
public sealed class FormulaClvInputsTests
{
    [Theory]
    [InlineData("2025-01-15", "2024-01-01", "2024-12-31")]
    [InlineData("2024-12-31", "2024-01-01", "2024-12-31")]
    [InlineData("2024-12-30", "2023-12-01", "2024-11-30")]
    [InlineData("2024-03-01", "2023-03-01", "2024-02-29")]
    public void The_window_is_the_12_complete_months_ending_on_or_before_the_day(string day, string first, string last)
    {
        var (starts, end) = FormulaClv.Window(DateOnly.Parse(day, null));

        Assert.Equal(12, starts.Length);
        Assert.Equal(DateOnly.Parse(first, null).DayNumber, starts[0]);
        Assert.Equal(DateOnly.Parse(last, null).DayNumber, end);
        Assert.All(starts, s => Assert.Equal(1, DateOnly.FromDayNumber(s).Day));
    }

    [Fact]
    public void Formula_clv_is_net_revenue_times_margin_over_churned_customers()
    {
        // 1,580 over 26 customer-months, 2 churned: ARPU 60.7692, churn 1/13, CLV 1,580 × 0.6 ÷ 2 = 474.
        var inputs = new FormulaClvInputs(1_580m, 26, 2);

        Assert.Equal(60.7692m, inputs.ArpuMonthly);
        Assert.Equal(2d / 26, inputs.MonthlyChurnRate);
        Assert.Equal(474m, inputs.Clv(0.6m));
        Assert.Equal(790m, inputs.Clv(1m));
    }

    [Fact]
    public void Without_a_churned_customer_or_a_customer_month_the_formula_is_null()
    {
        Assert.Null(new FormulaClvInputs(210m, 6, 0).Clv(1m));
        Assert.Equal(0d, new FormulaClvInputs(210m, 6, 0).MonthlyChurnRate);
        var none = new FormulaClvInputs(30m, 0, 0);
        Assert.Equal((null, null, null), (none.ArpuMonthly, none.MonthlyChurnRate, none.Clv(1m)));
    }
}
