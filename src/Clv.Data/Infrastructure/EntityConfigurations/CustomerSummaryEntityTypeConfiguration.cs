using Clv.Data.Customers;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Clv.Data.Infrastructure.EntityConfigurations;

internal sealed class CustomerSummaryEntityTypeConfiguration : IEntityTypeConfiguration<CustomerSummary>
{
    public void Configure(EntityTypeBuilder<CustomerSummary> builder)
    {
        builder.ToTable("customer_summaries");
        builder.HasKey(s => s.CustomerId);
        builder.Property(s => s.CustomerId).ValueGeneratedNever();
        builder.Property(s => s.GrossRevenue).HasPrecision(ColumnLimits.SumPrecision, ColumnLimits.MoneyScale);
        builder.Property(s => s.Refunds).HasPrecision(ColumnLimits.SumPrecision, ColumnLimits.MoneyScale);
        builder.Property(s => s.NetRevenue).HasPrecision(ColumnLimits.SumPrecision, ColumnLimits.MoneyScale);
        builder.Property(s => s.KnownCost).HasPrecision(ColumnLimits.SumPrecision, ColumnLimits.MoneyScale);
        builder.Property(s => s.RepeatDaysValue).HasPrecision(ColumnLimits.SumPrecision, ColumnLimits.MoneyScale);
        // No foreign key, as for the day rollup: ingest COPYs a new customer's summary in the
        // transaction that creates the customer, and erasure deletes it explicitly; a per-row check
        // would cost the import a sixth of its time.

        // Keyset pagination by historical CLV, ties broken by customer id.
        builder.HasIndex(s => new { s.NetRevenue, s.CustomerId });
    }
}
