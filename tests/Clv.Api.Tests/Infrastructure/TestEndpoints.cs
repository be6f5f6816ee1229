using Clv.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Clv.Api.Tests.Infrastructure;

/// <summary>
/// Paths that only tests serve, behind the app's whole pipeline (they answer where the app found no
/// endpoint, after its error handling, authentication and authorization ran). Register with
/// <c>factory.WithServices(TestEndpoints.Add)</c>.
/// </summary>
public sealed class TestEndpoints : IStartupFilter
{
    /// <summary>Fails with an unhandled exception whose message, inner exception and stack show SQL.</summary>
    public const string Throw = "/test/throw";

    /// <summary>Answers the client address and scheme the app saw, as "address scheme".</summary>
    public const string Connection = "/test/connection";

    /// <summary>The table the failing query names; it must never reach a client.</summary>
    public const string SecretTable = "secret_card_numbers";

    public static void Add(IServiceCollection services) => services.AddSingleton<IStartupFilter, TestEndpoints>();

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        next(app);
        app.Use(async (HttpContext context, RequestDelegate _) =>
        {
            if (context.Request.Path == Throw)
            {
                await FailWithSqlAsync(context);
            }
            else if (context.Request.Path == Connection)
            {
                await context.Response.WriteAsync($"{context.Connection.RemoteIpAddress} {context.Request.Scheme}");
            }
            else
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
            }
        });
    };

    // A real PostgreSQL error, wrapped the way a careless data layer might: message and inner both quote the SQL.
    private static async Task FailWithSqlAsync(HttpContext context)
    {
        var db = context.RequestServices.GetRequiredService<ClvDbContext>();
        const string sql = $"SELECT card_number FROM {SecretTable} WHERE customer_id = 42";
        try
        {
            await db.Database.ExecuteSqlRawAsync(sql);
        }
        catch (Npgsql.PostgresException e)
        {
            throw new InvalidOperationException($"Query failed: {sql}", e);
        }
    }
}
