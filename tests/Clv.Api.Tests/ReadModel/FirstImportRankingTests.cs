using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;
using static Clv.Api.Tests.Infrastructure.RankingRows;

namespace Clv.Api.Tests.ReadModel;

/// <summary>
/// Rankings stored while a new book had no buyer rank nothing: scored against them, every customer of
/// its first import would be "No purchases", in the last tier, and "Lost" (RFM 111) on a customer read.
/// Once the book has a buyer they count as none stored: a read that finds them ranks and waits, and the
/// refresher ranks at once instead of a refresh interval (a minute) after them.
/// </summary>
/// <remarks>
/// C1..C5 buy once on 2024-01-10 for 10, 20, 30, 40 and 50 (<see cref="StoredRankingAnswerTests"/>,
/// <see cref="SharedRankingTests"/>): ranked among themselves, RFM segments of 1, 2 and 2 customers, and
/// tiers of 1 (top1), 2 (middle40) and 2 (bottom50); C5's monetary score is 5 and its frequency 1.
/// Against rankings of no buyer: one segment of 5 ("No purchases"), one tier of 5, and C5 scored 1, 1, 1.
/// </remarks>
public sealed class FirstImportRankingTests(FirstImportRankingTests.BoundedApi api) : IClassFixture<FirstImportRankingTests.BoundedApi>
{
    private readonly HttpClient _client = api.Factory.Client();

    public sealed class BoundedApi() : ConfiguredApi(api => api
        .With("Clv:Analytics:MaxStalenessSeconds", "5")
        .With("Clv:Analytics:RankingRefreshSeconds", "60"));

    [Fact]
    public async Task Segments_right_after_a_first_import_rank_the_book_instead_of_scoring_against_rankings_of_no_buyer()
    {
        await using (await FirstImportRankings.FirstPurchasesWithTheRefresherHeldAsync(api.Factory, _client))
        {
            Assert.Equal(new[] { 2, 2, 1 }, await SegmentSizes.OfAsync(_client, "rfmSegment"));
            Assert.Equal(new[] { 2, 2, 1 }, await SegmentSizes.OfAsync(_client, "clvTier"));
        }
    }
}

/// <summary>The customer read's side of <see cref="FirstImportRankingTests"/>, on a book of its own.</summary>
public sealed class FirstImportCustomerRankingTests(FirstImportRankingTests.BoundedApi api) : IClassFixture<FirstImportRankingTests.BoundedApi>
{
    private readonly HttpClient _client = api.Factory.Client();

    [Fact]
    public async Task A_customer_read_right_after_a_first_import_ranks_the_book_and_is_not_lost()
    {
        await using (await FirstImportRankings.FirstPurchasesWithTheRefresherHeldAsync(api.Factory, _client))
        {
            var rfm = (await (await _client.GetAsync("/api/v1/customers/C5")).JsonAsync()).GetProperty("rfm");
            Assert.Equal((1, 5), (rfm.GetProperty("frequency").GetInt32(), rfm.GetProperty("monetary").GetInt32()));
        }
    }
}

/// <summary>The refresher's side of <see cref="FirstImportRankingTests"/>, on a book of its own.</summary>
public sealed class FirstImportRefreshTests(FirstImportRankingTests.BoundedApi api) : IClassFixture<FirstImportRankingTests.BoundedApi>
{
    private readonly HttpClient _client = api.Factory.Client();

    [Fact]
    public async Task The_refresher_ranks_a_book_ranked_with_no_buyer_as_soon_as_it_has_one()
    {
        await FirstImportRankings.StoredOfNoBuyerAsync(api.Factory);

        (await _client.PostTransactionsAsync(Tx("g1", "C1", amount: 10m), Tx("g2", "C2", amount: 20m))).EnsureSuccessStatusCode();

        // Well within the refresh interval of 60 s: without the exception the rankings of no buyer stay.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (await api.Factory.ScalarAsync<long>($"SELECT buyers FROM {CurrentRankings}") != 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "The refresher did not rank the book's first buyers within 15 s.");
            await Task.Delay(100);
        }
    }
}

