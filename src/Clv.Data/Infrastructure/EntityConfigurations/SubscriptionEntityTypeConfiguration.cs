using Clv.Data.Subscriptions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Clv.Data.Infrastructure.EntityConfigurations;

internal sealed class SubscriptionEntityTypeConfiguration : IEntityTypeConfiguration<Subscription>
{
    public void Configure(EntityTypeBuilder<Subscription> builder)
    {
        builder.ToTable("subscriptions", t =>
        {
            t.HasCheckConstraint("ck_subscriptions_billing_period", "billing_period IN (1, 2)");
            t.HasCheckConstraint("ck_subscriptions_amount", "amount >= 0");
            t.HasCheckConstraint("ck_subscriptions_ended_at", "ended_at IS NULL OR ended_at >= started_at");
        });
        // Keyed by customer first, as transactions are (Citus distributes by the customer id); the
        // subscription ids are unique across customers through subscription_keys.
        builder.HasKey(s => new { s.CustomerId, s.ExternalId });
        builder.Property(s => s.ExternalId).IsExternalId();
        builder.Property(s => s.Plan).HasMaxLength(ColumnLimits.Channel);
        builder.Property(s => s.BillingPeriod).HasConversion<short>();
        builder.Property(s => s.Amount).HasPrecision(ColumnLimits.MoneyPrecision, ColumnLimits.MoneyScale);
        builder.Property(s => s.Currency).HasMaxLength(3).IsFixedLength();
        builder.Property(s => s.OriginalAmount).HasPrecision(ColumnLimits.MoneyPrecision, ColumnLimits.MoneyScale);
        builder.Property(s => s.OriginalCurrency).HasMaxLength(3).IsFixedLength();
        builder.Property(s => s.FxRate).HasPrecision(ColumnLimits.RatePrecision, ColumnLimits.RateScale);
        // No foreign key to customers, as for transactions: the writer resolves the customer in the
        // same database transaction, and erasure deletes the rows explicitly. The table is small
        // (one row per subscription, not per payment): the metrics scan it whole.
    }
}

internal sealed class SubscriptionKeyEntityTypeConfiguration : IEntityTypeConfiguration<SubscriptionKey>
{
    public void Configure(EntityTypeBuilder<SubscriptionKey> builder)
    {
        builder.ToTable("subscription_keys");
        builder.HasKey(k => k.ExternalId);
        builder.Property(k => k.ExternalId).IsExternalId();
        // No foreign key, as for transaction_keys: the key and its row are written together.
    }
}
