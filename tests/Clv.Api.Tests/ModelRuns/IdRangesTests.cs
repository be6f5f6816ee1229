using Clv.Data.Infrastructure;

namespace Clv.Api.Tests.ModelRuns;

/// <summary>
/// The ranges of customer ids that a run's inputs are read in, and its predictions loaded in: each
/// id falls in exactly one, and none is empty while there are at least as many ids as ranges.
/// </summary>
public sealed class IdRangesTests
{
    [Theory]
    [InlineData(1L, 1L, 2)]
    [InlineData(1L, 2L, 2)]
    [InlineData(5L, 7L, 4)]
    [InlineData(3L, 3L, 3)]
    [InlineData(-10L, 10L, 3)]
    [InlineData(2_001L, 4_357L, 2)]
    [InlineData(1_000_000_000_000L, 1_000_000_942_799L, 2)]
    public void Every_id_falls_in_exactly_one_range(long min, long max, int parts)
    {
        var bounds = IdRanges.Bounds(min, max, parts);

        Assert.Equal(parts - 1, bounds.Length);
        Assert.All(bounds.Zip(bounds.Skip(1)), pair => Assert.True(pair.First < pair.Second, $"{pair.First} is not below {pair.Second}"));
        var ranges = Enumerable.Range(0, parts).Select(part => IdRanges.Range(bounds, part)).ToList();
        var span = max - min + 1;
        foreach (var id in Probes(min, max))
        {
            Assert.Single(ranges, r => id >= (r.From ?? long.MinValue) && (r.To is null || id < r.To));
        }

        if (span >= parts)
        {
            Assert.All(ranges, r => Assert.True(
                Math.Max(r.From ?? min, min) < Math.Min(r.To ?? max + 1, max + 1),
                $"range {r} holds no id of {min}..{max}"));
        }
    }

    [Fact]
    public void Halves_of_a_span_are_cut_in_the_middle()
    {
        Assert.Equal([6L], IdRanges.Bounds(1, 10, 2));
        Assert.Equal([4L, 7L], IdRanges.Bounds(1, 9, 3));
        Assert.Equal("customer_id >= 6::bigint", IdRanges.Condition("customer_id", (6, null)));
        Assert.Equal("customer_id < 6::bigint", IdRanges.Condition("customer_id", (null, 6)));
        Assert.Equal("TRUE", IdRanges.Condition("customer_id", (null, null)));
    }

    private static IEnumerable<long> Probes(long min, long max)
    {
        foreach (var id in new[] { min - 1, min, min + 1, max - 1, max, max + 1, min + ((max - min) / 2) })
        {
            yield return id;
        }
    }
}
