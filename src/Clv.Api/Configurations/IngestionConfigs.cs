using System.Text.Json;
using Clv.Api.Currency;
using Clv.Api.Customers;
using Clv.Api.Feedback;
using Clv.Api.Ingestion;
using Clv.Api.Requests;
using Clv.Api.Spend;
using Clv.Api.Subscriptions;
using Clv.Api.Transactions;
using Clv.Data.Currency;
using Clv.Data.Infrastructure;
using Clv.Data.Ingestion;
using Clv.Data.Rollups;
using FluentValidation;

namespace Clv.Api.Configurations;

internal static class IngestionConfigs
{
    public static IServiceCollection AddClvIngestion(this IServiceCollection services)
    {
        services.AddOptions<ClvOptions>().BindConfiguration(ClvOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => TimeZoneInfo.TryFindSystemTimeZoneById(o.ReportingTimeZone, out _), "Clv:ReportingTimeZone is not a known IANA time zone.")
            .Validate(o => IsoCodes.Currencies.Contains(o.ReportingCurrency), "Clv:ReportingCurrency is not an ISO 4217 code.")
            .ValidateOnStart();

        // Errors name fields as the JSON does, and stop at the first failure of each field.
        ValidatorOptions.Global.PropertyNameResolver = (_, member, _) => member is null ? null : JsonNamingPolicy.CamelCase.ConvertName(member.Name);
        ValidatorOptions.Global.DisplayNameResolver = (_, member, _) => member is null ? null : JsonNamingPolicy.CamelCase.ConvertName(member.Name);
        ValidatorOptions.Global.DefaultRuleLevelCascadeMode = CascadeMode.Stop;

        services.AddSingleton<IValidator<TransactionItem>, TransactionItemValidator>();
        services.AddSingleton<IValidator<CustomerItem>, CustomerItemValidator>();
        services.AddSingleton<IValidator<SpendItem>, SpendItemValidator>();
        services.AddSingleton<IValidator<FeedbackItem>, FeedbackItemValidator>();
        services.AddSingleton<IValidator<SubscriptionItem>, SubscriptionItemValidator>();
        services.AddSingleton<IValidator<FxRateItem>, FxRateItemValidator>();
        services.AddScoped<TransactionWriter>();
        services.AddScoped<PlannerStatistics>();
        services.AddScoped<CustomerWriter>();
        services.AddScoped<SpendWriter>();
        services.AddScoped<FeedbackWriter>();
        services.AddScoped<SubscriptionWriter>();
        services.AddScoped<RollupRebuilder>();
        services.AddScoped<FxRateStore>();
        services.AddScoped<CurrencyConverter>();
        services.AddScoped<TransactionIngestion>();
        services.AddScoped<CustomerIngestion>();
        services.AddScoped<SpendIngestion>();
        services.AddScoped<FeedbackIngestion>();
        services.AddScoped<SubscriptionIngestion>();
        services.AddScoped<FxRateIngestion>();
        return services;
    }
}
