using Clv.Data.Transactions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Clv.Data.Infrastructure.EntityConfigurations;

internal sealed class TransactionEntityTypeConfiguration : IEntityTypeConfiguration<Transaction>
{
    public void Configure(EntityTypeBuilder<Transaction> builder)
    {
        builder.ToTable("transactions", t =>
        {
            t.HasCheckConstraint("ck_transactions_amount", "(type = 1 AND amount >= 0) OR (type = 2 AND amount > 0)");
            t.HasCheckConstraint("ck_transactions_type", "type IN (1, 2)");
        });
        // Keyed by customer first, as every table keyed by customer is (Citus distributes them by
        // the customer id, and its keys must include it); the key also serves a customer's reads
        // and erasure. External ids are unique across customers through transaction_keys.
        builder.HasKey(t => new { t.CustomerId, t.ExternalId });
        builder.Property(t => t.ExternalId).IsExternalId();
        builder.Property(t => t.Type).HasConversion<short>();
        builder.Property(t => t.Amount).HasPrecision(ColumnLimits.MoneyPrecision, ColumnLimits.MoneyScale);
        builder.Property(t => t.Cost).HasPrecision(ColumnLimits.MoneyPrecision, ColumnLimits.MoneyScale);
        builder.Property(t => t.Currency).HasMaxLength(3).IsFixedLength();
        builder.Property(t => t.OriginalAmount).HasPrecision(ColumnLimits.MoneyPrecision, ColumnLimits.MoneyScale);
        builder.Property(t => t.OriginalCost).HasPrecision(ColumnLimits.MoneyPrecision, ColumnLimits.MoneyScale);
        builder.Property(t => t.OriginalCurrency).HasMaxLength(3).IsFixedLength();
        builder.Property(t => t.FxRate).HasPrecision(ColumnLimits.RatePrecision, ColumnLimits.RateScale);
        // No foreign key to customers: its per-row check would cost a third of the ingest time.
        // Every writer resolves customer ids from customers in the same database transaction, and
        // erasing a customer deletes their rows explicitly.
    }
}
