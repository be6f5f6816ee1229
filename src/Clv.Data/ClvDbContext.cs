using System.Text.RegularExpressions;
using Clv.Data.ApiKeys;
using Clv.Data.Currency;
using Clv.Data.Idempotency;
using Clv.Data.Customers;
using Clv.Data.Feedback;
using Clv.Data.Rollups;
using Clv.Data.ModelRuns;
using Clv.Data.Spend;
using Clv.Data.Subscriptions;
using Clv.Data.Transactions;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Clv.Data;

/// <summary>The Clv database. Hot paths (bulk ingest, aggregations) use its connection directly.</summary>
public sealed partial class ClvDbContext(DbContextOptions<ClvDbContext> options) : DbContext(options)
{
    public DbSet<Customer> Customers => Set<Customer>();

    public DbSet<CustomerDay> CustomerDays => Set<CustomerDay>();

    public DbSet<CustomerSummary> CustomerSummaries => Set<CustomerSummary>();

    public DbSet<Transaction> Transactions => Set<Transaction>();

    /// <summary>External customer id → customer id: keeps external ids unique.</summary>
    public DbSet<CustomerKey> CustomerKeys => Set<CustomerKey>();

    /// <summary>External transaction id → customer id: keeps transaction ids unique across customers.</summary>
    public DbSet<TransactionKey> TransactionKeys => Set<TransactionKey>();

    /// <summary>NPS and CSAT answers, keyed by customer.</summary>
    public DbSet<FeedbackAnswer> Feedback => Set<FeedbackAnswer>();

    /// <summary>External answer id → customer id: keeps answer ids unique across customers.</summary>
    public DbSet<FeedbackKey> FeedbackKeys => Set<FeedbackKey>();

    /// <summary>Subscriptions (contractual customers), keyed by customer.</summary>
    public DbSet<Subscription> Subscriptions => Set<Subscription>();

    /// <summary>External subscription id → customer id: keeps subscription ids unique across customers.</summary>
    public DbSet<SubscriptionKey> SubscriptionKeys => Set<SubscriptionKey>();

    public DbSet<AcquisitionSpend> AcquisitionSpend => Set<AcquisitionSpend>();

    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    public DbSet<ModelRun> ModelRuns => Set<ModelRun>();

    public DbSet<RollupState> RollupState => Set<RollupState>();

    /// <summary>The data version analytics readers compare against.</summary>
    public DbSet<Analytics.DataVersion> DataVersion => Set<Analytics.DataVersion>();

    public DbSet<StoredFxRate> FxRates => Set<StoredFxRate>();

    public DbSet<CustomerPrediction> CustomerPredictions => Set<CustomerPrediction>();

    public DbSet<IdempotencyRecord> IdempotencyKeys => Set<IdempotencyRecord>();

    /// <summary>Applies Clv's provider conventions; shared by the app and design-time tools.</summary>
    /// <remarks>
    /// Statements are prepared automatically once they repeat (unless the connection string says
    /// otherwise): planning a read costs more than running it, and it halves read throughput. Every
    /// command, EF's or raw, times out after <paramref name="commandTimeoutSeconds"/>. A
    /// <paramref name="maxPoolSize"/> above 0 replaces the connection string's Maximum Pool Size.
    /// Every connection runs without JIT compilation (<see cref="WithoutJit"/>).
    /// </remarks>
    public static void Configure(DbContextOptionsBuilder builder, string connectionString, int commandTimeoutSeconds = 120, int maxPoolSize = 0)
    {
        var connection = new NpgsqlConnectionStringBuilder(connectionString);
        if (maxPoolSize > 0)
        {
            connection.MaxPoolSize = maxPoolSize;
        }

        if (connection.MaxAutoPrepare == 0)
        {
            connection.MaxAutoPrepare = 64;
        }

        // A pooled connection is not reset when it goes back to the pool (Npgsql otherwise sends
        // RESET ALL, CLOSE ALL, UNLISTEN and friends before its next command; that cost a customer
        // read a fifth of its time). Clv leaves no session state behind: settings are SET LOCAL,
        // advisory locks transaction-scoped, temp tables ON COMMIT DROP, and an open transaction
        // is still rolled back on close.
        connection.NoResetOnClose = true;

        // Raw Npgsql commands on these connections (bulk ingest, analytics, model runs) take the
        // connection string's timeout: the same setting as EF's own commands.
        connection.CommandTimeout = commandTimeoutSeconds;
        connection.Options = WithoutJit(connection.Options);

        builder.UseNpgsql(connection.ConnectionString, npgsql => npgsql.CommandTimeout(commandTimeoutSeconds)).UseSnakeCaseNamingConvention();
    }

    /// <summary>
    /// The connection's startup options with PostgreSQL's JIT compilation turned off, unless they
    /// set <c>jit</c> themselves. Clv's statements over a batch or over every customer are
    /// estimated far above <c>jit_above_cost</c>, and compiling one took longer than running it:
    /// moving 10,000 customers of CDNOW's history to their channels in the group rollup took
    /// 3.0 s, 2.1 s of it compiling (docs/benchmarks.md).
    /// </summary>
    public static string WithoutJit(string? options) =>
        options is not null && JitOption().IsMatch(options) ? options : $"{options} -c jit=off".TrimStart();

    [GeneratedRegex(@"(-c\s*|--)jit\s*=")]
    private static partial Regex JitOption();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(ClvDbContext).Assembly);
}
