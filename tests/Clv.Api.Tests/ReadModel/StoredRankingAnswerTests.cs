using Clv.Api.Tests.Infrastructure;
using Clv.Data.Analytics.ReadModel;
using Npgsql;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;
using static Clv.Api.Tests.Infrastructure.RankingRows;

namespace Clv.Api.Tests.ReadModel;

/// <summary>
/// Under a staleness bound, answers grouped by RFM segment score the customers' current figures
/// against the stored rankings: no request ranks every customer once rankings are stored. They are
/// re-ranked in the background, and the answer takes them on its next refresh even when no write
/// has come since (docs/read-model.md, "Rankings").
/// </summary>
/// <remarks>
/// C1..C5 buy once on 2024-01-10 for 10, 20, 30, 40 and 50: one purchase day and the same recency
/// each (R 1, F 1). Ranked among these five, the monetary thresholds (the b-th smallest value,
/// b = ⌈(s − 1) · 5 / 5⌉ for s = 2..5) are 10, 20, 30 and 40: M is 1..5, and FM = ⌈(F + M) / 2⌉ is
/// 1, 2, 2, 3, 3. Three segments: 1, 2 and 2 customers. Then C6..C10 buy 60..100 the same day.
/// Against the stored thresholds each is above 40 (M 5, FM 3): 7, 2 and 1 customers. Ranked among
/// all ten (b = 2, 4, 6, 8: thresholds 20, 40, 60, 80), M is 1, 1, 2, 2, 3, 3, 4, 4, 5, 5 and FM
/// 1, 1, 2, 2, 2, 2, 3, 3, 3, 3: 4, 4 and 2 customers.
/// </remarks>
public sealed class StoredRankingAnswerTests(StoredRankingAnswerTests.BoundedApi api) : IClassFixture<StoredRankingAnswerTests.BoundedApi>
{
    private readonly HttpClient _client = api.Factory.Client();

    public sealed class BoundedApi() : ConfiguredApi(api => api
        .With("Clv:Analytics:MaxStalenessSeconds", "1")
        .With("Clv:Analytics:RankingRefreshSeconds", "0")); // re-ranked as soon as a write has come

    [Fact]
    public async Task An_rfm_answer_scores_against_the_stored_rankings_then_takes_the_refreshed_ones_without_a_write()
    {
        (await _client.PostTransactionsAsync(
            Tx("r1", "C1", amount: 10m), Tx("r2", "C2", amount: 20m), Tx("r3", "C3", amount: 30m), Tx("r4", "C4", amount: 40m), Tx("r5", "C5", amount: 50m)))
            .EnsureSuccessStatusCode();
        Assert.Equal(new[] { 2, 2, 1 }, await SegmentSizesAsync()); // none stored yet: ranked in the request

        // A model run under a live lease holds the refresher back, so that the answer is seen
        // scored against the rankings stored before the write.
        await using (await api.Factory.HoldRankingRefreshAsync())
        {
            (await _client.PostTransactionsAsync(
                Tx("r6", "C6", amount: 60m), Tx("r7", "C7", amount: 70m), Tx("r8", "C8", amount: 80m), Tx("r9", "C9", amount: 90m), Tx("r10", "C10", amount: 100m)))
                .EnsureSuccessStatusCode();
            await Task.Delay(TimeSpan.FromSeconds(1.2)); // past the bound: the next read computes the answer again
            Assert.Equal(new[] { 7, 2, 1 }, await SegmentSizesAsync());
        }

        // The refresher re-ranks in the background; once that is stored, and the bound has passed
        // again, the answer is computed once more although nothing was written.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await api.Factory.ScalarAsync<long>($"SELECT coalesce((SELECT data_version FROM {CurrentRankings}), 0)")
               < await api.Factory.ScalarAsync<long>("SELECT version FROM data_version"))
        {
            Assert.True(DateTime.UtcNow < deadline, "The rankings were not refreshed within 30 s.");
            await Task.Delay(100);
        }

        await Task.Delay(TimeSpan.FromSeconds(1.2));
        Assert.Equal(new[] { 4, 4, 2 }, await SegmentSizesAsync());
    }

    private Task<int[]> SegmentSizesAsync() => SegmentSizes.OfAsync(_client, "rfmSegment");
}

