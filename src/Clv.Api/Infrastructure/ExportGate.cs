using Clv.Api.Configurations;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Options;

namespace Clv.Api.Infrastructure;

/// <summary>
/// Bounds the CSV exports that stream from a database connection at once, so that slow downloads
/// cannot take every pooled connection from interactive reads, and holds each export to a minimum
/// data rate, so that a client that stops reading lets its connection go.
/// </summary>
public sealed class ExportGate : IDisposable
{
    private readonly SemaphoreSlim _slots;
    private readonly MinDataRate? _minRate;

    /// <summary>Slots from <c>Clv:Http:MaxConcurrentExports</c>, by default a quarter of <c>Database:MaxPoolSize</c>.</summary>
    public ExportGate(IOptions<HttpOptions> http, IOptions<DatabaseOptions> database)
    {
        Slots = http.Value.MaxConcurrentExports > 0 ? http.Value.MaxConcurrentExports : Math.Max(1, database.Value.MaxPoolSize / 4);
        _slots = new SemaphoreSlim(Slots, Slots);
        _minRate = http.Value.ExportMinBytesPerSecond > 0
            ? new MinDataRate(http.Value.ExportMinBytesPerSecond, TimeSpan.FromSeconds(http.Value.ExportGraceSeconds))
            : null;
    }

    /// <summary>Exports that may stream at once.</summary>
    public int Slots { get; }

    /// <summary>
    /// Takes a slot for this request's export, given back when the request ends, and sets its
    /// minimum data rate; false when every slot is taken.
    /// </summary>
    public bool TryEnter(HttpContext context)
    {
        if (!_slots.Wait(0))
        {
            return false;
        }

        context.Response.RegisterForDispose(new Slot(_slots));
        if (_minRate is not null && context.Features.Get<IHttpMinResponseDataRateFeature>() is { } rate)
        {
            rate.MinDataRate = _minRate;
        }

        return true;
    }

    /// <inheritdoc />
    public void Dispose() => _slots.Dispose();

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
