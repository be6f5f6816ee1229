using FluentValidation;
using FluentValidation.Validators;

namespace Clv.Api.Ingestion;

/// <summary>
/// A rule that a value must be present, which the OpenAPI document declares as <c>required</c>
/// (<see cref="OpenApi.ContractLimitsSchemaFilter"/>), beside FluentValidation's own
/// <c>NotNull</c> and <c>NotEmpty</c>.
/// </summary>
internal interface IRequiredValue;

/// <summary>A rule that a text must be one of a few values, which the OpenAPI document declares as the property's <c>enum</c>.</summary>
internal interface IAllowedValues
{
    IReadOnlyList<string> Values { get; }
}

/// <summary>Present, and of the form <paramref name="isValid"/> accepts.</summary>
internal sealed class RequiredTextValidator<T>(Func<string, bool> isValid) : PropertyValidator<T, string?>, IRequiredValue
{
    public override string Name => "RequiredTextValidator";

    public override bool IsValid(ValidationContext<T> context, string? value) => value is not null && isValid(value);
}

/// <summary>Absent, or one of <see cref="Values"/> (case-sensitive).</summary>
internal sealed class OneOfValidator<T>(IReadOnlyList<string> values) : PropertyValidator<T, string?>, IAllowedValues
{
    public override string Name => "OneOfValidator";

    public IReadOnlyList<string> Values => values;

    public override bool IsValid(ValidationContext<T> context, string? value) => value is null || values.Contains(value, StringComparer.Ordinal);

    protected override string GetDefaultMessageTemplate(string errorCode) =>
        $"'{{PropertyName}}' must be {string.Join(" or ", values.Select(v => $"'{v}'"))}.";
}

/// <summary>
/// At most <see cref="Max"/> characters, counted as PostgreSQL's <c>varchar(n)</c> and JSON Schema's
/// <c>maxLength</c> count them: Unicode code points, so a character outside the Basic Multilingual
/// Plane (an emoji) is one, not the two UTF-16 units of <see cref="string.Length"/>. Its message is
/// FluentValidation's <c>MaximumLength</c> message.
/// </summary>
internal sealed class MaxCharactersValidator<T>(int max) : PropertyValidator<T, string?>, ILengthValidator
{
    public override string Name => "MaximumLengthValidator";

    public int Min => 0;

    public int Max => max;

    public override bool IsValid(ValidationContext<T> context, string? value)
    {
        // Never more characters than UTF-16 units: a short text needs no counting.
        if (value is null || value.Length <= max)
        {
            return true;
        }

        var characters = IngestionRules.Characters(value);
        context.MessageFormatter.AppendArgument("MaxLength", max).AppendArgument("TotalLength", characters);
        return characters <= max;
    }

    protected override string GetDefaultMessageTemplate(string errorCode) =>
        "The length of '{PropertyName}' must be {MaxLength} characters or fewer. You entered {TotalLength} characters.";
}
