using Clv.Data.Customers;
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
        builder.Property(t => t.Id).UseIdentityAlwaysColumn();
        builder.Property(t => t.ExternalId).HasMaxLength(ColumnLimits.ExternalId);
        builder.HasIndex(t => t.ExternalId).IsUnique();
        builder.Property(t => t.Type).HasConversion<short>();
        builder.Property(t => t.Amount).HasPrecision(ColumnLimits.MoneyPrecision, ColumnLimits.MoneyScale);
        builder.Property(t => t.Cost).HasPrecision(ColumnLimits.MoneyPrecision, ColumnLimits.MoneyScale);
        builder.Property(t => t.Currency).HasMaxLength(3).IsFixedLength();
        builder.HasOne<Customer>().WithMany().HasForeignKey(t => t.CustomerId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(t => new { t.CustomerId, t.OccurredAt });
    }
}
