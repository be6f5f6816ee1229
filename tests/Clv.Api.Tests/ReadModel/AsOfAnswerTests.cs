using System.Text.RegularExpressions;
using Clv.Api.Tests.Infrastructure;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.ReadModel;

/// <summary>
/// An answer as of a past day is kept across writes that touch only later days (data_changes),
/// and recomputed after any write that may touch a day up to it: a backdated purchase, spend of a
/// period that began by then, a profile, an erasure. Every read sees every committed write (the
/// test factory's staleness bound is 0), so a kept answer that should have been recomputed shows.
/// </summary>
public sealed partial class AsOfAnswerTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private const string Segments = "/api/v1/segments?by=acquisitionChannel&asOf=2024-06-30";
    private const string Summary = "/api/v1/metrics/summary?asOf=2024-06-30";

    [Fact]
    public async Task An_answer_as_of_a_past_day_changes_with_the_writes_that_touch_it_and_only_those()
    {
        var client = api.Client();
        (await client.PostCustomersAsync(
            new { externalId = "ao-a", acquisitionChannel = "search" },
            new { externalId = "ao-b", acquisitionChannel = "tv" })).EnsureSuccessStatusCode();
        (await client.PostTransactionsAsync(
            Tx("ao-1", "ao-a", "2024-03-01T10:00:00Z", amount: 10m),
            Tx("ao-2", "ao-b", "2024-04-01T10:00:00Z", amount: 20m))).EnsureSuccessStatusCode();
        var (segments, segmentsThrough) = await ReadAsync(Segments);
        var (summary, summaryThrough) = await ReadAsync(Summary);

        // Later days only: a purchase of July, spend from July: the same answers, current again.
        (await client.PostTransactionsAsync(Tx("ao-3", "ao-a", "2024-07-02T10:00:00Z", amount: 40m))).EnsureSuccessStatusCode();
        (await client.PostSpendAsync(new { channel = "search", periodStart = "2024-07-01", periodEnd = "2024-07-31", amount = 100, currency = "USD" }))
            .EnsureSuccessStatusCode();
        var (segmentsAfter, segmentsAfterThrough) = await ReadAsync(Segments);
        var (summaryAfter, summaryAfterThrough) = await ReadAsync(Summary);
        Assert.Equal(segments, segmentsAfter);
        Assert.Equal(summary, summaryAfter);
        Assert.True(segmentsAfterThrough > segmentsThrough, $"{segmentsAfterThrough} after {segmentsThrough}");
        Assert.True(summaryAfterThrough > summaryThrough, $"{summaryAfterThrough} after {summaryThrough}");

        // Each of these touches the day or before: the answers change.
        var seen = new List<string> { segmentsAfter };
        await ChangedAsync(seen, client.PostTransactionsAsync(Tx("ao-4", "ao-b", "2024-06-30T10:00:00Z", amount: 5m)));
        await ChangedAsync(seen, client.PostSpendAsync(new { channel = "tv", periodStart = "2024-06-01", periodEnd = "2024-07-31", amount = 61, currency = "USD" }));
        await ChangedAsync(seen, client.PostCustomersAsync(new { externalId = "ao-a", acquisitionChannel = "social" }));
        await ChangedAsync(seen, client.DeleteAsync("/api/v1/customers/ao-b"));
    }

    [Fact]
    public async Task A_customer_without_an_acquisition_date_counts_as_of_every_day_until_a_later_purchase_dates_it()
    {
        // A customer known only by an answer or a bare profile has no acquisition date, so counts as of every day
        // (docs/metrics.md, "Portfolio"); their first purchase then dates the acquisition, and earlier days lose them.
        var client = api.Client();
        const string path = "/api/v1/metrics/summary?asOf=2024-01-31";
        (await client.PostTransactionsAsync(Tx("ao-fb-1", "ao-fb-buyer", "2024-01-10T10:00:00Z"))).EnsureSuccessStatusCode();
        Assert.Equal(1L, (await (await client.GetAsync(path)).JsonAsync()).Long("customers"));

        (await Feedback.FeedbackIngestionTests.PostFeedbackAsync(client, Feedback.FeedbackIngestionTests.Answer("ao-fb-a", "ao-fb-new", "nps", 9, "2024-08-01T10:00:00Z")))
            .EnsureSuccessStatusCode();
        Assert.Equal(2L, (await (await client.GetAsync(path)).JsonAsync()).Long("customers"));

        (await client.PostTransactionsAsync(Tx("ao-fb-2", "ao-fb-new", "2024-08-02T10:00:00Z"))).EnsureSuccessStatusCode();
        Assert.Equal(1L, (await (await client.GetAsync(path)).JsonAsync()).Long("customers"));
    }

    private async Task ChangedAsync(List<string> seen, Task<HttpResponseMessage> write)
    {
        (await write).EnsureSuccessStatusCode();
        var (answer, _) = await ReadAsync(Segments);
        Assert.DoesNotContain(answer, seen);
        seen.Add(answer);
    }

    // An answer without its dataThrough, and its dataThrough.
    private async Task<(string Answer, DateTimeOffset Through)> ReadAsync(string path)
    {
        var body = await (await api.Client().GetAsync(path)).Content.ReadAsStringAsync();
        var through = DataThrough().Match(body);
        Assert.True(through.Success, body);
        return (DataThrough().Replace(body, ""), DateTimeOffset.Parse(through.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [GeneratedRegex("\"dataThrough\":\"([^\"]*)\"")]
    private static partial Regex DataThrough();
}
