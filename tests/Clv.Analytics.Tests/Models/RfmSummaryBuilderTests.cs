using Clv.Analytics.Models;

namespace Clv.Analytics.Tests.Models;

public class RfmSummaryBuilderTests
{
    private static readonly DateOnly End = new(1997, 9, 30);

    private static PurchaseDay Day(int month, int day, decimal value) => new(new DateOnly(1997, month, day), value);

    [Fact]
    public void First_of_january_buyer_has_an_age_of_272_days_at_the_end_of_september()
    {
        var summary = RfmSummaryBuilder.Build([Day(1, 1, 10m)], End, TimeUnit.Days);

        Assert.Equal(272, summary!.Value.Age);
    }

    [Fact]
    public void First_of_january_buyer_has_an_age_of_38_857_weeks_at_the_end_of_september()
    {
        var summary = RfmSummaryBuilder.Build([Day(1, 1, 10m)], End, TimeUnit.Weeks);

        Assert.Equal(272.0 / 7, summary!.Value.Age, 12);
        Assert.Equal(38.857, summary.Value.Age, 0.0005);
    }

    [Fact]
    public void Several_purchases_on_one_day_count_as_one_purchase_day_with_values_summed()
    {
        var summary = RfmSummaryBuilder.Build([Day(1, 1, 10m), Day(1, 8, 20m), Day(1, 8, 30m)], End, TimeUnit.Days);

        Assert.Equal(new RfmSummary(1, 7, 272, 50m), summary);
    }

    [Fact]
    public void Purchase_days_after_the_end_are_ignored()
    {
        var summary = RfmSummaryBuilder.Build([Day(1, 1, 10m), Day(10, 1, 99m)], End, TimeUnit.Days);

        Assert.Equal(new RfmSummary(0, 0, 272, 0m), summary);
    }

    [Fact]
    public void Monetary_value_is_the_mean_of_the_repeat_days_without_the_first_day()
    {
        // Days 1 Jan (100, excluded), 15 Jan (10), 29 Jan (20 + 3): mean of 10 and 23 is 16.5; t_x = 28 days = 4 weeks.
        var summary = RfmSummaryBuilder.Build([Day(1, 29, 20m), Day(1, 1, 100m), Day(1, 15, 10m), Day(1, 29, 3m)], End, TimeUnit.Weeks);

        Assert.Equal(2, summary!.Value.Frequency);
        Assert.Equal(4, summary.Value.Recency, 12);
        Assert.Equal(16.5m, summary.Value.MonetaryValue);
    }

    [Fact]
    public void Customer_whose_first_purchase_is_after_the_end_has_no_summary()
    {
        Assert.Null(RfmSummaryBuilder.Build([Day(10, 2, 10m)], End, TimeUnit.Days));
    }

    [Fact]
    public void Collapsing_customers_sums_the_weights_of_identical_patterns()
    {
        var patterns = RfmPattern.Collapse(
        [
            new RfmSummary(1, 2, 3, 5m),
            new RfmSummary(0, 0, 3, 0m),
            new RfmSummary(1, 2, 3, 7m),
        ]);

        Assert.Equal([new RfmPattern(1, 2, 3, 2), new RfmPattern(0, 0, 3, 1)], patterns);
    }
}
