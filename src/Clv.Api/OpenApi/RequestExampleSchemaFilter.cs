using System.Text.Json.Nodes;
using Clv.Api.ModelRuns;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Clv.Api.OpenApi;

/// <summary>
/// Whole-body examples for requests whose properties' examples do not make one valid request
/// together. Swagger UI fills "Try it out" with the schema's example when there is one, so the body
/// it offers is accepted as it stands (SwaggerExampleBodyTests).
/// </summary>
internal sealed class RequestExampleSchemaFilter : ISchemaFilter
{
    /// <summary>
    /// A run of the purchase models with a holdout: the options of an <c>sbg</c> run (cohortBy,
    /// periodUnit, discountRate, horizonPeriods, grossMargin) are refused beside them.
    /// </summary>
    private static JsonObject ModelRun() => new()
    {
        ["asOf"] = "1998-06-30",
        ["calibrationEnd"] = "1997-09-30",
        ["timeUnit"] = "weeks",
        ["models"] = new JsonArray("bgnbd", "gammagamma"),
        ["primaryModel"] = "bgnbd",
        ["horizonMonths"] = 12,
        ["discountRateMonthly"] = 0.01,
        ["penalizer"] = 0,
        ["activate"] = true,
        ["intervalLevel"] = 0.9,
        ["intervalDraws"] = 200,
        ["intervalSeed"] = 12345,
    };

    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is OpenApiSchema concrete && context.Type == typeof(ModelRunRequest))
        {
            concrete.Examples = [ModelRun()];
        }
    }
}
