using Clv.Api.Configurations;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Clv.Api.OpenApi;

/// <summary>
/// The document-wide parts (docs/api.md, "OpenAPI document"): tag descriptions that say what each
/// group does, the rate-limit headers every answer carries, and a declared bound on every string,
/// integer and array that <see cref="ContractLimitsSchemaFilter"/> found no enforced limit for.
/// </summary>
internal sealed class OpenApiDocumentConventions : IDocumentFilter
{
    /// <summary>
    /// The bound declared where the API enforces none (text it composes, counts, lists that grow with
    /// the data): the most a .NET string, list or <c>int</c> holds. Not a promise beyond that.
    /// </summary>
    public const int Unbounded = int.MaxValue;

    /// <summary>Declared beside the rate-limit headers: the CORS policy (HardeningConfigs) sends it to allowed origins.</summary>
    public const string CorsOriginHeader = "Access-Control-Allow-Origin";

    /// <summary>What each tag's operations do; a tag not listed keeps its controller's summary.</summary>
    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["Ingestion"] = "The write path for CRM integrations: customer profiles, purchases and refunds (as JSON or a streamed CSV), "
            + "acquisition spend per channel and period, NPS and CSAT answers (JSON or CSV), and FX rates into the reporting currency.",
        ["Customers"] = "The read path for customers: one customer's profile, historical and predicted CLV, RFM and churn; sorted, filtered pages "
            + "or every row as CSV; and erasure on request.",
        ["Metrics"] = "Portfolio figures for dashboards: the summary (customers, CLV, equity, retention, churn, CAC, CLV:CAC, payback) and time series.",
        ["Segments"] = "The portfolio's figures by channel, country, cohort, RFM segment, CLV tier, NPS class or a free attribute, and comparisons of two groups with intervals.",
        ["Feedback"] = "NPS and CSAT per group of customers, with their intervals.",
        ["Model runs"] = "Predictive model runs (BG/NBD, Pareto/NBD, MBG/NBD, BG/BB and Gamma-Gamma) fitted in the background on the stored purchases; their status, fits and holdout diagnostics.",
    };

    public void Apply(OpenApiDocument swaggerDoc, DocumentFilterContext context)
    {
        foreach (var tag in swaggerDoc.Tags ?? new HashSet<OpenApiTag>())
        {
            if (tag.Name is { } name && TagDescriptions.TryGetValue(name, out var description))
            {
                tag.Description = description;
            }
        }

        swaggerDoc.Components ??= new OpenApiComponents();
        swaggerDoc.Components.Headers ??= new Dictionary<string, IOpenApiHeader>();
        foreach (var (name, header) in RateLimitHeaders())
        {
            swaggerDoc.Components.Headers[name] = header;
        }

        foreach (var schema in Schemas(swaggerDoc))
        {
            TypeNullableReference(schema, swaggerDoc);
            Bound(schema);
        }
    }

    private static IEnumerable<(string Name, OpenApiHeader Header)> RateLimitHeaders()
    {
        static OpenApiHeader Seconds(string description) => new()
        {
            Description = description,
            Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "0", Maximum = Unbounded.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        };

        yield return (RateLimitConfigs.LimitHeader, Seconds("Requests this key (or, without a valid key, this address) may make in a burst: `Clv:RateLimit:BurstLimit`."));
        yield return (RateLimitConfigs.RemainingHeader, Seconds("Requests left in the burst after this one."));
        yield return (RateLimitConfigs.ResetHeader, Seconds("Seconds until the burst is whole again, at `Clv:RateLimit:RequestsPerSecond`."));
        yield return (RateLimitConfigs.RetryAfterHeader, Seconds("Seconds to wait before retrying (only on 429)."));
        yield return (CorsOriginHeader, new OpenApiHeader
        {
            Description = "Only when the request's `Origin` is one of `Clv:Http:CorsOrigins` (none by default): that origin.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uri", MaxLength = Unbounded },
        });
    }

    // A nullable reference (allOf [$ref] + nullable) states its type, as OpenAPI 3.0 wants beside nullable.
    private static void TypeNullableReference(OpenApiSchema schema, OpenApiDocument document)
    {
        if (schema.AllOf is [OpenApiSchemaReference { Reference.Id: { } id }]
            && (schema.Type is null || schema.Type == JsonSchemaType.Null)
            && document.Components?.Schemas?.TryGetValue(id, out var target) == true && target.Type is { } type)
        {
            schema.Type = type | (schema.Type ?? 0);
        }
    }

    // Gives what is still unbounded the representation's bound, so every limit is explicit.
    private static void Bound(OpenApiSchema schema)
    {
        var type = schema.Type ?? 0;
        if (type.HasFlag(JsonSchemaType.String) && schema.MaxLength is null && schema.Enum is not { Count: > 0 })
        {
            schema.MaxLength = Unbounded;
        }
        else if (type.HasFlag(JsonSchemaType.Integer))
        {
            var wide = schema.Format == "int64";
            schema.Minimum ??= (wide ? long.MinValue : int.MinValue).ToString(System.Globalization.CultureInfo.InvariantCulture);
            schema.Maximum ??= (wide ? long.MaxValue : int.MaxValue).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        else if (type.HasFlag(JsonSchemaType.Array))
        {
            schema.MaxItems ??= Unbounded;
        }
    }

    // Every schema object written inline in the document: components, parameters, bodies, answers
    // and headers, and the schemas nested in them. References are followed where they are defined.
    private static IEnumerable<OpenApiSchema> Schemas(OpenApiDocument document)
    {
        var roots = new List<IOpenApiSchema?>();
        roots.AddRange(document.Components?.Schemas?.Values ?? []);
        foreach (var operation in (document.Paths ?? []).Values.SelectMany(path => path.Operations?.Values.AsEnumerable() ?? []))
        {
            roots.AddRange((operation.Parameters ?? []).Select(p => p.Schema));
            roots.AddRange((operation.RequestBody?.Content ?? new Dictionary<string, IOpenApiMediaType>()).Values.Select(m => m.Schema));
            foreach (var response in (operation.Responses ?? []).Values)
            {
                roots.AddRange((response.Content ?? new Dictionary<string, IOpenApiMediaType>()).Values.Select(m => m.Schema));
                roots.AddRange((response.Headers ?? new Dictionary<string, IOpenApiHeader>()).Values.Select(h => h.Schema));
            }
        }

        var seen = new HashSet<OpenApiSchema>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<IOpenApiSchema?>(roots);
        while (pending.TryPop(out var next))
        {
            if (next is not OpenApiSchema schema || !seen.Add(schema))
            {
                continue;
            }

            yield return schema;
            foreach (var child in (schema.Properties?.Values ?? []).Concat(schema.AllOf ?? []).Concat(schema.AnyOf ?? []).Concat(schema.OneOf ?? [])
                .Append(schema.Items).Append(schema.AdditionalProperties))
            {
                pending.Push(child);
            }
        }
    }
}
