using Clv.Data.Analytics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Clv.Data.Infrastructure.EntityConfigurations;

internal sealed class DataVersionEntityTypeConfiguration : IEntityTypeConfiguration<DataVersion>
{
    public void Configure(EntityTypeBuilder<DataVersion> builder)
    {
        builder.ToTable("data_version", t => t.HasCheckConstraint("ck_data_version_single_row", "id = 1"));
        builder.Property(v => v.Id).ValueGeneratedNever();
        builder.HasData(new DataVersion { Id = 1, Version = 0, ChangedAt = DateTimeOffset.UnixEpoch });
    }
}
