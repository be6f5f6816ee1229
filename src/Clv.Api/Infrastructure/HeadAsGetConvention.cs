using Microsoft.AspNetCore.Mvc.ApplicationModels;

namespace Clv.Api.Infrastructure;

/// <summary>
/// Routes HEAD to every GET action, as RFC 9110 (9.3.2) asks of a server that answers GET: the same
/// status and headers, and Kestrel sends no content. Only routing learns of it: the OpenAPI
/// document lists the GET operations alone, so a generated client has one method per operation.
/// </summary>
internal sealed class HeadAsGetConvention : IActionModelConvention
{
    private static readonly HttpMethodMetadata GetAndHead = new([HttpMethods.Get, HttpMethods.Head]);

    public void Apply(ActionModel action)
    {
        foreach (var selector in action.Selectors)
        {
            // Routing reads the last method metadata of an endpoint; the explorer reads the selector's constraints.
            if (selector.EndpointMetadata.OfType<IHttpMethodMetadata>().LastOrDefault()?.HttpMethods is [var only]
                && HttpMethods.IsGet(only))
            {
                selector.EndpointMetadata.Add(GetAndHead);
            }
        }
    }
}
