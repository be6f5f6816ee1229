using Clv.Data.Idempotency;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Clv.Data.Infrastructure.EntityConfigurations;

internal sealed class IdempotencyRecordEntityTypeConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> builder)
    {
        builder.ToTable("idempotency_keys");
        builder.HasKey(r => new { r.ApiKeyId, r.Key });
        builder.Property(r => r.Key).HasMaxLength(ColumnLimits.IdempotencyKey);
        builder.Property(r => r.Fingerprint).HasMaxLength(32);
        builder.Property(r => r.ContentType).HasMaxLength(256);
        builder.Property(r => r.Location).HasMaxLength(2048);
        builder.HasIndex(r => r.ExpiresAt);
    }
}
