using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace Clv.Api.Requests;

/// <summary>
/// Refuses a query parameter given more than once (<c>?atomic=false&amp;atomic=true</c>) with a 400 naming it, before
/// anything binds: every parameter of the API takes one value, and model binding read the first and dropped the
/// rest, so that such a request ran non-atomically while its URL also asked for all or nothing.
/// </summary>
internal sealed class RepeatedQueryParameters : IResourceFilter
{
    public void OnResourceExecuting(ResourceExecutingContext context)
    {
        var errors = context.HttpContext.Request.Query
            .Where(parameter => parameter.Value.Count > 1)
            .Select(parameter => (Name: Declared(context, parameter.Key), Times: parameter.Value.Count))
            .ToDictionary(parameter => parameter.Name, parameter => new[] { $"Give {parameter.Name} once, not {parameter.Times} times." });
        if (errors.Count > 0)
        {
            context.Result = new BadRequestObjectResult(new ValidationProblemDetails(errors));
        }
    }

    // The name as the operation declares it (asOf), however the query spelled it (asof, AsOf).
    private static string Declared(ResourceExecutingContext context, string key) =>
        context.ActionDescriptor.Parameters.Select(p => p.BindingInfo?.BinderModelName ?? p.Name)
            .FirstOrDefault(name => name.Equals(key, StringComparison.OrdinalIgnoreCase)) ?? key;

    public void OnResourceExecuted(ResourceExecutedContext context)
    {
    }
}
