using Clv.Api.Tests.Infrastructure;
using Clv.Data.Analytics.ReadModel;
using Npgsql;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.ReadModel;

/// <summary>
/// The rows of an analytics answer read from the summaries alone (<see cref="AnalyticsScope.With"/>
/// without the profiles) are the rows read with them: the same customers, as of a day those
/// acquired by then (or without an acquisition date), and each with their acquisition day, looked
/// up where a query reads it.
/// </summary>
/// <remarks>
/// sr-early is acquired on 2024-01-05 and buys on 2024-01-10; sr-late is acquired on 2024-03-01 and
/// buys nothing; sr-none has no acquisition date and buys nothing. As of 2024-02-01: sr-early and
/// sr-none. Now: all three.
/// </remarks>
public sealed class SummaryRowsTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private static readonly DateOnly Day = new(2024, 2, 1);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_rows_and_their_acquisition_days_are_the_same_with_and_without_the_profiles(bool profiles)
    {
        var client = api.Client();
        (await client.PostCustomersAsync(
            new { externalId = "sr-early", acquiredAt = "2024-01-05T09:00:00Z" },
            new { externalId = "sr-late", acquiredAt = "2024-03-01T09:00:00Z" },
            new { externalId = "sr-none" })).EnsureSuccessStatusCode();
        (await client.PostTransactionsAsync(Tx("sr-1", "sr-early", "2024-01-10T10:00:00Z", amount: 25m))).EnsureSuccessStatusCode();

        Assert.Equal(
            ["sr-early 2024-01-05 25.0000", "sr-none - 0.0000"],
            await RowsAsync(new AnalyticsScope(Day, Day, "UTC", null), profiles));
        Assert.Equal(
            ["sr-early 2024-01-05 25.0000", "sr-late 2024-03-01 0.0000", "sr-none - 0.0000"],
            await RowsAsync(new AnalyticsScope(null, Day, "UTC", null), profiles));
    }

    // Each sr- customer of grouped as "external id, acquisition day (- for none), net revenue".
    private async Task<List<string>> RowsAsync(AnalyticsScope scope, bool profiles)
    {
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand { Connection = connection };
        command.CommandText = scope.With(GroupSpec.All, command, profiles: profiles) + """
            SELECT k.external_id || ' ' || coalesce(g.acquired_day::text, '-') || ' ' || g.net_revenue
            FROM grouped g
            JOIN customers k ON k.id = g.customer_id
            WHERE k.external_id LIKE 'sr-%'
            ORDER BY k.external_id
            """;
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }
}
