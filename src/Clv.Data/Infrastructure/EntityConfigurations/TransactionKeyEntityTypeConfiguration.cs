using Clv.Data.Transactions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Clv.Data.Infrastructure.EntityConfigurations;

internal sealed class TransactionKeyEntityTypeConfiguration : IEntityTypeConfiguration<TransactionKey>
{
    public void Configure(EntityTypeBuilder<TransactionKey> builder)
    {
        builder.ToTable("transaction_keys");
        builder.HasKey(k => k.ExternalId);
        builder.Property(k => k.ExternalId).IsExternalId();
        // No foreign key, as for customer_keys: the key and its row are written together.
    }
}
