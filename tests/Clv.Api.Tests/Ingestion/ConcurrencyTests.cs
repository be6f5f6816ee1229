using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Clv.Api.Tests.Infrastructure;
using Clv.Api.Tests.ReadModel;
using Clv.Api.Tests.Subscriptions;
using static Clv.Api.Tests.Infrastructure.HttpAssertions;

namespace Clv.Api.Tests.Ingestion;

/// <summary>
/// Several clients at once send overlapping batches (the same transaction ids in different
/// batches, customers created by several batches at once), JSON and CSV, while a model run and
/// reads go on, and subscriptions that date some customers' acquisition. The outcome must be the
/// one a single client sending everything in turn would get.
/// </summary>
public sealed class ConcurrencyTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private const int Customers = 24;
    private const int TransactionIds = 720;
    private const int Batches = 48;
    private const int BatchSize = 120;
    private const int Clients = 8;

    // Every id always carries the same content, so which batch stores it first cannot change the result.
    private sealed record Purchase(string Id, string Customer, DateTimeOffset OccurredAt, bool Refund, decimal Amount)
    {
        public static Purchase Of(int i) => new(
            $"cc-t{i:D4}",
            $"cc-c{i % Customers:D2}",
            new DateTimeOffset(2024, 1, 1, 9, 0, 0, TimeSpan.Zero).AddDays(i * 7 % 300).AddHours(i % 11),
            i % 9 == 4,
            1m + (i % 50) + 0.25m);

        public object Json() => Tx(Id, Customer, OccurredAt.ToString("O", CultureInfo.InvariantCulture), Refund ? "refund" : "purchase", Amount);

        public string Csv() => string.Create(CultureInfo.InvariantCulture,
            $"{Id},{Customer},{OccurredAt:O},{(Refund ? "refund" : "purchase")},{Amount},USD");
    }

    [Fact]
    public async Task Overlapping_batches_with_a_model_run_and_reads_give_no_5xx_and_the_sequential_outcome()
    {
        var random = new Random(20261124);
        var batches = Enumerable.Range(0, Batches)
            .Select(_ => Enumerable.Range(0, BatchSize).Select(_ => Purchase.Of(random.Next(TransactionIds))).ToList())
            .ToList();
        var statuses = new ConcurrentBag<(string Request, HttpStatusCode Status)>();
        var client = api.Client();

        using var writesDone = new CancellationTokenSource();
        var reads = Task.Run(() => ReadUntilAsync(client, statuses, writesDone.Token));
        var queue = new ConcurrentQueue<(int Index, List<Purchase> Batch)>(batches.Select((b, i) => (i, b)));
        var modelRunLocation = new TaskCompletionSource<string?>();
        var writers = Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
        {
            while (queue.TryDequeue(out var next))
            {
                var (index, batch) = next;
                if (index == Batches / 3)
                {
                    // 24 customers who all buy again and again, then fall silent: without the penalizer
                    // the BG/NBD likelihood has no finite optimum (lifetimes advises one for small data).
                    var run = await client.PostAsJsonAsync("/api/v1/model-runs", new { asOf = "2024-12-31", penalizer = 0.01, models = new[] { "bgnbd", "gammagamma" } });
                    statuses.Add(("POST model-runs", run.StatusCode));
                    modelRunLocation.TrySetResult(run.Headers.Location?.ToString());
                }

                statuses.Add(await SendAsync(client, index, batch));
            }
        })).ToList();
        await Task.WhenAll(writers);
        await writesDone.CancelAsync();
        await reads;
        var modelRun = await WaitForModelRunAsync(client, await modelRunLocation.Task, statuses);

        Assert.True(modelRun.Status == "succeeded", $"the model run ended {modelRun.Status}: {modelRun.Body}");
        Assert.DoesNotContain(statuses, s => (int)s.Status >= 500);
        Assert.All(statuses.Where(s => s.Request.StartsWith("POST", StringComparison.Ordinal)), s => Assert.True(s.Status is HttpStatusCode.OK or HttpStatusCode.Accepted, $"{s.Request}: {s.Status}"));
        var stored = batches.SelectMany(b => b).DistinctBy(p => p.Id).ToList();
        Assert.Equal(stored.Count, await api.ScalarAsync<long>("SELECT count(*) FROM transactions WHERE external_id LIKE 'cc-t%'"));
        Assert.Equal(stored.Sum(p => p.Amount), await api.ScalarAsync<decimal>("SELECT sum(amount) FROM transactions WHERE external_id LIKE 'cc-t%'"));
        // Each customer is also acquired at their first transaction or subscription start,
        // whichever came first.
        var subscribed = batches.Where((_, i) => i % 6 == 1).SelectMany(b => b).Select(p => p.Customer).ToHashSet();
        foreach (var customer in stored.GroupBy(p => p.Customer))
        {
            var detail = await (await client.GetAsync($"/api/v1/customers/{customer.Key}")).JsonAsync();
            var first = customer.Min(p => p.OccurredAt);
            var acquired = subscribed.Contains(customer.Key) && SubscriptionStart(customer.Key) < first ? SubscriptionStart(customer.Key) : first;
            Assert.True(acquired == detail.GetProperty("acquiredAt").GetDateTimeOffset(), $"{customer.Key}: expected acquired at {acquired:O}, got {detail.GetProperty("acquiredAt")}");
            var historical = detail.GetProperty("historical");
            var purchases = customer.Where(p => !p.Refund).ToList();
            var refunds = customer.Where(p => p.Refund).Sum(p => p.Amount);
            Assert.True(
                (purchases.Count, purchases.Sum(p => p.Amount), refunds) == (historical.GetProperty("purchaseCount").GetInt32(), historical.Dec("grossRevenue"), historical.Dec("refunds")),
                $"{customer.Key}: expected {purchases.Count} purchases, {purchases.Sum(p => p.Amount)} gross, {refunds} refunds; got {historical}");
        }

        var summary = await (await client.GetAsync("/api/v1/metrics/summary")).JsonAsync();
        Assert.Equal(stored.Select(p => p.Customer).Distinct().Count(), summary.Long("customers"));
        Assert.Equal(stored.Sum(p => p.Refund ? -p.Amount : p.Amount), summary.Dec("netRevenue"));

        // The group rollup the writers kept is the one a build from scratch gives.
        await PeriodRollupTests.AssertBuiltAgainAsync(api);
    }

    // Some customers' subscriptions start before their first transaction (the earliest is on 1
    // January 2024), others after it; always the same start for one customer.
    private static DateTimeOffset SubscriptionStart(string customer) =>
        new DateTimeOffset(2023, 12, 1, 8, 0, 0, TimeSpan.Zero).AddDays(int.Parse(customer[^2..], CultureInfo.InvariantCulture) * 3);

    // Every fourth batch is a CSV import and every fifth also upserts its customers' profiles
    // first, so customers are created by profile and by transaction at the same time; every sixth
    // (from the second) sends its customers' subscriptions first, which may date their acquisition.
    private static async Task<(string, HttpStatusCode)> SendAsync(HttpClient client, int index, List<Purchase> batch)
    {
        if (index % 6 == 1)
        {
            var subscriptions = batch.Select(p => p.Customer).Distinct()
                .Select(c => SubscriptionIngestionTests.Sub($"cc-s{c}", c, startedAt: SubscriptionStart(c).ToString("O", CultureInfo.InvariantCulture))).ToArray();
            var upsert = await SubscriptionIngestionTests.PostSubscriptionsAsync(client, subscriptions);
            if (upsert.StatusCode != HttpStatusCode.OK)
            {
                return ($"POST subscriptions {index}", upsert.StatusCode);
            }
        }

        if (index % 5 == 0)
        {
            var profiles = batch.Select(p => p.Customer).Distinct().Select(c => new { externalId = c, country = "DE" }).ToArray();
            var upsert = await client.PostAsJsonAsync("/api/v1/customers", new { customers = profiles });
            if (upsert.StatusCode != HttpStatusCode.OK)
            {
                return ($"POST customers {index}", upsert.StatusCode);
            }
        }

        if (index % 4 == 0)
        {
            var csv = new StringBuilder("external_id,customer_external_id,occurred_at,type,amount,currency\n");
            batch.ForEach(p => csv.Append(p.Csv()).Append('\n'));
            return ($"POST import {index}", (await client.PostCsvAsync(csv.ToString())).StatusCode);
        }

        return ($"POST transactions {index}", (await client.PostTransactionsAsync(batch.Select(p => p.Json()).ToArray())).StatusCode);
    }

    private static async Task ReadUntilAsync(HttpClient client, ConcurrentBag<(string, HttpStatusCode)> statuses, CancellationToken stop)
    {
        string[] paths = ["/api/v1/customers/cc-c03", "/api/v1/customers?pageSize=10", "/api/v1/metrics/summary", "/api/v1/model-runs"];
        for (var i = 0; !stop.IsCancellationRequested && i < 2_000; i++)
        {
            var response = await client.GetAsync(paths[i % paths.Length], CancellationToken.None);
            statuses.Add(($"GET {paths[i % paths.Length]}", response.StatusCode));
        }
    }

    // The run's last status and answer: "succeeded" or "failed" once it finishes, else what it
    // showed when the two minutes ran out (null: no run was started).
    private static async Task<(string? Status, string Body)> WaitForModelRunAsync(HttpClient client, string? location, ConcurrentBag<(string, HttpStatusCode)> statuses)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        (string? Status, string Body) last = (null, "");
        while (location is not null && DateTime.UtcNow < deadline)
        {
            var response = await client.GetAsync(location);
            statuses.Add(("GET model run", response.StatusCode));
            var body = await response.Content.ReadAsStringAsync();
            last = (response.StatusCode == HttpStatusCode.OK ? (await response.JsonAsync()).GetProperty("status").GetString() : $"HTTP {(int)response.StatusCode}", body);
            if (last.Status is "succeeded" or "failed" || response.StatusCode != HttpStatusCode.OK)
            {
                return last;
            }

            await Task.Delay(100);
        }

        return last;
    }
}
