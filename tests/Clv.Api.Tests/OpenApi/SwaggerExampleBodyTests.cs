using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Clv.Api.Tests.Infrastructure;

namespace Clv.Api.Tests.OpenApi;

/// <summary>
/// "Try it out" in Swagger UI works as it stands: the JSON body Swagger UI fills in for each
/// operation (each property's example, else a placeholder of its type) succeeds, and a batch stores
/// every item of it (issue 13, section 2).
/// </summary>
public sealed class SwaggerExampleBodyTests(ClvApiFactory factory) : IClassFixture<ClvApiFactory>
{
    [Fact]
    public async Task Every_json_body_as_swagger_ui_fills_it_in_succeeds()
    {
        var document = JsonNode.Parse(await factory.Client().GetStringAsync("/swagger/v1/swagger.json"))!;
        var schemas = document["components"]!["schemas"]!;
        var failures = new List<string>();
        var tried = 0;
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                if (operation!["requestBody"]?["content"]?["application/json"]?["schema"] is not { } schema)
                {
                    continue;
                }

                tried++;
                var body = Sample(schema, schemas)!.ToJsonString();
                using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), path)
                {
                    Content = new StringContent(body, new MediaTypeHeaderValue("application/json")),
                };
                var answer = await factory.Client().SendAsync(request);
                var text = await answer.Content.ReadAsStringAsync();
                var rejected = answer.IsSuccessStatusCode ? JsonNode.Parse(text)?["rejected"]?.GetValue<long>() ?? 0 : 0;
                if (!answer.IsSuccessStatusCode || rejected > 0)
                {
                    failures.Add($"{method.ToUpperInvariant()} {path} with {body}: {(int)answer.StatusCode} {text}");
                }
            }
        }

        Assert.True(tried >= 6, $"only {tried} operations take a JSON body");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    // Swagger UI's sample: the schema's example, else an object of its properties' samples, a list of
    // one item's sample, or its type's placeholder.
    private static JsonNode? Sample(JsonNode schema, JsonNode schemas)
    {
        if (schema["$ref"] is { } reference)
        {
            return Sample(schemas[reference.GetValue<string>().Split('/')[^1]]!, schemas);
        }

        if (schema["example"] is { } example)
        {
            return example.DeepClone();
        }

        if (schema["allOf"] is JsonArray { Count: 1 } all)
        {
            return Sample(all[0]!, schemas);
        }

        if (schema["enum"] is JsonArray { Count: > 0 } values)
        {
            return values[0]!.DeepClone();
        }

        return schema["type"]?.GetValue<string>() switch
        {
            "object" when schema["properties"] is JsonObject properties =>
                new JsonObject(properties.Select(p => KeyValuePair.Create(p.Key, Sample(p.Value!, schemas)))),
            "object" => new JsonObject { ["additionalProp1"] = schema["additionalProperties"] is JsonObject value ? Sample(value, schemas) : new JsonObject() },
            "array" => new JsonArray(Sample(schema["items"]!, schemas)),
            "string" => schema["format"]?.GetValue<string>() switch
            {
                "date-time" => DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                "date" => DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                "uuid" => "3fa85f64-5717-4562-b3fc-2c963f66afa6",
                _ => "string",
            },
            "integer" or "number" => 0,
            "boolean" => true,
            _ => null,
        };
    }
}
