using Clv.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Clv.Api.Configurations;

internal static class DatabaseConfigs
{
    public static IServiceCollection AddClvDatabase(this IServiceCollection services)
    {
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddDbContextPool<ClvDbContext>((provider, options) =>
        {
            var connectionString = provider.GetRequiredService<IConfiguration>().GetConnectionString("Clv");
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException("ConnectionStrings:Clv is not set (environment variable ConnectionStrings__Clv).");
            }

            var database = provider.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            ClvDbContext.Configure(options, connectionString, database.CommandTimeoutSeconds);
        });
        return services;
    }

    /// <summary>Applies pending migrations when <c>Database:MigrateOnStartup</c> is set.</summary>
    public static async Task MigrateIfConfiguredAsync(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateOnStartup)
        {
            return;
        }

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ClvDbContext>();
        await db.Database.MigrateAsync();
    }
}
