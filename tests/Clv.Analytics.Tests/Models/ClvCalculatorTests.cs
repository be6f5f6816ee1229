using Clv.Analytics.Models;

namespace Clv.Analytics.Tests.Models;

public class ClvCalculatorTests
{
    /// <summary>A stand-in purchase model that buys at a constant rate: E[X(t)] = rate · t.</summary>
    private sealed class ConstantRate(double rate) : IPurchaseModel
    {
        public double ConditionalExpectedPurchases(double t, double frequency, double recency, double age) => rate * t;

        public double ProbabilityAlive(double frequency, double recency, double age) => 1.0;
    }

    [Fact]
    public void Clv_over_two_months_in_weeks_sums_discounted_monthly_purchases()
    {
        // m = 30.4375/7 = 4.348214 weeks; each month adds 0.5·m purchases of 20:
        // 20 · 0.5 · 4.348214 · (1/1.01 + 1/1.01²) = 85.676999.
        var clv = ClvCalculator.PredictedRevenue(new ConstantRate(0.5), 20, 3, 10, 30, new ClvProjection(2, 0.01, TimeUnit.Weeks));

        Assert.Equal(85.676999, clv, 1e-5);
    }

    [Fact]
    public void Clv_over_one_month_in_days_is_spend_times_a_months_purchases_discounted_once()
    {
        // 12 · (0.1 · 30.4375) / 1.02 = 35.808824.
        var clv = ClvCalculator.PredictedRevenue(new ConstantRate(0.1), 12, 0, 0, 5, new ClvProjection(1, 0.02, TimeUnit.Days));

        Assert.Equal(35.808824, clv, 1e-5);
    }

    [Fact]
    public void Customer_without_repeat_purchases_is_valued_at_the_population_mean_spend()
    {
        // Population mean pγ/(q−1) = 2 · 10 / 2 = 10; one month of weeks at rate 1: 10 · 4.348214 / 1.
        var spend = new GammaGammaParameters(2, 3, 10);
        var customer = new RfmSummary(0, 0, 10, 0m);

        var clv = ClvCalculator.PredictedRevenue(new ConstantRate(1), spend, customer, new ClvProjection(1, 0, TimeUnit.Weeks));

        Assert.Equal(43.482143, clv, 1e-5);
    }

    [Fact]
    public void Gross_profit_clv_is_revenue_clv_times_the_margin()
    {
        var spend = new GammaGammaParameters(2, 3, 10);
        var customer = new RfmSummary(1, 3, 10, 20m);
        var options = new ClvProjection(12, 0.01, TimeUnit.Weeks);

        var revenue = ClvCalculator.PredictedRevenue(new ConstantRate(0.3), spend, customer, options);
        var profit = ClvCalculator.PredictedGrossProfit(new ConstantRate(0.3), spend, customer, options, 0.25);

        Assert.Equal(0.25 * revenue, profit, 12);
    }

    [Fact]
    public void Batch_clv_equals_one_customer_at_a_time()
    {
        var purchases = new BgNbdParameters(0.243, 4.414, 0.793, 2.426);
        var spend = new GammaGammaParameters(6.25, 3.74, 15.44);
        RfmSummary[] customers = [new(0, 0, 38.86, 0m), new(2, 30.43, 38.86, 25m), new(5, 12, 20, 0m)];
        var options = new ClvProjection(12, 0.01, TimeUnit.Weeks);
        var batch = new double[3];

        ClvCalculator.PredictedRevenue(purchases, spend, customers, options, batch);

        Assert.Equal(customers.Select(c => ClvCalculator.PredictedRevenue(purchases, spend, c, options)), batch);
    }
}
