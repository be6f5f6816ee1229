using Clv.Api.Tests.Infrastructure;
using Clv.Data.Analytics.ReadModel;
using Npgsql;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.ReadModel;

/// <summary>
/// The channels <c>by=acquisitionChannel</c> counts against <c>Clv:Analytics:MaxGroups</c>, from
/// the group rollup's cells once it is built and from the customers while it is not: channels a
/// customer left or an erasure emptied are not counted, customers without a channel count as one
/// (<c>unattributed</c>), and channels with spend count.
/// </summary>
public sealed class ChannelCountTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    [Fact]
    public async Task Channels_with_customers_or_spend_are_counted_the_same_from_the_cells_and_from_the_customers()
    {
        var client = api.Client();
        (await client.PostCustomersAsync(
            new { externalId = "cc-a", acquisitionChannel = "a" },
            new { externalId = "cc-b", acquisitionChannel = "b" },
            new { externalId = "cc-none" },
            new { externalId = "cc-moved", acquisitionChannel = "left" },
            new { externalId = "cc-erased", acquisitionChannel = "erased" })).EnsureSuccessStatusCode();
        (await client.PostTransactionsAsync(
            Tx("cc-1", "cc-moved", "2024-02-01T10:00:00Z", amount: 10m),
            Tx("cc-2", "cc-erased", "2024-02-01T10:00:00Z", amount: 10m))).EnsureSuccessStatusCode();
        (await client.PostCustomersAsync(new { externalId = "cc-moved", acquisitionChannel = "b" })).EnsureSuccessStatusCode();
        (await client.DeleteAsync("/api/v1/customers/cc-erased")).EnsureSuccessStatusCode();
        (await client.PostSpendAsync(new { channel = "spend-only", periodStart = "2024-01-01", periodEnd = "2024-01-31", amount = 100, currency = "USD" }))
            .EnsureSuccessStatusCode();

        // a, b, unattributed and spend-only.
        Assert.Equal(4, await CountAsync());
        await api.ExecuteAsync("UPDATE rollup_state SET period_rollups_through = 0");
        try
        {
            Assert.Equal(4, await CountAsync());
        }
        finally
        {
            await api.ExecuteAsync("UPDATE rollup_state SET period_rollups_through = NULL");
        }
    }

    private async Task<int> CountAsync()
    {
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        return await PortfolioExtent.ChannelCountAsync(connection, CancellationToken.None);
    }
}
