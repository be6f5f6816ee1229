using Clv.Data.Currency;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Clv.Data.Infrastructure.EntityConfigurations;

internal sealed class FxRateEntityTypeConfiguration : IEntityTypeConfiguration<StoredFxRate>
{
    public void Configure(EntityTypeBuilder<StoredFxRate> builder)
    {
        builder.ToTable("fx_rates", t => t.HasCheckConstraint("ck_fx_rates_positive", "rate_to_reporting > 0"));
        builder.HasKey(r => new { r.Currency, r.Date });
        builder.Property(r => r.Currency).HasMaxLength(3).IsFixedLength();
        builder.Property(r => r.RateToReporting).HasPrecision(ColumnLimits.RatePrecision, ColumnLimits.RateScale);
    }
}
