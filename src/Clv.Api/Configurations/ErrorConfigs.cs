using System.Diagnostics;
using Clv.Api.Errors;

namespace Clv.Api.Configurations;

internal static class ErrorConfigs
{
    public static IServiceCollection AddClvErrors(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Instance ??= context.HttpContext.Request.Path;
            context.ProblemDetails.Extensions["traceId"] = Activity.Current?.Id ?? context.HttpContext.TraceIdentifier;
        });
        services.AddExceptionHandler<ClvExceptionHandler>();
        return services;
    }

    /// <summary>Problem+json for exceptions and for bodiless error statuses such as unknown routes.</summary>
    public static void UseClvErrors(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
    }
}
