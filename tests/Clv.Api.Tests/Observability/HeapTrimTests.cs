using System.Reflection;
using Clv.Api.Infrastructure;
using Clv.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc;

namespace Clv.Api.Tests.Observability;

/// <summary>
/// When <see cref="HeapTrim"/> collects: only after bulk work, which allocated at least
/// <see cref="HeapTrim.MinimumAllocated"/> bytes; and every CSV import asks for it. What the
/// collection returns to the operating system is a benchmark's figure (docs/benchmarks.md), not a
/// test's.
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

    [Fact]
    public void Every_CSV_import_is_followed_by_a_trim()
    {
        var imports = typeof(HeapTrim).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(ControllerBase)))
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Where(m => m.GetCustomAttribute<ConsumesAttribute>()?.ContentTypes.Contains("text/csv") == true)
            .ToList();

        Assert.Equal(3, imports.Count); // transactions, subscriptions and feedback
        Assert.All(imports, m => Assert.NotNull(m.GetCustomAttribute<TrimsHeapAttribute>()));
    }
}
