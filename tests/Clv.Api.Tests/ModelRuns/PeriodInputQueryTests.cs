using System.Globalization;
using System.Text;
using Clv.Analytics.Models;
using Clv.Api.Tests.Infrastructure;
using Clv.Data;
using Clv.Data.ModelRuns;
using Microsoft.Extensions.DependencyInjection;

namespace Clv.Api.Tests.ModelRuns;

/// <summary>
/// The histories a BG/BB run reads, in whole calendar periods, on purchases placed by hand around period boundaries
/// (2024-01-01 is a Monday). Each expected value is worked out in the comment beside it.
/// </summary>
public sealed class PeriodInputQueryTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>, IAsyncLifetime
{
    private readonly HttpClient _client = api.Client(); // starts the API, which migrates the database

    public async Task InitializeAsync()
    {
        if (await api.ScalarAsync<long>("SELECT count(*) FROM transactions") > 0)
        {
            return;
        }

        var csv = new StringBuilder("external_id,customer_external_id,occurred_at,type,amount,currency\r\n");
        foreach (var (customer, day, type, amount) in new[]
        {
            ("p1", "2024-01-01", "purchase", 10m), // Monday: the first week, month and day
            ("p1", "2024-01-07", "purchase", 20m), // Sunday: still the first week
            ("p1", "2024-01-08", "purchase", 30m),
            ("p1", "2024-01-09", "refund", 5m),   // a refund day is no transaction and no part of a period's value
            ("p1", "2024-01-24", "purchase", 40m),
            ("p1", "2024-01-31", "purchase", 50m), // in the week of 29 January, not whole on the 31st
            ("p2", "2024-01-31", "purchase", 70m), // first bought in a period that is not whole yet
        })
        {
            csv.Append(CultureInfo.InvariantCulture, $"{customer}-{day}-{type},{customer},{day}T12:00:00Z,{type},{amount},USD\r\n");
        }

        (await _client.PostCsvAsync(csv.ToString())).EnsureSuccessStatusCode();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    // Weeks to Wednesday 31 January: the last whole week is 22–28 January. After the first week come the weeks of
    // 8 (30), 15 (none) and 22 January (40): n = 3, x = 2, t_x = 3, mean value (30 + 40) / 2.
    [InlineData("weeks", "2024-01-31", "p1", 2, 3, 3, 35.0)]
    // Days to 31 January inclusive: purchase days 7, 8, 24 and 31 January after the first: t_x = n = 30.
    [InlineData("days", "2024-01-31", "p1", 4, 30, 30, 35.0)]
    // Months to 31 January: January is whole but is the first month, so nothing follows it yet.
    [InlineData("months", "2024-01-31", "p1", 0, 0, 0, 0.0)]
    // Months to 1 March: February is whole and had no purchase.
    [InlineData("months", "2024-03-01", "p1", 0, 0, 1, 0.0)]
    // Years to 31 December 2024: 2024 is the first year.
    [InlineData("years", "2024-12-31", "p1", 0, 0, 0, 0.0)]
    // A first week not yet whole has no opportunity: n = 0.
    [InlineData("weeks", "2024-01-31", "p2", 0, 0, 0, 0.0)]
    public async Task Histories_count_whole_periods_after_the_first(string unit, string end, string customer, int x, int tx, int n, double monetary)
    {
        var id = await api.ScalarAsync<long>($"SELECT id FROM customers WHERE external_id = '{customer}'");
        using var scope = api.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ClvDbContext>();

        var input = db.PeriodInputs(DateOnly.Parse(end, CultureInfo.InvariantCulture), Clv.Api.ModelRuns.ModelRunOptions.ParseTimeUnit(unit)).Single(i => i.CustomerId == id);

        Assert.Equal((x, tx, n), (input.Transactions, input.LastTransaction, input.Opportunities));
        Assert.Equal(monetary, input.MonetaryValue, 9);
        Assert.True(double.IsNaN(input.Margin));
    }

    [Fact]
    public async Task Holdout_purchases_count_each_period_once()
    {
        using var scope = api.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ClvDbContext>();
        var p1 = await api.ScalarAsync<long>("SELECT id FROM customers WHERE external_id = 'p1'");

        // After 7 January through 28 January: purchases on the 8th and the 24th, in two weeks and on two days.
        var weeks = await db.PurchasesBetweenAsync(new DateOnly(2024, 1, 7), new DateOnly(2024, 1, 28), TimeUnit.Weeks, CancellationToken.None);
        var months = await db.PurchasesBetweenAsync(new DateOnly(2023, 12, 31), new DateOnly(2024, 1, 31), TimeUnit.Months, CancellationToken.None);
        var days = await db.PurchasesBetweenAsync(new DateOnly(2023, 12, 31), new DateOnly(2024, 1, 31), periods: null, CancellationToken.None);

        Assert.Equal(2, weeks[p1]);
        Assert.Equal(1, months[p1]);
        Assert.Equal(5, days[p1]);
    }
}
