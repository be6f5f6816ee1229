using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Clv.Api.Tests.Infrastructure;

/// <summary>
/// An <see cref="ILogger{T}"/> that keeps what is logged to it, to put in place of the service's
/// logger for one type (<c>services.AddSingleton&lt;ILogger&lt;T&gt;&gt;(captured)</c>). Serilog's
/// own pipeline is no use for this when test classes run in parallel: its logger factory writes to
/// the static <c>Log.Logger</c>, which the last host built owns.
/// </summary>
public sealed class CapturedLogger<T> : ILogger<T>
{
    public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        Entries.Enqueue((logLevel, formatter(state, exception)));
    }
}
