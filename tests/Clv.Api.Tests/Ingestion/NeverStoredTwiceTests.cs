using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Clv.Api.Tests.Infrastructure;
using CsCheck;
using Npgsql;

namespace Clv.Api.Tests.Ingestion;

/// <summary>
/// A transaction is never stored twice, whatever batch or Idempotency-Key it arrives in: random
/// sequences of JSON batches and CSV imports (duplicates in a batch and across batches, reordered and
/// overlapping batches, retries with and without the key, invalid items, atomic requests) are run
/// against the API and against a model, a dictionary by external id where the first stored version
/// wins. Every answer and, after each sequence, what PostgreSQL holds must equal the model's. One
/// freedom is documented (docs/api.md): a chunked CSV import splits its rows between two writers
/// by customer, and when a file repeats an id under customers of both writers, whichever writer
/// commits first keeps it; the model then allows each writer's first version.
/// </summary>
public sealed class NeverStoredTwiceTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private static readonly JsonSerializerOptions PrintOptions = new() { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };
    private static int _sequences;

    public enum Kind { Json, Csv, Resend, ReuseKey }

    /// <summary>One appearance of a transaction: a small pool of ids makes batches overlap.</summary>
    public sealed record Item(int Id, int Customer, int Cents, bool Refund, bool Invalid);

    /// <summary>
    /// A batch (Json, Csv) or a resend of an earlier operation <see cref="Of"/>: as it was or shuffled,
    /// with its own key, a fresh one or none. ReuseKey sends new items under an earlier operation's key.
    /// </summary>
    public sealed record Op(Kind Kind, Item[] Items, bool Atomic, int KeyMode, int Of, bool Shuffled);

    private static readonly Gen<Item> GenItem = Gen.Select(Gen.Int[0, 11], Gen.Int[0, 3], Gen.Int[1, 50_000], Gen.Bool, Gen.Int[0, 7],
        (id, customer, cents, refund, bad) => new Item(id, customer, cents, refund, bad == 0));

    private static readonly Gen<Op> GenBatch = Gen.Select(GenItem.Array[1, 8], Gen.Bool, Gen.Int[0, 4], Gen.Int[0, 1],
        (items, csv, atomic, keyMode) => new Op(csv ? Kind.Csv : Kind.Json, items, atomic == 0, keyMode, -1, false));

    private static readonly Gen<Op> GenOp = Gen.Frequency(
        (5, GenBatch),
        (3, Gen.Select(Gen.Int[0, 50], Gen.Int[0, 2], Gen.Bool, (of, keyMode, shuffled) => new Op(Kind.Resend, [], false, keyMode, of, shuffled))),
        (1, Gen.Select(Gen.Int[0, 50], GenItem.Array[1, 3], (of, items) => new Op(Kind.ReuseKey, items, false, 2, of, false))));

    private static readonly Gen<Op[]> GenSequence = Gen.Select(GenBatch, GenOp.Array[1, 7], (first, rest) => rest.Prepend(first).ToArray());

    [Fact]
    public async Task Random_sequences_of_batches_store_each_transaction_once_as_the_model_does()
    {
        var sequences = int.TryParse(Environment.GetEnvironmentVariable("CLV_PROPERTY_SEQUENCES"), out var n) ? n : 40;
        await GenSequence.SampleAsync(RunAsync, iter: sequences, threads: 1, print: ops => JsonSerializer.Serialize(ops, PrintOptions));
    }

    private async Task RunAsync(Op[] ops)
    {
        var run = new Run($"p{Interlocked.Increment(ref _sequences)}-{Guid.NewGuid():N}"[..16]);
        var client = api.Client();
        var sent = new List<Sent>();
        for (var i = 0; i < ops.Length; i++)
        {
            var request = run.Resolve(ops[i], i, sent);
            sent.Add(request);
            var response = await Send(client, request);
            var body = await response.Content.ReadAsByteArrayAsync();
            run.Check(request, response, body);
        }

        await CheckStoredAsync(run);
    }

    private static async Task<HttpResponseMessage> Send(HttpClient client, Sent request)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, request.Path) { Content = new StringContent(request.Body, new UTF8Encoding(false), request.ContentType) };
        if (request.Key is not null)
        {
            message.Headers.Add("Idempotency-Key", request.Key);
        }

        return await client.SendAsync(message);
    }

    private async Task CheckStoredAsync(Run run)
    {
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        var stored = new Dictionary<string, (string Customer, decimal Amount, bool Refund)>();
        await using (var command = new NpgsqlCommand("""
            SELECT t.external_id, c.external_id, t.amount, t.type FROM transactions t JOIN customers c ON c.id = t.customer_id
            WHERE t.external_id LIKE @prefix
            """, connection))
        {
            command.Parameters.AddWithValue("prefix", run.Prefix + "-%");
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                Assert.True(stored.TryAdd(reader.GetString(0), (reader.GetString(1), reader.GetDecimal(2), reader.GetInt16(3) == 2)), "stored twice: " + reader.GetString(0));
            }
        }

        Assert.Equal(run.Model.Keys.Order(StringComparer.Ordinal), stored.Keys.Order(StringComparer.Ordinal));
        foreach (var (id, version) in stored)
        {
            Assert.True(run.Model[id].Contains(version), $"{id}: stored {version}, allowed {string.Join(" or ", run.Model[id])}");
        }

        // The per-customer figures are kept incrementally at ingest: a duplicate counted twice would show here.
        await using var summaries = new NpgsqlCommand("""
            SELECT c.external_id, s.purchase_count, s.gross_revenue, s.refunds, s.net_revenue
            FROM customer_summaries s JOIN customers c ON c.id = s.customer_id WHERE c.external_id LIKE @prefix
            """, connection);
        summaries.Parameters.AddWithValue("prefix", run.Prefix + "-%");
        await using var rows = await summaries.ExecuteReaderAsync();
        var expected = stored.Values.GroupBy(v => v.Customer).ToDictionary(
            g => g.Key,
            g => (Purchases: g.Count(v => !v.Refund), Gross: g.Where(v => !v.Refund).Sum(v => v.Amount), Refunds: g.Where(v => v.Refund).Sum(v => v.Amount)));
        var seen = 0;
        while (await rows.ReadAsync())
        {
            var (purchases, gross, refunds) = expected.GetValueOrDefault(rows.GetString(0));
            Assert.Equal((purchases, gross, refunds, gross - refunds), (rows.GetInt32(1), rows.GetDecimal(2), rows.GetDecimal(3), rows.GetDecimal(4)));
            seen += expected.ContainsKey(rows.GetString(0)) ? 1 : 0;
        }

        Assert.Equal(expected.Count, seen);
    }

    /// <summary>A request as sent: what it carries, and what the model expected of it.</summary>
    private sealed record Sent(Op Op, Item[] Items, bool Csv, bool Atomic, string? Key, string Path, string Body, string ContentType);

    /// <summary>The model of one sequence: stored transactions by external id, and stored answers by key.</summary>
    private sealed class Run(string prefix)
    {
        private readonly Dictionary<string, (string Path, string Body, byte[] Answer)> _answers = [];
        private int _keys;

        public string Prefix { get; } = prefix;

        /// <summary>The versions of each stored id that may be the stored one: one, but for the writers' freedom.</summary>
        public Dictionary<string, List<(string Customer, decimal Amount, bool Refund)>> Model { get; } = [];

        public Sent Resolve(Op op, int index, List<Sent> sent)
        {
            if (op.Kind is Kind.Json or Kind.Csv)
            {
                return Build(op, op.Items, op.Kind == Kind.Csv, op.Atomic, op.KeyMode == 1 ? NewKey() : null);
            }

            var earlier = sent[op.Of % index];
            if (op.Kind == Kind.ReuseKey)
            {
                return Build(op, op.Items, earlier.Csv, earlier.Atomic, earlier.Key ?? NewKey());
            }

            var items = op.Shuffled ? earlier.Items.Reverse().ToArray() : earlier.Items;
            var key = op.KeyMode switch { 0 => null, 1 => NewKey(), _ => earlier.Key };
            return Build(op, items, earlier.Csv, earlier.Atomic, key);
        }

        /// <summary>Checks the answer against the model, and applies the request to the model.</summary>
        public void Check(Sent request, HttpResponseMessage response, byte[] body)
        {
            var text = Encoding.UTF8.GetString(body);
            if (request.Key is not null && _answers.TryGetValue(request.Key, out var stored))
            {
                if (stored.Path == request.Path && stored.Body == request.Body)
                {
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    Assert.Equal(stored.Answer, body);
                    Assert.True(response.Headers.Contains("Idempotent-Replayed"));
                }
                else
                {
                    Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, text);
                    Assert.Contains("Idempotency-Key", text, StringComparison.Ordinal);
                }

                return;
            }

            var valid = request.Items.Where(i => !i.Invalid).ToList();
            var rejected = request.Items.Length - valid.Count;
            if (request.Atomic && rejected > 0)
            {
                Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, text);
                return;
            }

            // Each new id keeps its first version; in a chunked CSV import, its first version in each writer's rows.
            long inserted = 0;
            var chunked = request.Csv && !request.Atomic;
            var writersSeen = new Dictionary<string, HashSet<int>>();
            foreach (var item in valid)
            {
                var id = Id(item);
                var version = (Customer(item), Amount(item), item.Refund);
                if (Model.TryAdd(id, [version]))
                {
                    inserted++;
                    writersSeen[id] = [ImportWriters.Of(Customer(item))];
                }
                else if (chunked && writersSeen.TryGetValue(id, out var writers) && writers.Add(ImportWriters.Of(Customer(item))))
                {
                    Model[id].Add(version);
                }
            }

            Assert.True(response.StatusCode == HttpStatusCode.OK, text);
            var answer = JsonDocument.Parse(body).RootElement;
            Assert.Equal((request.Items.Length, inserted, valid.Count - inserted, rejected),
                (answer.Long("received"), answer.Long("inserted"), answer.Long("duplicates"), answer.Long("rejected")));
            Assert.False(response.Headers.Contains("Idempotent-Replayed"));
            if (request.Key is not null)
            {
                _answers[request.Key] = (request.Path, request.Body, body);
            }
        }

        private Sent Build(Op op, Item[] items, bool csv, bool atomic, string? key)
        {
            var path = (csv ? "/api/v1/transactions/import" : "/api/v1/transactions") + (atomic ? "?atomic=true" : "");
            var body = csv
                ? "external_id,customer_external_id,occurred_at,type,amount,currency\n"
                    + string.Concat(items.Select(i => string.Create(CultureInfo.InvariantCulture, $"{Id(i)},{Customer(i)},{OccurredAt(i)},{Type(i)},{Signed(i)},USD\n")))
                : JsonSerializer.Serialize(new
                {
                    transactions = items.Select(i => new { externalId = Id(i), customerExternalId = Customer(i), occurredAt = OccurredAt(i), type = Type(i), amount = Signed(i), currency = "USD" }),
                });
            return new Sent(op, items, csv, atomic, key, path, body, csv ? "text/csv" : "application/json");
        }

        private string NewKey() => $"{Prefix}-k{_keys++}";

        private string Id(Item i) => $"{Prefix}-t{i.Id}";

        private string Customer(Item i) => $"{Prefix}-c{i.Customer}";

        private static string OccurredAt(Item i) => $"2024-02-{1 + (i.Cents % 28):00}T{i.Id:00}:00:00Z";

        private static string Type(Item i) => i.Refund ? "refund" : "purchase";

        private static decimal Amount(Item i) => i.Cents / 100m;

        // An invalid item carries a negative amount, which neither a purchase nor a refund may have.
        private static decimal Signed(Item i) => i.Invalid ? -Amount(i) : Amount(i);
    }
}
