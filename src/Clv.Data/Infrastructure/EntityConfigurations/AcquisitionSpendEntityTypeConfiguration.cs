using Clv.Data.Spend;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Clv.Data.Infrastructure.EntityConfigurations;

internal sealed class AcquisitionSpendEntityTypeConfiguration : IEntityTypeConfiguration<AcquisitionSpend>
{
    public void Configure(EntityTypeBuilder<AcquisitionSpend> builder)
    {
        builder.ToTable("acquisition_spend", t =>
        {
            t.HasCheckConstraint("ck_acquisition_spend_period", "period_end >= period_start");
            t.HasCheckConstraint("ck_acquisition_spend_amount", "amount >= 0");
        });
        builder.Property(s => s.Id).UseIdentityAlwaysColumn();
        builder.Property(s => s.Channel).HasMaxLength(ColumnLimits.Channel);
        builder.Property(s => s.Amount).HasPrecision(ColumnLimits.MoneyPrecision, ColumnLimits.MoneyScale);
        builder.Property(s => s.Currency).HasMaxLength(3).IsFixedLength();
        builder.Property(s => s.OriginalAmount).HasPrecision(ColumnLimits.MoneyPrecision, ColumnLimits.MoneyScale);
        builder.Property(s => s.OriginalCurrency).HasMaxLength(3).IsFixedLength();
        builder.Property(s => s.FxRate).HasPrecision(ColumnLimits.RatePrecision, ColumnLimits.RateScale);
        builder.HasIndex(s => new { s.Channel, s.PeriodStart, s.PeriodEnd }).IsUnique();
    }
}
