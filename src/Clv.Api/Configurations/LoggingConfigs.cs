using Serilog;

namespace Clv.Api.Configurations;

internal static class LoggingConfigs
{
    /// <summary>
    /// Serilog from configuration, with structured request logging and no request headers. The
    /// console is written from a background worker: a request never waits for the terminal, and a
    /// burst beyond its buffer drops lines rather than blocking requests. Each host logs through its
    /// own logger, never the static <c>Log.Logger</c>: two hosts in one process (the tests run
    /// several at once) would otherwise write to whichever was built last.
    /// </summary>
    public static void AddClvLogging(this WebApplicationBuilder builder) =>
        builder.Services.AddSerilog(
            (services, logger) => logger
                .ReadFrom.Configuration(builder.Configuration)
                .ReadFrom.Services(services)
                .Enrich.FromLogContext()
                .WriteTo.Async(sink => sink.Console(formatProvider: System.Globalization.CultureInfo.InvariantCulture)),
            preserveStaticLogger: true);

    /// <summary>
    /// Serilog's request log, through the host's own logger. It goes before the error handling
    /// (<see cref="ErrorConfigs.UseClvErrors"/>), so that it sees the status the client got: a
    /// client error raised as an exception (a bad CSV header, an atomic batch with an invalid
    /// item) is logged as the 400 or 422 it is, at Information and without a stack, and not as a
    /// failed request of status 500. Server faults are logged with their exception by
    /// <see cref="Errors.ClvExceptionHandler"/>.
    /// </summary>
    public static void UseClvRequestLogging(this WebApplication app) =>
        app.UseSerilogRequestLogging(options => options.Logger = app.Services.GetRequiredService<Serilog.ILogger>());
}