/// <summary>
/// An answer scored against rankings stored before its snapshot's writes is not computed again
/// while no write has come and no rankings have been stored since, within the ranking refresh
/// interval: the dashboard's tiers and RFM segments, asked at once, computed such an answer twice,
/// and every refresh computed it again until the rankings were refreshed.
/// </summary>
/// <remarks>The book and the figures of <see cref="StoredRankingAnswerTests"/>.</remarks>
public sealed class RankedEarlierAnswerTests(RankedEarlierAnswerTests.BoundedApi api) : IClassFixture<RankedEarlierAnswerTests.BoundedApi>
{
    private readonly HttpClient _client = api.Factory.Client();

    public sealed class BoundedApi() : ConfiguredApi(api => api
        .With("Clv:Analytics:MaxStalenessSeconds", "1")
        .With("Clv:Analytics:RankingRefreshSeconds", "600"));

    [Fact]
    public async Task An_answer_scored_against_earlier_rankings_is_kept_until_rankings_are_stored()
    {
        (await _client.PostTransactionsAsync(
            Tx("e1", "C1", amount: 10m), Tx("e2", "C2", amount: 20m), Tx("e3", "C3", amount: 30m), Tx("e4", "C4", amount: 40m), Tx("e5", "C5", amount: 50m)))
            .EnsureSuccessStatusCode();
        Assert.Equal(new[] { 2, 2, 1 }, await SegmentSizesAsync());

        // The refresher stores no rankings for 600 s after the last.
        (await _client.PostTransactionsAsync(
            Tx("e6", "C6", amount: 60m), Tx("e7", "C7", amount: 70m), Tx("e8", "C8", amount: 80m), Tx("e9", "C9", amount: 90m), Tx("e10", "C10", amount: 100m)))
            .EnsureSuccessStatusCode();
        await Task.Delay(TimeSpan.FromSeconds(1.2)); // past the bound: the next read computes the answer again
        Assert.Equal(new[] { 7, 2, 1 }, await SegmentSizesAsync());

        // Past the bound again, with no write and no rankings stored since, it is not computed
        // again: C1's total, changed behind the API's back (no data version), would move C1 from
        // the smallest segment to the largest (8 and 2) if it were.
        await api.Factory.ExecuteAsync(
            "UPDATE customer_summaries SET net_revenue = 100 WHERE customer_id = (SELECT id FROM customers WHERE external_id = 'C1')");
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        Assert.Equal(new[] { 7, 2, 1 }, await SegmentSizesAsync());

        // Rankings stored since (another instance's, say; here the same ones, stored again): it is
        // computed again, and shows C1's changed total.
        await api.Factory.ExecuteAsync("UPDATE analytics_rankings SET computed_at = computed_at + interval '1 millisecond'");
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        Assert.Equal(new[] { 8, 2 }, await SegmentSizesAsync());
    }

    private Task<int[]> SegmentSizesAsync() => SegmentSizes.OfAsync(_client, "rfmSegment");
}

/// <summary>
/// A past day after which the book holds nothing ranks as the current state does: under a
/// staleness bound, its first question scores against the current state's stored rankings, seen
/// from the day, instead of ranking every customer in the request (a dashboard's first question
/// as of its latest purchase day, right after an import). It is re-ranked in the background as
/// the current state, whose rankings that stores too, and its answer then takes them; the day's,
/// exact, are stored as well (docs/read-model.md, "Rankings").
/// </summary>
/// <remarks>
/// The book of <see cref="StoredRankingAnswerTests"/>, every purchase on 2024-01-10: C1..C5 ranked
/// alone, then C6..C10 scored against those rankings (7, 2 and 1 customers), then all ten ranked
/// (4, 4 and 2). Ranked in the request, the first question would have been 4, 4 and 2.
/// </remarks>
public sealed class LatestDayRankingTests(StoredRankingAnswerTests.BoundedApi api) : IClassFixture<StoredRankingAnswerTests.BoundedApi>
{
    private const string AsOf = "2024-01-10";
    private readonly HttpClient _client = api.Factory.Client();

