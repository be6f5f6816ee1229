using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace Clv.Api.Tests.OpenApi;

/// <summary>
/// The served OpenAPI 3.0 document as JSON Schema 2020-12, to check live answers against it: a
/// <c>nullable: true</c> schema becomes <c>anyOf [it, null]</c> and component references point into
/// <c>$defs</c>; formats (date-time, date, uuid) are checked, not only annotated.
/// </summary>
public sealed class ServedContract(JsonNode document)
{
    private static readonly EvaluationOptions Strict = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    private readonly JsonObject _defs = (JsonObject)Convert(document["components"]!["schemas"]!);

    /// <summary>The operation that <paramref name="method"/> on <paramref name="path"/> (no query) is, or null.</summary>
    public JsonObject? Operation(HttpMethod method, string path)
    {
        foreach (var (template, item) in document["paths"]!.AsObject())
        {
            var pattern = "^" + Regex.Replace(Regex.Escape(template), @"\\\{[^/]+?}", "[^/]+") + "$";
            if (Regex.IsMatch(path, pattern) && item![method.Method.ToLowerInvariant()] is JsonObject operation)
            {
                return operation;
            }
        }

        return null;
    }

    /// <summary>What is wrong with an answer: an undeclared status or media type, or a body its schema refuses.</summary>
    public IReadOnlyList<string> Check(HttpMethod method, string path, int status, string? mediaType, string body)
    {
        var operation = Operation(method, path);
        if (operation is null)
        {
            return [$"{method} {path} is not in the document"];
        }

        if (operation["responses"]![status.ToString(System.Globalization.CultureInfo.InvariantCulture)] is not JsonObject response)
        {
            return [$"{method} {path}: status {status} is not declared"];
        }

        if (body.Length == 0 && response["content"] is null)
        {
            return [];
        }

        if (mediaType is null || response["content"]?[mediaType]?["schema"] is not JsonNode declared)
        {
            return [$"{method} {path} {status}: media type {mediaType} is not declared"];
        }

        return Validate(declared, body, $"{method} {path} {status}");
    }

    /// <summary>What the JSON request body schema of <paramref name="method"/> on <paramref name="path"/> refuses in <paramref name="body"/>.</summary>
    public IReadOnlyList<string> CheckRequest(HttpMethod method, string path, string body) =>
        Operation(method, path)?["requestBody"]?["content"]?["application/json"]?["schema"] is JsonNode declared
            ? Validate(declared, body, $"{method} {path} request")
            : [$"{method} {path} declares no JSON body"];

    private List<string> Validate(JsonNode declared, string body, string label)
    {
        var schema = (JsonObject)Convert(declared);
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema";
        schema["$defs"] = _defs.DeepClone();
        var built = JsonSchema.Build(JsonSerializer.SerializeToElement(schema), new BuildOptions(), new Uri($"https://clv.invalid/{Guid.NewGuid():N}"));
        using var instance = JsonDocument.Parse(body);
        var result = built.Evaluate(instance.RootElement, Strict);
        if (result.IsValid)
        {
            return [];
        }

        var errors = (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e =>
            (Branch: d.EvaluationPath.ToString().Contains("/anyOf/", StringComparison.Ordinal),
             Text: $"{label}: {d.InstanceLocation} ({d.EvaluationPath}): {e.Key}: {e.Value}"))).ToList();
        // The branches of a nullable's anyOf fail in turn even where the anyOf holds: show them only when nothing else failed.
        var outside = errors.Where(e => !e.Branch).Select(e => e.Text).ToList();
        return outside.Count > 0 ? outside : [.. errors.Select(e => e.Text)];
    }

    // OpenAPI 3.0 to JSON Schema: nullable to anyOf with null, exclusive flags to bounds, #/components/schemas/X to #/$defs/X,
    // and "example" left out.
    private static JsonNode Convert(JsonNode node)
    {
        switch (node)
        {
            case JsonObject source:
                var copy = new JsonObject();
                var nullable = false;
                foreach (var (key, value) in source)
                {
                    if (key == "nullable")
                    {
                        nullable = value!.GetValue<bool>();
                    }
                    else if (key == "$ref")
                    {
                        copy[key] = value!.GetValue<string>().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal);
                    }
                    else if (key != "example") // OpenAPI 3.0's single example: 2020-12 knows only "examples", and it checks nothing
                    {
                        copy[key] = value is null ? null : Convert(value);
                    }
                }

                // 3.0's exclusiveMinimum/Maximum are flags on minimum/maximum; 2020-12's are the bounds.
                foreach (var (flag, bound) in new[] { ("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum") })
                {
                    if (copy[flag] is JsonValue value && value.TryGetValue<bool>(out var exclusive))
                    {
                        copy.Remove(flag);
                        if (exclusive && copy[bound] is { } limit)
                        {
                            copy.Remove(bound);
                            copy[flag] = limit;
                        }
                    }
                }

                return nullable ? new JsonObject { ["anyOf"] = new JsonArray(copy, new JsonObject { ["type"] = "null" }) } : copy;
            case JsonArray array:
                return new JsonArray([.. array.Select(item => item is null ? null : Convert(item))]);
            default:
                return node.DeepClone();
        }
    }
}
