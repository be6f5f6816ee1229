using Clv.Data.Feedback;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Clv.Data.Infrastructure.EntityConfigurations;

internal sealed class FeedbackEntityTypeConfiguration : IEntityTypeConfiguration<FeedbackAnswer>
{
    public void Configure(EntityTypeBuilder<FeedbackAnswer> builder)
    {
        builder.ToTable("feedback", t =>
        {
            t.HasCheckConstraint("ck_feedback_kind", "kind IN (1, 2)");
            t.HasCheckConstraint("ck_feedback_score", "(kind = 1 AND score BETWEEN 0 AND 10) OR (kind = 2 AND score BETWEEN 1 AND 5)");
        });
        // Keyed by customer first, as transactions are (Citus distributes by the customer id); the
        // answer ids are unique across customers through feedback_keys.
        builder.HasKey(f => new { f.CustomerId, f.ExternalId });
        builder.Property(f => f.ExternalId).IsExternalId();
        builder.Property(f => f.Kind).HasConversion<short>();
        builder.Property(f => f.Comment).HasMaxLength(ColumnLimits.FeedbackComment);
        // A customer's latest answer of a kind as of a day: the NPS class, the customer detail.
        builder.HasIndex(f => new { f.CustomerId, f.Kind, f.AnsweredAt });
        // No foreign key to customers, as for transactions: the writer resolves the customer in the
        // same database transaction, and erasure deletes the rows explicitly.
    }
}

internal sealed class FeedbackKeyEntityTypeConfiguration : IEntityTypeConfiguration<FeedbackKey>
{
    public void Configure(EntityTypeBuilder<FeedbackKey> builder)
    {
        builder.ToTable("feedback_keys");
        builder.HasKey(k => k.ExternalId);
        builder.Property(k => k.ExternalId).IsExternalId();
        // No foreign key, as for transaction_keys: the key and its row are written together.
    }
}
