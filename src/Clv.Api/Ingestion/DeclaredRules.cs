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
