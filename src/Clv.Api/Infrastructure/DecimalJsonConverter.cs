using System.Text.Json;
using System.Buffers;
using System.Text.Json.Serialization;
using Clv.Api.Requests;

namespace Clv.Api.Infrastructure;

/// <summary>
/// Writes money as an exact JSON number without the trailing zeros of numeric(19,4)
/// (29.33, not 29.3300); reads only JSON numbers, so "12.5" as a string is a type error, and only
/// numbers a decimal holds exactly, so 1e-29 is an error rather than 0 (<see cref="ExactDecimal"/>).
/// </summary>
internal sealed class DecimalJsonConverter : JsonConverter<decimal>
{
    public override decimal Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDecimal(out var value))
        {
            throw new JsonException("Expected a decimal number.");
        }

        var text = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan;
        return ExactDecimal.IsExact(text, value)
            ? value
            : throw new JsonException("The number has more significant digits than can be stored exactly (28); it would be rounded.");
    }

    public override void Write(Utf8JsonWriter writer, decimal value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(Normalize(value));

    /// <summary>The same value with its scale reduced to the fewest digits that hold it.</summary>
    public static decimal Normalize(decimal value) => value / 1.0000000000000000000000000000m;
}
