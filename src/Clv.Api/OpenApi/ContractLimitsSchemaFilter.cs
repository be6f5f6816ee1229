using System.Globalization;
using System.Reflection;
using Clv.Analytics.ModelRuns;
using Clv.Api.Customers;
using Clv.Api.Ingestion;
using Clv.Api.ModelRuns;
using Clv.Api.Requests;
using Clv.Data.Infrastructure;
using FluentValidation;
using FluentValidation.Validators;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Clv.Api.OpenApi;

/// <summary>
/// Declares on each property and parameter schema the limits the API enforces, so no contract
/// repeats them by hand (docs/api.md, "OpenAPI document"). In order, the first that says something wins:
/// <list type="number">
/// <item>data annotations on the member (<c>[MaxLength]</c>, <c>[Range]</c>, <c>[RegularExpression]</c>), which Swashbuckle reads itself;</item>
/// <item>
/// the FluentValidation validator registered for the declaring type, its rules that hold for every
/// item (not those under <c>When</c>): <c>MaximumLength</c> and <c>MaxCharacters</c>, <c>Length</c>,
/// <c>InclusiveBetween</c>, comparisons, <c>Matches</c>, and <c>OneOf</c> as the <c>enum</c>; its
/// <c>NotNull</c>, <c>NotEmpty</c> and required texts make the property required and not nullable;
/// </item>
/// <item><see cref="ByName"/>: members whose name has one meaning everywhere (<c>externalId</c>, <c>currency</c>, ...), bounded by the constants their validators use;</item>
/// <item>the schema's format: a date-time, date or uuid the API writes has a fixed length.</item>
/// </list>
/// What is still unbounded after this gets <see cref="OpenApiDocumentConventions"/>'s fallback.
/// </summary>
internal sealed class ContractLimitsSchemaFilter(IServiceProvider services) : ISchemaFilter
{
    /// <summary>Longest ISO 8601 date-time the API reads or writes: <c>2024-03-15T14:30:00.1234567+01:00</c>.</summary>
    public const int DateTimeLength = 33;

    private const string DatePattern = @"^\d{4}-\d{2}-\d{2}$";

