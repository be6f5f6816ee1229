using Clv.Data.ApiKeys;
using Clv.Data.Customers;
using Clv.Data.Ingestion;
using Clv.Data.ModelRuns;
using Clv.Data.Spend;
using Clv.Data.Transactions;
using Microsoft.EntityFrameworkCore;

namespace Clv.Data;

/// <summary>The Clv database. Hot paths (bulk ingest, aggregations) use its connection directly.</summary>
public sealed class ClvDbContext(DbContextOptions<ClvDbContext> options) : DbContext(options)
{
    public DbSet<Customer> Customers => Set<Customer>();

    public DbSet<CustomerDay> CustomerDays => Set<CustomerDay>();

    public DbSet<CustomerSummary> CustomerSummaries => Set<CustomerSummary>();

    public DbSet<Transaction> Transactions => Set<Transaction>();

    public DbSet<AcquisitionSpend> AcquisitionSpend => Set<AcquisitionSpend>();

    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    public DbSet<ModelRun> ModelRuns => Set<ModelRun>();

    public DbSet<RollupState> RollupState => Set<RollupState>();

    public DbSet<CustomerPrediction> CustomerPredictions => Set<CustomerPrediction>();

    /// <summary>Applies Clv's provider conventions; shared by the app and design-time tools.</summary>
    public static void Configure(DbContextOptionsBuilder builder, string connectionString, int commandTimeoutSeconds = 120) =>
        builder.UseNpgsql(connectionString, npgsql => npgsql.CommandTimeout(commandTimeoutSeconds)).UseSnakeCaseNamingConvention();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(ClvDbContext).Assembly);
}
