using Clv.Data.Customers;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Clv.Data.Infrastructure.EntityConfigurations;

internal sealed class CustomerDayEntityTypeConfiguration : IEntityTypeConfiguration<CustomerDay>
{
    public void Configure(EntityTypeBuilder<CustomerDay> builder)
    {
        builder.ToTable("customer_days");
        builder.HasKey(d => new { d.CustomerId, d.Day });
        builder.Property(d => d.GrossRevenue).HasPrecision(ColumnLimits.SumPrecision, ColumnLimits.MoneyScale);
        builder.Property(d => d.Refunds).HasPrecision(ColumnLimits.SumPrecision, ColumnLimits.MoneyScale);
        builder.Property(d => d.Cost).HasPrecision(ColumnLimits.SumPrecision, ColumnLimits.MoneyScale);
        // No foreign key, for the same reason as transactions: the rollup is written from inserted
        // transactions only, in their database transaction.
    }
}