    /// <summary>Limits by the member's JSON name (a property or a query or route parameter).</summary>
    private static readonly Dictionary<string, Action<OpenApiSchema>> ByName = new(StringComparer.Ordinal)
    {
        ["externalId"] = Text(ColumnLimits.ExternalId),
        ["customerExternalId"] = Text(ColumnLimits.ExternalId),
        ["acquisitionChannel"] = Text(ColumnLimits.Channel),
        ["channel"] = Text(ColumnLimits.Channel),
        ["name"] = Text(ColumnLimits.Name),
        ["comment"] = Text(ColumnLimits.FeedbackComment),
        ["country"] = s => Code(s, 2),
        ["currency"] = s => Code(s, 3),
        // Dates sent as text (YYYY-MM-DD), in bodies and queries alike.
        ["asOf"] = Date,
        ["from"] = Date,
        ["to"] = Date,
        ["date"] = Date,
        ["periodStart"] = Date,
        ["periodEnd"] = Date,
        ["calibrationEnd"] = Date,
        // Timestamps sent as text: IsoDateTime's pattern, at most DateTimeLength characters.
        ["occurredAt"] = DateTime,
        ["acquiredAt"] = DateTime,
        ["answeredAt"] = DateTime,
        ["startedAt"] = DateTime,
        ["endedAt"] = DateTime,
        // A gross margin, wherever the API reads or writes one, lies in (0, 1].
        ["grossMargin"] = Margin,
        // A model run's options (ModelRunLauncher's checks), in its request and in the runs the API answers.
        ["horizonMonths"] = Between(1, ModelRunLauncher.MaxHorizon),
        ["horizonPeriods"] = Between(1, ModelRunLauncher.MaxHorizon),
        ["discountRateMonthly"] = Between(0, 1),
        ["discountRate"] = Between(0, 1),
        ["penalizer"] = Between(0, ModelRunLauncher.MaxPenalizer),
        ["intervalLevel"] = Between(ModelRunLauncher.MinIntervalLevel, ModelRunLauncher.MaxIntervalLevel),
        ["intervalDraws"] = Between(0, ModelRunLauncher.MaxIntervalDraws),
        ["intervalSeed"] = Between(0, int.MaxValue),
        ["timeUnit"] = Values(ModelRunLauncher.TimeUnits),
        ["periodUnit"] = Values(ModelRunLauncher.PeriodUnits),
        ["cohortBy"] = Values(ModelRunLauncher.CohortBys),
        ["models"] = schema =>
        {
            if (schema.Type?.HasFlag(JsonSchemaType.Array) == true && schema.Items is OpenApiSchema model)
            {
                Values([.. ModelNames.PurchaseModels, ModelNames.GammaGamma, ModelNames.Sbg])(model);
            }
        },
        // Lists: a JSON batch (ItemErrors.ThrowIfTooMany answers 413 beyond), its item errors, a page.
        ["transactions"] = Items(ItemErrors.MaxBatchItems),
        ["customers"] = Items(ItemErrors.MaxBatchItems),
        ["spend"] = Items(ItemErrors.MaxBatchItems),
        ["feedback"] = Items(ItemErrors.MaxBatchItems),
        ["rates"] = Items(ItemErrors.MaxBatchItems),
        ["errors"] = Items(ItemErrors.Max),
        ["items"] = Items(CustomersController.MaxPageSize),
        // Free segment tags: CustomerItemValidator's limits, and an example a person would send.
        ["attributes"] = s =>
        {
            if (s.Type?.HasFlag(JsonSchemaType.Object) != true)
            {
                return;
            }

            s.MaxProperties ??= CustomerItemValidator.MaxAttributes;
            if (s.AdditionalProperties is OpenApiSchema value)
            {
                value.MaxLength ??= CustomerItemValidator.MaxAttributeValue;
            }

            s.Examples ??= [new System.Text.Json.Nodes.JsonObject { ["plan"] = "pro", ["region"] = "emea" }];
        },
    };

    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is not OpenApiSchema target)
        {
            return;
        }

        var member = context.MemberInfo as PropertyInfo;
        if (member is not null)
        {
            FromValidator(target, member);
        }
        else if (context.ParameterInfo is null && target.Properties is { Count: > 0 })
        {
            RequiredFromValidator(target, context.Type);
        }

        var name = member is not null ? CamelCase(member.Name) : context.ParameterInfo?.Name;
        if (name is not null && ByName.TryGetValue(name, out var limits))
        {
            limits(target);
        }

        FromFormat(target);
    }

    // What the declaring type's validator enforces on the property.
    private void FromValidator(OpenApiSchema schema, PropertyInfo member)
    {
        foreach (var check in Checks(member.DeclaringType!).Where(c => c.Member == member.Name).Select(c => c.Check))
        {
            switch (check)
            {
                case ILengthValidator length:
                    schema.MaxLength ??= length.Max > 0 ? length.Max : null;
                    schema.MinLength ??= length.Min > 0 ? length.Min : null;
                    break;
                case IBetweenValidator between:
                    schema.Minimum ??= Number(between.From);
                    schema.Maximum ??= Number(between.To);
                    break;
                case IComparisonValidator { ValueToCompare: not null } comparison:
                    Compare(schema, comparison);
                    break;
                case IRegularExpressionValidator regex:
                    schema.Pattern ??= regex.Expression;
                    break;
                case IAllowedValues allowed:
                    Values([.. allowed.Values])(schema);
                    break;
            }
        }
    }

    // The properties the type's validator requires: present, so not null either.
    private void RequiredFromValidator(OpenApiSchema schema, Type type)
    {
        var required = Checks(type).Where(c => c.Check is INotNullValidator or INotEmptyValidator or IRequiredValue).Select(c => CamelCase(c.Member));
        foreach (var name in required.Where(schema.Properties!.ContainsKey))
        {
            (schema.Required ??= new SortedSet<string>(StringComparer.Ordinal)).Add(name);
            if (schema.Properties![name] is OpenApiSchema property && property.Type is { } t)
            {
                property.Type = t & ~JsonSchemaType.Null;
            }
        }
    }

    // The checks of the type's validator (one registered as IValidator<T>) that always apply, by
    // member name: a check under a condition (the amount above 0 for a refund only) holds for some
    // items, so the schema cannot state it.
    private IEnumerable<(string Member, IPropertyValidator Check)> Checks(Type type)
    {
        if (services.GetService(typeof(IValidator<>).MakeGenericType(type)) is not IValidator validator)
        {
            return [];
        }

        return validator.CreateDescriptor().Rules
            .Where(rule => rule.Member is not null)
            .SelectMany(rule => rule.Components
                .Where(component => !component.HasCondition && !component.HasAsyncCondition)
                .Select(component => (rule.Member.Name, component.Validator)));
    }

    private static void Compare(OpenApiSchema schema, IComparisonValidator comparison)
    {
        var value = Number(comparison.ValueToCompare);
        switch (comparison.Comparison)
        {
            case Comparison.GreaterThanOrEqual:
                schema.Minimum ??= value;
                break;
            case Comparison.GreaterThan:
                schema.ExclusiveMinimum ??= value;
                break;
            case Comparison.LessThanOrEqual:
                schema.Maximum ??= value;
                break;
            case Comparison.LessThan:
                schema.ExclusiveMaximum ??= value;
                break;
        }
    }

    // A date-time, date or uuid has a fixed longest form, in requests and responses.
    private static void FromFormat(OpenApiSchema schema)
    {
        if (!IsString(schema))
        {
            return;
        }

        schema.MaxLength ??= schema.Format switch
        {
            "date-time" => DateTimeLength,
            "date" => 10,
            "uuid" => 36,
            _ => null,
        };
    }

    private static Action<OpenApiSchema> Text(int max) => schema =>
    {
        if (IsString(schema))
        {
            schema.MaxLength ??= max;
        }
    };

    private static Action<OpenApiSchema> Items(int max) => schema =>
    {
        if (schema.Type?.HasFlag(JsonSchemaType.Array) == true)
        {
            schema.MaxItems ??= max;
        }
    };

    private static void Code(OpenApiSchema schema, int length)
    {
        if (!IsString(schema))
        {
            return;
        }

        // The validators accept either case (IsoCodes compares upper case); the API writes upper case.
        schema.MinLength ??= length;
        schema.MaxLength ??= length;
        schema.Pattern ??= $"^[A-Za-z]{{{length}}}$";
    }

    private static Action<OpenApiSchema> Between(double min, double max) => schema =>
    {
        if (schema.Type?.HasFlag(JsonSchemaType.Number) == true || schema.Type?.HasFlag(JsonSchemaType.Integer) == true)
        {
            schema.Minimum ??= Number(min);
            schema.Maximum ??= Number(max);
        }
    };

    private static Action<OpenApiSchema> Values(params string[] values) => schema =>
    {
        if (IsString(schema) && schema.Enum is not { Count: > 0 })
        {
            schema.Enum = [.. values.Select(v => (System.Text.Json.Nodes.JsonNode)v)];
        }
    };

    private static void Margin(OpenApiSchema schema)
    {
        if (schema.Type?.HasFlag(JsonSchemaType.Number) == true)
        {
            schema.ExclusiveMinimum ??= "0";
            schema.Maximum ??= "1";
        }
    }

    private static void Date(OpenApiSchema schema)
    {
        if (!IsString(schema))
        {
            return;
        }

        schema.Format ??= "date";
        schema.MaxLength ??= 10;
        schema.Pattern ??= schema.Format == "date" ? DatePattern : null;
    }

    private static void DateTime(OpenApiSchema schema)
    {
        if (!IsString(schema))
        {
            return;
        }

        schema.Format ??= "date-time";
        schema.MaxLength ??= DateTimeLength;
        schema.Pattern ??= IsoDateTime.Pattern;
    }

    private static bool IsString(OpenApiSchema schema) => schema.Type?.HasFlag(JsonSchemaType.String) == true;

    private static string? Number(object? value) =>
        value is IConvertible number ? Convert.ToDecimal(number, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture) : null;

    private static string CamelCase(string name) => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(name);
}
