using Clv.Data.Rollups;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Clv.Data.Infrastructure.EntityConfigurations;

internal sealed class RollupStateEntityTypeConfiguration : IEntityTypeConfiguration<RollupState>
{
    public void Configure(EntityTypeBuilder<RollupState> builder)
    {
        builder.ToTable("rollup_state", t => t.HasCheckConstraint("ck_rollup_state_single_row", "id = 1"));
        builder.Property(r => r.Id).ValueGeneratedNever();
        builder.Property(r => r.TimeZone).HasMaxLength(64);
        builder.Property(r => r.RebuildingTo).HasMaxLength(64);
    }
}
