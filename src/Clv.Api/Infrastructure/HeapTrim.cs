using Microsoft.AspNetCore.Mvc.Filters;

namespace Clv.Api.Infrastructure;

/// <summary>
/// Gives the operating system back the memory that a bulk unit of work (a CSV import, a model run)
/// made the garbage collector commit, once the work is done. Such work allocates hundreds of
/// megabytes that die within it; the collector keeps the memory it committed for them, and its
/// ordinary collections return it only slowly, so the API's RSS stayed where the import's peak left
/// it: about 310 MB after a CDNOW ×40 import against 40 MB of live objects (docs/benchmarks.md).
/// One aggressive, compacting collection after the work returns what no live object holds. It
/// blocks every thread for a few tens of milliseconds, so it runs only after work that allocated
/// at least <see cref="MinimumAllocated"/> bytes (a small batch never pays for it), one at a time.
/// </summary>
public sealed class HeapTrim(ILogger<HeapTrim> logger)
{
    /// <summary>The bytes a unit of work must allocate (in the whole process, while it runs) to be followed by a trim.</summary>
    public const long MinimumAllocated = 256L << 20;

    private int _trimming;

    /// <summary>A mark of the process's allocations so far, to give <see cref="After"/> when the work is done.</summary>
    public static long Mark() => GC.GetTotalAllocatedBytes();

    /// <summary>
    /// After the bulk work that began at <paramref name="mark"/>: one aggressive collection when the
    /// process allocated at least <see cref="MinimumAllocated"/> bytes since, unless another trim
    /// is running. Returns whether it collected.
    /// </summary>
    /// <param name="mark">The <see cref="Mark"/> taken when the work began.</param>
    /// <param name="work">What the work was, for the log.</param>
    public bool After(long mark, string work)
    {
        if (GC.GetTotalAllocatedBytes() - mark < MinimumAllocated || Interlocked.Exchange(ref _trimming, 1) == 1)
        {
            return false;
        }

        try
        {
            var before = GC.GetGCMemoryInfo(GCKind.Any);
            var started = TimeProvider.System.GetTimestamp();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            var after = GC.GetGCMemoryInfo(GCKind.Any);
            logger.LogInformation(
                "After {Work}, the heap's committed memory went from {Before} MB to {After} MB ({Live} MB live) in {Milliseconds} ms",
                work, before.TotalCommittedBytes >> 20, after.TotalCommittedBytes >> 20, after.HeapSizeBytes >> 20,
                (long)TimeProvider.System.GetElapsedTime(started).TotalMilliseconds);
            return true;
        }
        finally
        {
            Volatile.Write(ref _trimming, 0);
        }
    }
}

/// <summary>
/// Marks a bulk action (a CSV import): once it has run, <see cref="HeapTrim.After"/> returns the
/// memory it made the collector commit, before its answer is written.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class TrimsHeapAttribute : Attribute, IAsyncActionFilter
{
    public async Task OnActionExecutionAsync(ActionExecutingContext context, ActionExecutionDelegate next)
    {
        var mark = HeapTrim.Mark();
        await next();
        context.HttpContext.RequestServices.GetRequiredService<HeapTrim>().After(mark, context.ActionDescriptor.DisplayName ?? "a bulk action");
    }
}