    [Fact]
    public async Task A_past_day_after_which_the_book_holds_nothing_is_first_scored_against_the_current_state_s_rankings()
    {
        (await _client.PostTransactionsAsync(
            Tx("d1", "C1", amount: 10m), Tx("d2", "C2", amount: 20m), Tx("d3", "C3", amount: 30m), Tx("d4", "C4", amount: 40m), Tx("d5", "C5", amount: 50m)))
            .EnsureSuccessStatusCode();
        await CurrentRankedAsync(askingTheDay: false);

        await using (await api.Factory.HoldRankingRefreshAsync())
        {
            (await _client.PostTransactionsAsync(
                Tx("d6", "C6", amount: 60m), Tx("d7", "C7", amount: 70m), Tx("d8", "C8", amount: 80m), Tx("d9", "C9", amount: 90m), Tx("d10", "C10", amount: 100m)))
                .EnsureSuccessStatusCode();
            Assert.Equal(new[] { 7, 2, 1 }, await SegmentSizes.OfAsync(_client, "rfmSegment", AsOf));

            // The day is re-ranked in the background as the current state: one ranking stores the
            // current state's rankings too, while the refresher is held.
            await CurrentRankedAsync(askingTheDay: true);
            await Task.Delay(TimeSpan.FromSeconds(1.2)); // past the bound: the answer is computed again
            Assert.Equal(new[] { 4, 4, 2 }, await SegmentSizes.OfAsync(_client, "rfmSegment", AsOf));
        }

        Assert.Equal(
            await api.Factory.ScalarAsync<long>("SELECT version FROM data_version"),
            await api.Factory.ScalarAsync<long>($"SELECT data_version FROM analytics_rankings WHERE scope = '{AsOf}|{AsOf}'"));
    }

    // Waits until the current state's rankings of the latest data version are stored; asking the
    // day's question meanwhile when the day's re-ranking stores them, as its computation starts
    // that re-ranking, which skips a turn while the refresher holds the current state's lock to
    // see whether they are due.
    private async Task CurrentRankedAsync(bool askingTheDay)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await api.Factory.ScalarAsync<long>($"SELECT coalesce((SELECT data_version FROM {CurrentRankings}), 0)")
               < await api.Factory.ScalarAsync<long>("SELECT version FROM data_version"))
        {
            Assert.True(DateTime.UtcNow < deadline, "The current state's rankings were not stored within 30 s.");
            await Task.Delay(200);
            if (askingTheDay)
            {
                await SegmentSizes.OfAsync(_client, "rfmSegment", AsOf);
            }
        }
    }
}

/// <summary>
/// The rankings of a past day are exact as long as no write since touched a day up to it
/// (data_changes): a question of that day scores against them without ranking again, even with
/// every read seeing every write (the test factory's bound of 0).
/// </summary>
public sealed class PastRankingReuseTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private readonly HttpClient _client = api.Client();

    [Fact]
    public async Task Rankings_as_of_a_past_day_are_reused_after_writes_of_later_days()
    {
        const string AsOf = "2023-06-30";
        (await _client.PostTransactionsAsync(Tx("p1", "P1", "2023-01-10T12:00:00Z", amount: 10m), Tx("p2", "P2", "2023-01-10T12:00:00Z", amount: 20m)))
            .EnsureSuccessStatusCode();
        (await _client.GetAsync($"/api/v1/segments?by=rfmSegment&asOf={AsOf}")).EnsureSuccessStatusCode();
        var ranked = await RankedAtAsync(AsOf);

        // A purchase after the day changes nothing up to it: another question of the same day
        // scores against the same rankings, without ranking again.
        (await _client.PostTransactionsAsync(Tx("p3", "P3", "2023-08-01T12:00:00Z", amount: 30m))).EnsureSuccessStatusCode();
        (await _client.GetAsync($"/api/v1/segments?by=clvTier&asOf={AsOf}")).EnsureSuccessStatusCode();
        Assert.Equal(ranked, await RankedAtAsync(AsOf));

        // One on the day does: that scope is ranked again.
        (await _client.PostTransactionsAsync(Tx("p4", "P4", "2023-06-30T12:00:00Z", amount: 40m))).EnsureSuccessStatusCode();
        (await _client.GetAsync($"/api/v1/segments?by=clvTier&asOf={AsOf}")).EnsureSuccessStatusCode();
        Assert.NotEqual(ranked, await RankedAtAsync(AsOf));
    }

    private Task<string> RankedAtAsync(string asOf) =>
        api.ScalarAsync<string>($"SELECT computed_at::text FROM analytics_rankings WHERE scope = '{asOf}|{asOf}'");
}

