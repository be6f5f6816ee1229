using System.Collections.Concurrent;

namespace Clv.Analytics.Portfolio;

/// <summary>
/// Results kept by key, at most <c>capacity</c> of them: adding one more forgets the oldest added.
/// Each value is computed once however many callers ask at the same time. Safe for concurrent use.
/// </summary>
/// <remarks>
/// Queries choose their keys (dates, groupings, attribute names), so a memo without a bound would
/// grow by one entry per distinct query until the data changes.
/// </remarks>
public sealed class BoundedMemo<TKey, TValue>
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Lazy<TValue>> _entries;
    private readonly ConcurrentQueue<TKey> _added = new();
    private readonly int _capacity;

    /// <summary>A memo of at most <paramref name="capacity"/> entries.</summary>
    public BoundedMemo(int capacity, IEqualityComparer<TKey>? comparer = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _entries = new ConcurrentDictionary<TKey, Lazy<TValue>>(comparer);
    }

    /// <summary>Entries held now.</summary>
    public int Count => _entries.Count;

    /// <summary>The value of <paramref name="key"/>, computed by <paramref name="compute"/> when not held.</summary>
    public TValue GetOrAdd(TKey key, Func<TKey, TValue> compute)
    {
        ArgumentNullException.ThrowIfNull(compute);
        if (_entries.TryGetValue(key, out var held))
        {
            return held.Value;
        }

        var fresh = new Lazy<TValue>(() => compute(key));
        var entry = _entries.GetOrAdd(key, fresh);
        if (ReferenceEquals(entry, fresh))
        {
            Added(key);
        }

        return entry.Value;
    }

    /// <summary>The value held for <paramref name="key"/>, if any (computing it if another caller started to).</summary>
    public bool TryGetValue(TKey key, out TValue value)
    {
        if (_entries.TryGetValue(key, out var held))
        {
            value = held.Value;
            return true;
        }

        value = default!;
        return false;
    }

    /// <summary>Holds <paramref name="value"/> for <paramref name="key"/>, replacing any held.</summary>
    public void Set(TKey key, TValue value)
    {
        var entry = new Lazy<TValue>(value);
        while (true)
        {
            if (_entries.TryAdd(key, entry))
            {
                Added(key);
                return;
            }

            // Replace only an entry still held, so that every entry held has been queued.
            if (_entries.TryGetValue(key, out var held) && _entries.TryUpdate(key, entry, held))
            {
                return;
            }
        }
    }

    /// <summary>Forgets every entry.</summary>
    public void Clear()
    {
        // Queue first: an entry added meanwhile is then either removed or queued after the clear.
        _added.Clear();
        _entries.Clear();
    }

    // Every key is queued once when it enters; beyond the capacity the oldest ones leave.
    private void Added(TKey key)
    {
        _added.Enqueue(key);
        while (_added.Count > _capacity && _added.TryDequeue(out var oldest))
        {
            _entries.TryRemove(oldest, out _);
        }
    }
}