/// <summary>
/// The past days' side of <see cref="FirstImportRankingTests"/>, on a book of its own: rankings as of
/// 2024-01-31 and 2024-02-29 stored while the book had no buyer up to those days, then C1..C5's
/// purchases of 2024-01-10. The refresher ranks only the current state, so only the reads' check can
/// rank those days again: the segments' as of one day, a customer read's as of the other.
/// </summary>
public sealed class FirstImportPastDayRankingTests(FirstImportRankingTests.BoundedApi api) : IClassFixture<FirstImportRankingTests.BoundedApi>
{
    private const string SegmentsDay = "2024-01-31";
    private const string CustomerDay = "2024-02-29";
    private readonly HttpClient _client = api.Factory.Client();

    [Fact]
    public async Task Reads_as_of_a_day_ranked_with_no_buyer_rank_the_day_again_once_it_has_buyers()
    {
        foreach (var day in new[] { SegmentsDay, CustomerDay })
        {
            // Asked with fields, a question of its own: the answers asked below are not kept from before the purchases.
            var empty = await (await _client.GetAsync($"/api/v1/segments?by=rfmSegment&asOf={day}&fields=customers")).JsonAsync();
            Assert.Empty(empty.GetProperty("segments").EnumerateArray());
            Assert.True(await api.Factory.ScalarAsync<bool>($"SELECT EXISTS (SELECT FROM analytics_rankings WHERE scope LIKE '{day}|%' AND buyers = 0)"));
        }

        (await _client.PostTransactionsAsync(
            Tx("p1", "C1", amount: 10m), Tx("p2", "C2", amount: 20m), Tx("p3", "C3", amount: 30m), Tx("p4", "C4", amount: 40m), Tx("p5", "C5", amount: 50m)))
            .EnsureSuccessStatusCode();

        Assert.Equal(new[] { 2, 2, 1 }, await SegmentSizes.OfAsync(_client, "rfmSegment", SegmentsDay));
        Assert.Equal(new[] { 2, 2, 1 }, await SegmentSizes.OfAsync(_client, "clvTier", SegmentsDay));
        var rfm = (await (await _client.GetAsync($"/api/v1/customers/C5?asOf={CustomerDay}")).JsonAsync()).GetProperty("rfm");
        Assert.Equal((1, 5), (rfm.GetProperty("frequency").GetInt32(), rfm.GetProperty("monetary").GetInt32()));
    }
}

internal static class FirstImportRankings
{
    // Rankings of the empty book stored, the refresher held back by a model run under a live lease (only the
    // reads can rank), and C1..C5's purchases posted; disposing ends the run.
    public static async Task<IAsyncDisposable> FirstPurchasesWithTheRefresherHeldAsync(ClvApiFactory api, HttpClient client)
    {
        await StoredOfNoBuyerAsync(api);
        var held = await api.HoldRankingRefreshAsync();
        (await client.PostTransactionsAsync(
            Tx("f1", "C1", amount: 10m), Tx("f2", "C2", amount: 20m), Tx("f3", "C3", amount: 30m), Tx("f4", "C4", amount: 40m), Tx("f5", "C5", amount: 50m)))
            .EnsureSuccessStatusCode();
        return held;
    }

    // The refresher ranks the empty book when the service starts; the test waits until that is stored.
    public static async Task StoredOfNoBuyerAsync(ClvApiFactory api)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await api.ScalarAsync<bool>($"SELECT EXISTS (SELECT FROM {CurrentRankings} WHERE buyers = 0)"))
        {
            Assert.True(DateTime.UtcNow < deadline, "No rankings of the empty book were stored within 30 s.");
            await Task.Delay(100);
        }
    }
}

internal static class SegmentSizes
{
    // The customers of each segment by a grouping, as of a day (null: the current state), largest first.
    public static async Task<int[]> OfAsync(HttpClient client, string by, string? asOf = null)
    {
        var body = await (await client.GetAsync($"/api/v1/segments?by={by}{(asOf is null ? "" : $"&asOf={asOf}")}")).JsonAsync();
        return [.. body.GetProperty("segments").EnumerateArray().Select(s => s.GetProperty("customers").GetInt32()).OrderDescending()];
    }
}
