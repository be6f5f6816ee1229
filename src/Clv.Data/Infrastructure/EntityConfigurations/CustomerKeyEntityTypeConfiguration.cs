using Clv.Data.Customers;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Clv.Data.Infrastructure.EntityConfigurations;

internal sealed class CustomerKeyEntityTypeConfiguration : IEntityTypeConfiguration<CustomerKey>
{
    public void Configure(EntityTypeBuilder<CustomerKey> builder)
    {
        builder.ToTable("customer_keys");
        builder.HasKey(k => k.ExternalId);
        builder.Property(k => k.ExternalId).IsExternalId();
        // No foreign key: writers create the key and the customer in one transaction, and erasure
        // deletes both (a key distributed by external id could not reference customers on Citus).
    }
}
