using Clv.Api.Infrastructure;
using Clv.Api.Tests.Infrastructure;

namespace Clv.Api.Tests.Observability;

/// <summary>
/// When <see cref="HeapTrim"/> collects: only after bulk work, which allocated at least
/// <see cref="HeapTrim.MinimumAllocated"/> bytes. What the collection returns to the operating
/// system is a benchmark's figure (docs/benchmarks.md), not a test's.
/// </summary>
public sealed class HeapTrimTests
{
    [Fact]
    public void Work_that_allocated_little_is_not_followed_by_a_collection()
    {
        var logger = new CapturedLogger<HeapTrim>();
        var trim = new HeapTrim(logger);
        var mark = HeapTrim.Mark();
        GC.KeepAlive(new byte[1 << 20]);

        Assert.False(trim.After(mark, "a small batch"));
        Assert.Empty(logger.Entries);
    }

    [Fact]
    public void Bulk_work_is_followed_by_one_collection_that_it_logs()
    {
        var logger = new CapturedLogger<HeapTrim>();
        var trim = new HeapTrim(logger);
        var mark = HeapTrim.Mark();
        for (var i = 0; i < 300; i++)
        {
            GC.KeepAlive(new byte[1 << 20]);
        }

        var fullCollections = GC.CollectionCount(GC.MaxGeneration);
        Assert.True(trim.After(mark, "an import"));
        Assert.True(GC.CollectionCount(GC.MaxGeneration) > fullCollections);
        Assert.Contains(logger.Entries, e => e.Message.StartsWith("After an import, the heap's committed memory went from", StringComparison.Ordinal));
    }
}
