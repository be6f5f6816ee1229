using Clv.Api.Ingestion;
using Clv.Api.Requests;
using Clv.Data.Analytics.ReadModel;
using Clv.Data.Infrastructure;
using FluentValidation;

namespace Clv.Api.Customers;

/// <summary>Rules for a customer profile.</summary>
public sealed class CustomerItemValidator : AbstractValidator<CustomerItem>
{
    /// <summary>The attribute limits keep segment keys small enough to group on.</summary>
    public const int MaxAttributes = 50, MaxAttributeKey = 64, MaxAttributeValue = 256;

    /// <summary>Builds the rules.</summary>
    public CustomerItemValidator(TimeProvider time)
    {
        RuleFor(c => c.ExternalId).ExternalId();
        RuleFor(c => c.AcquiredAt).Timestamp(time, required: false);
        RuleFor(c => c.AcquisitionChannel).MaxCharacters(ColumnLimits.Channel).Must(c => c is null || c.Trim().Length > 0)
            .WithMessage("'acquisitionChannel' must not be blank.").StorableText().ChannelName();
        RuleFor(c => c.Country).Must(c => c is null || IsoCodes.Countries.Contains(c.ToUpperInvariant()))
            .WithMessage(c => $"'{c.Country}' is not an ISO 3166-1 alpha-2 country code.");
        RuleFor(c => c.Attributes)
            .Must(a => a is null || a.Count <= MaxAttributes).WithMessage($"At most {MaxAttributes} attributes.")
            .Must(a => a is null || a.All(kv => kv.Key.Length > 0 && IngestionRules.Characters(kv.Key) <= MaxAttributeKey
                && kv.Value is { } value && IngestionRules.Characters(value) <= MaxAttributeValue))
            .WithMessage($"Attribute keys must be 1 to {MaxAttributeKey} characters and values strings of at most {MaxAttributeValue}.")
            .Must(a => a is null || a.All(kv => IngestionRules.IsStorable(kv.Key) && IngestionRules.IsStorable(kv.Value)))
            .WithMessage(IngestionRules.NulMessage)
            .Must(a => a is null || !a.Any(IsUnknown))
            .WithMessage((_, a) => UnknownMessage(a!));
    }

    // A value named as the group of customers without the attribute (by=attribute:{key}).
    private static bool IsUnknown(KeyValuePair<string, string> attribute) => IngestionRules.IsReservedName(attribute.Value, AnalyticsScope.Unknown);

    private static string UnknownMessage(Dictionary<string, string> attributes)
    {
        var (key, value) = attributes.First(IsUnknown);
        return IngestionRules.ReservedNameMessage(value, $"the attribute '{key}'");
    }
}
