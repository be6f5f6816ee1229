using Clv.Analytics.Currency;

namespace Clv.Analytics.Tests.Currency;

public sealed class FxRateBookTests
{
    private static FxRateBook Book()
    {
        var book = new FxRateBook(maxAgeDays: 7);
        book.Set("EUR", [new FxRate("EUR", new DateOnly(2024, 3, 1), 1.08m), new FxRate("EUR", new DateOnly(2024, 3, 10), 1.10m)]);
        return book;
    }

    [Fact]
    public void Uses_the_latest_rate_on_or_before_the_day()
    {
        Assert.Equal(1.08m, Book().Find("EUR", new DateOnly(2024, 3, 5))!.Value.RateToReporting);
        Assert.Equal(1.10m, Book().Find("EUR", new DateOnly(2024, 3, 10))!.Value.RateToReporting);
    }

    [Fact]
    public void A_rate_older_than_the_maximum_age_or_after_the_day_is_not_used()
    {
        Assert.NotNull(Book().Find("EUR", new DateOnly(2024, 3, 8))); // 7 days after 03-01
        Assert.Null(Book().Find("EUR", new DateOnly(2024, 2, 29))); // before any rate
        Assert.Null(Book().Find("EUR", new DateOnly(2024, 3, 18))); // 8 days after 03-10
        Assert.Null(Book().Find("GBP", new DateOnly(2024, 3, 5)));
    }

    [Fact]
    public void Converts_and_rounds_to_four_decimals()
    {
        // 19.99 EUR × 1.0837 = 21.663163 → 21.6632
        Assert.Equal(21.6632m, FxRateBook.Convert(19.99m, new FxRate("EUR", new DateOnly(2024, 3, 1), 1.0837m)));
    }
}
