using System.Globalization;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Clv.Api.Errors;

/// <summary>
/// Binds <see cref="DateOnly"/> query and route values as ISO 8601 calendar dates only
/// (<c>YYYY-MM-DD</c>), and says so when a value is not one: culture-dependent forms such as
/// <c>01/02/2024</c> are refused rather than read as one of two days.
/// </summary>
internal sealed class IsoDateModelBinder : IModelBinder
{
    public Task BindModelAsync(ModelBindingContext bindingContext)
    {
        ArgumentNullException.ThrowIfNull(bindingContext);
        var value = bindingContext.ValueProvider.GetValue(bindingContext.ModelName);
        if (value == ValueProviderResult.None)
        {
            return Task.CompletedTask;
        }

        bindingContext.ModelState.SetModelValue(bindingContext.ModelName, value);
        var text = value.FirstValue;
        if (string.IsNullOrEmpty(text) && bindingContext.ModelMetadata.IsReferenceOrNullableType)
        {
            bindingContext.Result = ModelBindingResult.Success(null);
        }
        else if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            bindingContext.Result = ModelBindingResult.Success(day);
        }
        else
        {
            bindingContext.ModelState.TryAddModelError(bindingContext.ModelName, $"'{text}' is not a date as YYYY-MM-DD (e.g. 2024-01-31).");
        }

        return Task.CompletedTask;
    }

    /// <summary>Chooses the binder for <see cref="DateOnly"/> and <see cref="Nullable{DateOnly}"/>.</summary>
    internal sealed class Provider : IModelBinderProvider
    {
        public IModelBinder? GetBinder(ModelBinderProviderContext context) =>
            context?.Metadata.UnderlyingOrModelType == typeof(DateOnly) ? new IsoDateModelBinder() : null;
    }
}
