using Clv.Data.ModelRuns;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Clv.Data.Infrastructure.EntityConfigurations;

internal sealed class ModelRunEntityTypeConfiguration : IEntityTypeConfiguration<ModelRun>
{
    public void Configure(EntityTypeBuilder<ModelRun> builder)
    {
        builder.ToTable("model_runs");
        builder.Property(r => r.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(r => r.Stage).HasMaxLength(32);
        builder.Property(r => r.Options).HasColumnType("jsonb");
        builder.Property(r => r.Timings).HasColumnType("jsonb");
        builder.Property(r => r.Models).HasColumnType("jsonb");
        builder.Property(r => r.Holdout).HasColumnType("jsonb");
        builder.Property(r => r.Cohorts).HasColumnType("jsonb");
        builder.Property(r => r.EquityIntervals).HasColumnType("jsonb");
        builder.HasIndex(r => r.CreatedAt);

        // At most one active run: the swap flips this flag in one transaction.
        builder.HasIndex(r => r.IsActive).IsUnique().HasFilter("is_active");

        // The runner saves its run only while it still owns the lease: once another instance has
        // failed the run (ModelRunLeases), the runner's next save throws instead of overwriting it.
        builder.Property(r => r.LeaseOwner).IsConcurrencyToken();

        // Every instance looks for queued runs and expired leases every second or so; this keeps
        // that a lookup of the few unfinished runs however many finished ones pile up.
        builder.HasIndex(r => new { r.Status, r.CreatedAt }).HasFilter("status IN ('Queued', 'Running')");
    }
}

internal sealed class CustomerPredictionEntityTypeConfiguration : IEntityTypeConfiguration<CustomerPrediction>
{
    public void Configure(EntityTypeBuilder<CustomerPrediction> builder)
    {
        // Partitioned by run in the migration (EF Core cannot declare partitions): each run's rows are
        // loaded into a table of their own and attached, and a superseded run is dropped whole.
        builder.ToTable("customer_predictions");
        builder.HasKey(p => new { p.RunId, p.CustomerId });
        builder.Property(p => p.ExpectedAverageSpend).HasPrecision(ColumnLimits.MoneyPrecision, ColumnLimits.MoneyScale);
        builder.Property(p => p.PredictedClv).HasPrecision(ColumnLimits.MoneyPrecision, ColumnLimits.MoneyScale);
        builder.Property(p => p.PredictedGrossProfitClv).HasPrecision(ColumnLimits.MoneyPrecision, ColumnLimits.MoneyScale);
        builder.Property(p => p.PredictedClvLo).HasPrecision(ColumnLimits.MoneyPrecision, ColumnLimits.MoneyScale);
        builder.Property(p => p.PredictedClvHi).HasPrecision(ColumnLimits.MoneyPrecision, ColumnLimits.MoneyScale);
        builder.Property(p => p.Alternatives).HasColumnType("jsonb");
    }
}
