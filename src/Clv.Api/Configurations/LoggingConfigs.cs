using Serilog;

namespace Clv.Api.Configurations;

internal static class LoggingConfigs
{
    /// <summary>
    /// Serilog from configuration, with structured request logging and no request headers. The
    /// console is written from a background worker: a request never waits for the terminal, and a
    /// burst beyond its buffer drops lines rather than blocking requests.
    /// </summary>
    public static void AddClvLogging(this WebApplicationBuilder builder) =>
        builder.Services.AddSerilog((services, logger) => logger
            .ReadFrom.Configuration(builder.Configuration)
            .ReadFrom.Services(services)
            .Enrich.FromLogContext()
            .WriteTo.Async(sink => sink.Console(formatProvider: System.Globalization.CultureInfo.InvariantCulture)));
}
