using Clv.Analytics.Portfolio;

namespace Clv.Api.Tests.Portfolio;

/// <summary>
/// The bound on the answers <c>AnalyticsAnswers</c> keeps: queries choose their keys, so the memo
/// must not grow with them.
/// </summary>
public sealed class BoundedMemoTests
{
    [Fact]
    public void A_memo_past_its_capacity_forgets_the_oldest_key()
    {
        var memo = new BoundedMemo<string, string>(2);
        memo.GetOrAdd("a", k => k);
        memo.GetOrAdd("b", k => k);
        memo.GetOrAdd("c", k => k);

        Assert.Equal(2, memo.Count);
        Assert.False(memo.TryGetValue("a", out _));
        Assert.True(memo.TryGetValue("b", out _));
        Assert.True(memo.TryGetValue("c", out _));
    }

    [Fact]
    public void A_held_key_is_computed_once_and_replacing_it_does_not_count_as_another()
    {
        var memo = new BoundedMemo<string, string>(2);
        var computed = 0;
        memo.GetOrAdd("a", k => k + ++computed);
        var again = memo.GetOrAdd("a", k => k + ++computed);
        memo.Set("b", "first");
        memo.Set("b", "second");

        Assert.Equal(1, computed);
        Assert.Equal("a1", again);
        Assert.True(memo.TryGetValue("a", out _)); // a, b: still within the capacity of 2
        Assert.True(memo.TryGetValue("b", out var b));
        Assert.Equal("second", b);
    }

    [Fact]
    public void Many_keys_asked_at_once_leave_at_most_the_capacity_held()
    {
        var memo = new BoundedMemo<int, int[]>(8);
        Parallel.For(0, 2_000, i => memo.GetOrAdd(i % 500, k => new int[k]));

        Assert.InRange(memo.Count, 1, 8);
    }
}
