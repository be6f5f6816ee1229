using Clv.Api.Errors;
using Clv.Api.Requests;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Clv.Api.Configurations;

internal static class ErrorConfigs
{
    public static IServiceCollection AddClvErrors(this IServiceCollection services)
    {
        // Ahead of AddProblemDetails' own writer, which it replaces: the writers are asked in order.
        services.AddSingleton<IProblemDetailsWriter, ProblemJsonWriter>();
        services.AddProblemDetails();
        services.AddExceptionHandler<ClvExceptionHandler>();
        services.Configure<MvcOptions>(options =>
        {
            options.Filters.Add<ProblemResultFilter>();
            options.Filters.Add<RepeatedQueryParameters>();
            // An Accept that no formatter of an endpoint serves (text/csv where there is no CSV,
            // application/xml) is 406, never JSON the client did not ask for.
            options.ReturnHttpNotAcceptable = true;
            options.ModelBinderProviders.Insert(0, new IsoDateModelBinder.Provider());
        });
        services.PostConfigure<ApiBehaviorOptions>(options =>
        {
            var respond = options.InvalidModelStateResponseFactory;
            options.InvalidModelStateResponseFactory = context =>
            {
                OneErrorPerJsonFault(context);
                return respond(context);
            };
        });
        return services;
    }

    /// <summary>Problem+json for exceptions and for bodiless error statuses such as unknown routes.</summary>
    public static void UseClvErrors(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
    }

    // A body that is not the JSON its type needs fails to bind twice: at the JSON path ("$.items[0].amount")
    // and, the body then being null, as a missing body ("The batch field is required."). The first says it all.
    private static void OneErrorPerJsonFault(ActionContext context)
    {
        if (!context.ModelState.Keys.Any(key => key.StartsWith('$')))
        {
            return;
        }

        foreach (var body in context.ActionDescriptor.Parameters.Where(p => p.BindingInfo?.BindingSource == BindingSource.Body))
        {
            context.ModelState.Remove(body.Name);
        }
    }
}
