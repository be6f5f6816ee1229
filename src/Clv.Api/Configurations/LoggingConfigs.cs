using Serilog;

namespace Clv.Api.Configurations;

internal static class LoggingConfigs
{
    /// <summary>Serilog from configuration, with structured request logging and no request headers.</summary>
    public static void AddClvLogging(this WebApplicationBuilder builder) =>
        builder.Services.AddSerilog((services, logger) => logger
            .ReadFrom.Configuration(builder.Configuration)
            .ReadFrom.Services(services)
            .Enrich.FromLogContext()
            .WriteTo.Console(formatProvider: System.Globalization.CultureInfo.InvariantCulture));
}