/// <summary>
/// Questions that need the rankings of a day none are stored for, asked at once (a dashboard's
/// tiers, RFM segments and at-risk list as of a new day), share one ranking of its customers, and
/// each answer is what it is when asked alone.
/// </summary>
/// <remarks>
/// C1..C5 buy once on 2024-01-10 for 10, 20, 30, 40 and 50. As of 2024-01-31, RFM segments are 1,
/// 2 and 2 customers (<see cref="StoredRankingAnswerTests"/>). Tiers take the first ⌈1% · 5⌉ = 1,
/// ⌈10% · 5⌉ = 1 and ⌈50% · 5⌉ = 3 customers by historical CLV: top1 is C5, top10 adds no one,
/// middle40 is C4 and C3, bottom50 C2 and C1: 1, 2 and 2 customers.
/// </remarks>
public sealed class SharedRankingTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private const string AsOf = "2024-01-31";
    private readonly HttpClient _client = api.Client();

    [Fact]
    public async Task Questions_asked_at_once_of_a_day_never_ranked_rank_its_customers_once()
    {
        (await _client.PostTransactionsAsync(
            Tx("s1", "C1", amount: 10m), Tx("s2", "C2", amount: 20m), Tx("s3", "C3", amount: 30m), Tx("s4", "C4", amount: 40m), Tx("s5", "C5", amount: 50m)))
            .EnsureSuccessStatusCode();

        // The test holds the summaries, which ranking reads, so that the questions meet while it waits.
        await using var holding = new NpgsqlConnection(api.ConnectionString);
        await holding.OpenAsync();
        await using var transaction = await holding.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand("LOCK TABLE customer_summaries IN ACCESS EXCLUSIVE MODE", holding, transaction))
        {
            await hold.ExecuteNonQueryAsync();
        }

        var asked = new[] { $"by=rfmSegment&asOf={AsOf}", $"by=clvTier&asOf={AsOf}", $"by=clvTier&asOf={AsOf}&period=quarter" }
            .Select(q => _client.GetAsync($"/api/v1/segments?{q}"))
            .ToArray();
        await api.UntilWaitingForLockAsync(RankingsQuery);

        // The others have long reached the rankings by now; they wait for the one under way.
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await RankingsWaitingAsync());
        await transaction.CommitAsync();

        var answers = await Task.WhenAll(asked);
        Assert.Equal(new[] { 2, 2, 1 }, await SegmentSizesAsync(answers[0]));
        Assert.Equal(new[] { 2, 2, 1 }, await SegmentSizesAsync(answers[1]));
        Assert.Equal(new[] { 2, 2, 1 }, await SegmentSizesAsync(answers[2]));
    }

    // Statements over every customer's totals that wait for a lock: rankings (the segments' own
    // statements run only once they have their rankings). pg_stat_activity keeps the first 1 kB
    // of a statement, all of it the totals' common start.
    private const string RankingsQuery = "WITH customer_totals AS%";

    private Task<long> RankingsWaitingAsync() => api.ScalarAsync<long>(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE @query",
        new NpgsqlParameter("query", RankingsQuery));

    private static async Task<int[]> SegmentSizesAsync(HttpResponseMessage response)
    {
        var body = await response.JsonAsync();
        return [.. body.GetProperty("segments").EnumerateArray().Select(s => s.GetProperty("customers").GetInt32()).OrderDescending()];
    }
}

/// <summary>
/// A past day's rankings, behind a write that touched the day, are re-ranked in the background by
/// one instance at a time: while another holds the scope's lock, a read leaves them to it; once it
/// is free, the next read re-ranks them. The book holds a purchase after the day, so that the day
/// does not rank as the current state (<see cref="LatestDayRankingTests"/>).
/// </summary>
public sealed class PastRankingRefreshLockTests(PastRankingRefreshLockTests.BoundedApi api) : IClassFixture<PastRankingRefreshLockTests.BoundedApi>
{
    private const string AsOf = "2023-06-30";
    private const string Scope = $"{AsOf}|{AsOf}";
    private readonly HttpClient _client = api.Factory.Client();

    public sealed class BoundedApi() : ConfiguredApi(api => api
        .With("Clv:Analytics:MaxStalenessSeconds", "1")
        .With("Clv:Analytics:RankingRefreshSeconds", "0"));

