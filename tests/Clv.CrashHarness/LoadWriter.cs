using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Clv.CrashHarness;

/// <summary>
/// Sends transactions with unique ids from several writers until told to stop: JSON batches of
/// random size, and CSV imports, alternately chunked and atomic. Every request is entered in the
/// ledger before it is sent, and marked acknowledged when the answer's counts cover its rows.
/// After a failure a writer waits for the API to be ready again before its next request.
/// </summary>
internal sealed class LoadWriter(HttpClient http, int csvRows, int csvChunkRows, Func<bool> stop)
{
    private const int CustomerPool = 400;
    private readonly List<Sent> _ledger = [];

    public IReadOnlyList<Sent> Ledger => _ledger;

    public async Task RunAsync(int jsonWriters)
    {
        var writers = Enumerable.Range(1, jsonWriters).Select(w => Task.Run(() => JsonWriterAsync(w))).ToList();
        writers.Add(Task.Run(CsvWriterAsync));
        await Task.WhenAll(writers);
    }

    private async Task JsonWriterAsync(int writer)
    {
        var random = new Random(writer);
        for (var seq = 0; !stop(); seq++)
        {
            var request = $"j{writer}-{seq}";
            var rows = random.Next(1, 501);
            var sent = Enter(new Sent(request, "json", [new Unit(request, rows, AmountOf(0, rows))]));
            var items = Enumerable.Range(0, rows).Select(i => Row(request, CustomerOf(request, i), i)).Select(r => new
            {
                externalId = r.Id, customerExternalId = r.Customer, occurredAt = r.OccurredAt, type = r.Type, amount = r.Amount, currency = "USD",
            });
            await SendAsync(sent, "/api/v1/transactions", JsonContent.Create(new { transactions = items }));
        }
    }

    // Odd imports are atomic (one unit); even ones are chunked, one unit per chunk. The API splits
    // an import's rows between its two writers by customer (docs/api.md: the 32-bit FNV-1a hash of
    // the customer id's UTF-8 bytes, modulo 2), and cuts each writer's rows, in file order, into
    // chunks of csvChunkRows: row i of writer w's rows falls in chunk i / csvChunkRows.
    private async Task CsvWriterAsync()
    {
        for (var seq = 0; !stop(); seq++)
        {
            var atomic = seq % 2 == 1;
            var request = $"c{seq}";
            var seen = new int[2];
            var rows = new List<CsvRow>(csvRows);
            var units = new Dictionary<string, (int Rows, decimal Amount)>(StringComparer.Ordinal);
            for (var i = 0; i < csvRows; i++)
            {
                var customer = CustomerOf(request, i);
                var writer = Fnv1a(customer) % 2;
                var unit = atomic ? request : $"{request}-w{writer}k{seen[writer]++ / csvChunkRows}";
                var row = Row(unit, customer, i);
                rows.Add(row);
                var (count, amount) = units.GetValueOrDefault(unit);
                units[unit] = (count + 1, amount + row.Amount);
            }

            var sent = Enter(new Sent(request, atomic ? "csv-atomic" : "csv", [.. units.Select(u => new Unit(u.Key, u.Value.Rows, u.Value.Amount))]));
            var csv = new StringBuilder("external_id,customer_external_id,occurred_at,type,amount,currency\n", csvRows * 64);
            foreach (var r in rows)
            {
                csv.Append(Invariant($"{r.Id},{r.Customer},{r.OccurredAt},{r.Type},{r.Amount},USD\n"));
            }

            var content = new ByteArrayContent(Encoding.UTF8.GetBytes(csv.ToString()));
            content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
            await SendAsync(sent, "/api/v1/transactions/import" + (atomic ? "?atomic=true" : ""), content);
        }
    }

    private static uint Fnv1a(string text)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash = unchecked((hash ^ b) * 16777619u);
        }

        return hash;
    }

    private Sent Enter(Sent sent)
    {
        lock (_ledger)
        {
            _ledger.Add(sent);
        }

        return sent;
    }

    private async Task SendAsync(Sent sent, string path, HttpContent content)
    {
        sent.StartedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        try
        {
            using var response = await http.PostAsync(path, content);
            sent.Outcome = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (response.IsSuccessStatusCode)
            {
                var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                long Count(string name) => body.GetProperty(name).GetInt64();
                sent.Acknowledged = Count("received") == sent.Rows && Count("inserted") + Count("duplicates") == sent.Rows && Count("rejected") == 0;
                sent.CountsMismatch = !sent.Acknowledged;
                return;
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or SocketException or JsonException)
        {
            sent.Outcome = e.GetType().Name;
        }
        finally
        {
            sent.EndedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        }

        await WaitUntilReadyAsync(); // the API or the database is probably restarting
    }

    private async Task WaitUntilReadyAsync()
    {
        while (!stop())
        {
            try
            {
                using var ready = await http.GetAsync("/health/ready");
                if (ready.IsSuccessStatusCode)
                {
                    return;
                }
            }
            // A connection to a process being killed can fail with a bare SocketException too
            // ("Transport endpoint is not connected", from the connect's remote end point).
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or SocketException)
            {
                // still down
            }

            await Task.Delay(100);
        }
    }

    private sealed record CsvRow(string Id, string Customer, string OccurredAt, string Type, decimal Amount);

    // Ids are unit.index, so the verifier can group what was stored by unit.
    private static CsvRow Row(string unit, string customer, int i) => new(
        $"{unit}.{i}",
        customer,
        Invariant($"2024-{1 + i % 12:D2}-{1 + i % 28:D2}T{i % 24:D2}:00:00Z"),
        i % 13 == 7 ? "refund" : "purchase",
        Clv.CrashHarness.Ledger.AmountOf(i));

    // Customers come from a small pool, so writers create and update the same customers at the same time.
    private static string CustomerOf(string request, int i) => $"k-c{(i * 7919 + request.Length * 31 + request[^1]) % CustomerPool}";

    private static decimal AmountOf(int first, int rows) => Enumerable.Range(first, rows).Sum(Clv.CrashHarness.Ledger.AmountOf);

    private static string Invariant(FormattableString text) => Clv.CrashHarness.Ledger.Invariant(text);
}
