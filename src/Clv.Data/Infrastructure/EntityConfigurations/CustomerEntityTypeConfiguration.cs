using Clv.Data.Customers;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Clv.Data.Infrastructure.EntityConfigurations;

internal sealed class CustomerEntityTypeConfiguration : IEntityTypeConfiguration<Customer>
{
    public void Configure(EntityTypeBuilder<Customer> builder)
    {
        builder.ToTable("customers");
        // Ingest draws the ids of new customers in bulk (TransactionWriter): each backend keeps a
        // thousand at hand instead of locking and logging the sequence for every one.
        builder.Property(c => c.Id).UseIdentityAlwaysColumn().HasIdentityOptions(numbersToCache: 1000);
        builder.Property(c => c.ExternalId).IsExternalId();
        // Unique through customer_keys, which every lookup by external id reads: a unique index
        // here would not hold on Citus, where customers are distributed by id.
        builder.Property(c => c.AcquisitionChannel).HasMaxLength(ColumnLimits.Channel);
        builder.Property(c => c.Country).HasMaxLength(2).IsFixedLength();
        builder.Property(c => c.Attributes).HasColumnType("jsonb");
    }
}
