using System.Net.Http.Json;
using Clv.Api.Tests.Infrastructure;
using Clv.Data;
using Clv.Data.Ingestion;
using Clv.Data.Transactions;
using Microsoft.Extensions.DependencyInjection;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Ingestion;

/// <summary>
/// An atomic import is one database transaction for the whole upload; it must not hold a row that
/// every other writer needs (the data version) while it runs: writers of other customers go on.
/// </summary>
public sealed class AtomicImportLockTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    [Fact]
    public async Task Writers_of_other_customers_do_not_wait_for_an_atomic_import_in_progress()
    {
        // The atomic path as the CSV import takes it: the caller's transaction, a chunk written
        // into it, the transaction still open while the rest of the upload is read.
        using var client = api.Client(); // starts the service
        await using var scope = api.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ClvDbContext>();
        var writer = scope.ServiceProvider.GetRequiredService<TransactionWriter>();
        await using var import = await db.Database.BeginTransactionAsync();
        var chunk = Enumerable.Range(0, 100)
            .Select(i => new TransactionRow($"al-{i}", $"al-cust-{i % 10}", new DateTimeOffset(2024, 3, 1, 10, 0, 0, TimeSpan.Zero), TransactionType.Purchase, 1m, "USD", null))
            .ToList();
        await writer.WriteAsync(chunk, TimeZoneInfo.Utc, DateTimeOffset.UtcNow, CancellationToken.None);

        // A transaction and a profile of other customers, each answered while the import is open.
        using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        (await client.PostAsJsonAsync("/api/v1/transactions", new { transactions = new[] { Tx("al-other", "al-other-cust") } }, quick.Token)).EnsureSuccessStatusCode();
        (await client.PostAsJsonAsync("/api/v1/customers", new { customers = new[] { new { externalId = "al-profile", country = "US" } } }, quick.Token)).EnsureSuccessStatusCode();

        await writer.MarkChangedAsync(DateTimeOffset.UtcNow, CancellationToken.None);
        await import.CommitAsync();
        Assert.Equal(101L, await api.ScalarAsync<long>("SELECT count(*) FROM transactions WHERE external_id LIKE 'al-%'"));
    }
}
