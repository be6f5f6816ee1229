using System.Buffers.Text;
using System.Net;
using System.Text;
using System.Text.Json;
using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Customers;

/// <summary>
/// A customer-list cursor continues the list it was returned for and no other (hostile-user pass,
/// 2026-12-06): sent with another sort it restarted from the top or gave an empty page, sent with
/// another filter it gave wrong pages, and positions spelt with whitespace or a thousands separator
/// were read as if the API had written them.
/// </summary>
public sealed class CustomerCursorTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private const string Channel = "cursor-test";
    private const string NotReturnedHere = "Not a cursor this endpoint returned.";
    private const string ReturnedForAnotherList = "This cursor was returned for another sort or filter; start again without it.";

    private static readonly string[] Sorts = ["historicalClv", "netRevenue", "lastPurchaseAt", "predictedClv"];

    private readonly HttpClient _client = api.Client();

    [Theory]
    [InlineData("historicalClv")]
    [InlineData("netRevenue")]
    [InlineData("lastPurchaseAt")]
    [InlineData("predictedClv")]
    public async Task A_cursor_sent_with_another_sort_is_400_naming_cursor(string sort)
    {
        var cursor = await FirstCursorAsync($"acquisitionChannel={Channel}&sort={sort}");

        foreach (var other in Sorts.Where(s => s != sort))
        {
            await AssertRefusedAsync($"acquisitionChannel={Channel}&sort={other}&cursor={cursor}", ReturnedForAnotherList);
        }
    }

    [Theory]
    [InlineData("desc", "asc")]
    [InlineData("asc", "desc")]
    public async Task A_cursor_sent_with_the_other_direction_is_400_naming_cursor(string direction, string other)
    {
        var cursor = await FirstCursorAsync($"acquisitionChannel={Channel}&direction={direction}");

        await AssertRefusedAsync($"acquisitionChannel={Channel}&direction={other}&cursor={cursor}", ReturnedForAnotherList);
    }

    [Theory]
    [InlineData("", "&atRisk=false")]
    [InlineData("", "&country=DE")]
    [InlineData("&country=DE", "&country=FR")]
    [InlineData("&atRisk=false", "&atRisk=true")]
    [InlineData("&atRisk=false&asOf=2024-06-30", "&atRisk=false&asOf=2024-07-31")]
    [InlineData("&country=DE", "")]
    public async Task A_cursor_sent_with_an_added_changed_or_dropped_filter_is_400_naming_cursor(string filters, string otherFilters)
    {
        var cursor = await FirstCursorAsync($"acquisitionChannel={Channel}{filters}");

        await AssertRefusedAsync($"acquisitionChannel={Channel}{otherFilters}&cursor={cursor}", ReturnedForAnotherList);
        await AssertRefusedAsync($"acquisitionChannel=other-{Channel}{filters}&cursor={cursor}", ReturnedForAnotherList);
    }

    [Theory]
    [InlineData("historicalClv", "desc")]
    [InlineData("netRevenue", "asc")]
    [InlineData("lastPurchaseAt", "desc")]
    [InlineData("predictedClv", "asc")]
    public async Task A_cursor_sent_with_another_page_size_continues_with_the_next_rows(string sort, string direction)
    {
        var list = $"acquisitionChannel={Channel}&country=de&sort={sort}&direction={direction}";
        await SeedAsync();
        var whole = Ids(await GetAsync($"{list}&pageSize=4"));

        var first = await GetAsync($"{list}&pageSize=1");
        var rest = await GetAsync($"{list}&pageSize=3&cursor={first.GetProperty("nextCursor").GetString()}");

        Assert.Equal(whole, [.. Ids(first), .. Ids(rest)]);
    }

    /// <summary>Tokens of the format the API wrote before (sortValue|customerId), spelt as it never wrote them or at all.</summary>
    [Theory]
    [InlineData("1,5|1")]
    [InlineData(" 1|1")]
    [InlineData("1|1")]
    public async Task A_forged_or_old_format_cursor_is_400_not_a_cursor_returned_here(string text)
    {
        await SeedAsync();

        await AssertRefusedAsync($"cursor={Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text))}", NotReturnedHere);
    }

    /// <summary>A cursor the API returned, altered so that a lax parse would still read the same position.</summary>
    [Theory]
    [InlineData("a space before the value")]
    [InlineData("a thousands separator")]
    [InlineData("a plus sign")]
    [InlineData("a leading zero")]
    [InlineData("spaces in the base64")]
    public async Task A_returned_cursor_respelt_is_400_not_a_cursor_returned_here(string change)
    {
        var query = $"acquisitionChannel={Channel}&sort=netRevenue";
        var cursor = await FirstCursorAsync(query);
        var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)).Split('|');
        var value = parts[^2];
        parts[^2] = change switch
        {
            "a space before the value" => " " + value,
            "a thousands separator" => value[..1] + "," + value[1..],
            "a plus sign" => "+" + value,
            "a leading zero" => "0" + value,
            _ => value,
        };
        var respelt = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Join('|', parts)));
        if (change == "spaces in the base64")
        {
            // Four, so that a decoder which skips whitespace still counts its padding right.
            respelt = respelt[..4] + "    " + respelt[4..];
        }

        await AssertRefusedAsync($"{query}&cursor={Uri.EscapeDataString(respelt)}", NotReturnedHere);
    }

    // Four customers of the test's channel, all in DE, none at risk: net revenue rises from cursor-1
    // to cursor-4 while the last purchase falls, so the two sorts disagree. Sent again by each test
    // (the transactions deduplicate, the customers upsert), so none depends on another having run.
    private async Task SeedAsync()
    {
        (await _client.PostCustomersAsync(Enumerable.Range(1, 4)
            .Select(i => (object)new { externalId = $"cursor-{i}", acquisitionChannel = Channel, country = "DE" }).ToArray())).EnsureSuccessStatusCode();
        (await _client.PostTransactionsAsync(Enumerable.Range(1, 4)
            .Select(i => Tx($"cursor-t{i}", $"cursor-{i}", $"2024-0{5 - i}-10T12:00:00Z", amount: i * 1_000m)).ToArray())).EnsureSuccessStatusCode();
    }

    private async Task<string> FirstCursorAsync(string query)
    {
        await SeedAsync();
        var cursor = (await GetAsync($"{query}&pageSize=1")).GetProperty("nextCursor").GetString();
        Assert.NotNull(cursor);
        return cursor;
    }

    private async Task<JsonElement> GetAsync(string query) => await (await _client.GetAsync("/api/v1/customers?" + query)).JsonAsync();

    private async Task AssertRefusedAsync(string query, string message)
    {
        var problem = await (await _client.GetAsync("/api/v1/customers?" + query)).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal([message], problem.GetProperty("errors").GetProperty("cursor").EnumerateArray().Select(e => e.GetString()));
    }

    private static List<string> Ids(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("externalId").GetString()!).ToList();
}