    [Fact]
    public async Task A_past_day_another_instance_is_re_ranking_is_left_to_it()
    {
        (await _client.PostTransactionsAsync(
            Tx("l1", "L1", "2023-01-10T12:00:00Z", amount: 10m), Tx("l2", "L2", "2023-01-10T12:00:00Z", amount: 20m), Tx("l0", "L0", "2023-08-01T12:00:00Z", amount: 5m)))
            .EnsureSuccessStatusCode();
        await ReadAsync(); // none stored: ranked in the request
        var ranked = await RankedAtAsync();
        (await _client.PostTransactionsAsync(Tx("l3", "L3", "2023-06-30T12:00:00Z", amount: 30m))).EnsureSuccessStatusCode();

        await using (var other = new NpgsqlConnection(api.Factory.ConnectionString))
        {
            await other.OpenAsync();
            await using var holding = await other.BeginTransactionAsync();
            Assert.True(await RankingStore.TryLockScopeAsync(other, Scope, default)); // another instance re-ranks the day
            for (var i = 0; i < 3; i++)
            {
                await Task.Delay(TimeSpan.FromSeconds(1.2)); // past the bound: the answer is computed again
                await ReadAsync();
            }

            Assert.Equal(ranked, await RankedAtAsync());
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await RankedAtAsync() == ranked)
        {
            Assert.True(DateTime.UtcNow < deadline, "The day was not re-ranked within 30 s of the lock's release.");
            await Task.Delay(TimeSpan.FromSeconds(1.2));
            await ReadAsync();
        }
    }

    private async Task ReadAsync() => await (await _client.GetAsync($"/api/v1/segments?by=rfmSegment&asOf={AsOf}")).JsonAsync();

    private Task<string> RankedAtAsync() => api.Factory.ScalarAsync<string>($"SELECT computed_at::text FROM analytics_rankings WHERE scope = '{Scope}'");
}

/// <summary>
/// A day that ranks as the current state is re-ranked under the current state's lock, the
/// refresher's: while another instance holds it (ranking the current state), a read of the day
/// leaves the ranking to it; once it is free, the day's next read ranks, and stores both.
/// </summary>
public sealed class CurrentDayRankingLockTests(StoredRankingAnswerTests.BoundedApi api) : IClassFixture<StoredRankingAnswerTests.BoundedApi>
{
    private const string AsOf = "2024-01-10";
    private readonly HttpClient _client = api.Factory.Client();

    [Fact]
    public async Task A_day_ranked_as_the_current_state_waits_for_the_current_state_s_lock()
    {
        (await _client.PostTransactionsAsync(Tx("k1", "K1", amount: 10m), Tx("k2", "K2", amount: 20m))).EnsureSuccessStatusCode();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await CurrentRankedAtAsync() < await VersionAsync())
        {
            Assert.True(DateTime.UtcNow < deadline, "The refresher did not rank the current state within 30 s.");
            await Task.Delay(100);
        }

        var current = await api.Factory.ScalarAsync<string>($"SELECT scope FROM {CurrentRankings}");
        await using (var other = new NpgsqlConnection(api.Factory.ConnectionString))
        {
            await other.OpenAsync();
            await using var holding = await other.BeginTransactionAsync();
            Assert.True(await RankingStore.TryLockScopeAsync(other, current, default)); // another instance ranks the current state
            (await _client.PostTransactionsAsync(Tx("k3", "K3", amount: 30m))).EnsureSuccessStatusCode();
            for (var i = 0; i < 3; i++)
            {
                await Task.Delay(TimeSpan.FromSeconds(1.2)); // past the bound: the answer is computed again
                await ReadAsync();
            }

            Assert.True(await CurrentRankedAtAsync() < await VersionAsync());
            Assert.Equal(0, await api.Factory.ScalarAsync<long>($"SELECT count(*) FROM analytics_rankings WHERE scope = '{AsOf}|{AsOf}'"));
        }

        deadline = DateTime.UtcNow.AddSeconds(30);
        while (await CurrentRankedAtAsync() < await VersionAsync())
        {
            Assert.True(DateTime.UtcNow < deadline, "The current state was not ranked within 30 s of the lock's release.");
            await Task.Delay(TimeSpan.FromSeconds(1.2));
            await ReadAsync();
        }
    }

    private async Task ReadAsync() => await (await _client.GetAsync($"/api/v1/segments?by=rfmSegment&asOf={AsOf}")).JsonAsync();

    private Task<long> CurrentRankedAtAsync() =>
        api.Factory.ScalarAsync<long>($"SELECT coalesce((SELECT data_version FROM {CurrentRankings}), 0)");

    private Task<long> VersionAsync() => api.Factory.ScalarAsync<long>("SELECT version FROM data_version");
}
