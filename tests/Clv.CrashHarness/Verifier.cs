using Npgsql;

namespace Clv.CrashHarness;

/// <summary>
/// Checks the database against the ledger: every unit stored whole or not at all, every
/// acknowledged request stored whole, nothing stored that was never sent, no answer 500, and the
/// day rollup and summaries equal to the transactions they are derived from. And that the run
/// tested something: requests were acknowledged, and a kill hit the API while requests were on
/// their way (a run whose kills all fell between requests, or whose writers never got an answer,
/// would pass every other check while proving nothing).
/// </summary>
internal static class Verifier
{
    public static async Task<List<string>> VerifyAsync(string connectionString, IReadOnlyList<Sent> ledger, IReadOnlyList<long> kills, TextWriter report)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var stored = new Dictionary<string, (long Rows, decimal Amount)>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand("SELECT split_part(external_id, '.', 1), count(*), sum(amount) FROM transactions GROUP BY 1", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                stored[reader.GetString(0)] = (reader.GetInt64(1), reader.GetDecimal(2));
            }
        }

        var failures = new List<string>();
        int acknowledged = 0, storedWhole = 0, absent = 0, chunksInPart = 0;
        foreach (var sent in ledger)
        {
            if (sent.Outcome == "500")
            {
                failures.Add($"{sent.Request} ({sent.Kind}) answered 500: a crash or outage must answer 503 (retry later), or nothing");
            }

            if (sent.CountsMismatch)
            {
                failures.Add($"{sent.Request}: answered {sent.Outcome} with counts that do not cover its {sent.Rows} rows");
            }

            var found = sent.Units.Select(u => (Unit: u, Stored: stored.GetValueOrDefault(u.Name))).ToList();
            foreach (var (unit, (rows, amount)) in found.Where(f => f.Stored.Rows != 0 && f.Stored != (f.Unit.Rows, f.Unit.Amount)))
            {
                failures.Add($"{unit.Name} ({sent.Kind}, {sent.Outcome}): partly stored, {rows} of {unit.Rows} rows, amount {amount} of {unit.Amount}");
            }

            var whole = found.Count(f => f.Stored == (f.Unit.Rows, f.Unit.Amount));
            if (sent.Acknowledged)
            {
                acknowledged++;
                if (whole != found.Count)
                {
                    failures.Add($"{sent.Request} ({sent.Kind}) was acknowledged but {found.Count - whole} of its {found.Count} units are missing");
                }
            }
            else if (whole == found.Count)
            {
                storedWhole++;
            }
            else if (whole == 0)
            {
                absent++;
            }
            else
            {
                chunksInPart++; // a chunked CSV import cut short: its committed chunks stay, as documented
            }
        }

        failures.AddRange(Coverage(ledger, acknowledged, kills, report));
        var sentUnits = ledger.SelectMany(s => s.Units).Select(u => u.Name).ToHashSet(StringComparer.Ordinal);
        failures.AddRange(stored.Keys.Where(k => !sentUnits.Contains(k)).Select(k => $"{k}: stored but never sent"));
        failures.AddRange(await CheckDerivedAsync(connection));

        report.WriteLine($"requests sent {ledger.Count}: acknowledged {acknowledged}; not acknowledged but stored whole {storedWhole}, absent {absent}, chunked CSV with some chunks stored {chunksInPart}");
        foreach (var kind in ledger.GroupBy(s => s.Kind).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            report.WriteLine($"  {kind.Key}: {kind.Count()} sent, {kind.Count(s => s.Acknowledged)} acknowledged; {Outcomes(kind)}");
        }

        report.WriteLine($"rows stored {stored.Values.Sum(v => v.Rows)} in {stored.Count} units; outcomes: {Outcomes(ledger)}");
        return failures;
    }

    // Whether the run exercised what it claims to: acknowledged requests to check, and kills that
    // caught requests in flight (the driver times every request; the script times every kill).
    private static IEnumerable<string> Coverage(IReadOnlyList<Sent> ledger, int acknowledged, IReadOnlyList<long> kills, TextWriter report)
    {
        var killsInFlight = kills.Count(k => ledger.Any(s => s.InFlightAt(k)));
        var requestsCaught = ledger.Count(s => kills.Any(s.InFlightAt));
        report.WriteLine($"kills {kills.Count}: {killsInFlight} with requests in flight, catching {requestsCaught} requests");
        if (acknowledged == 0)
        {
            yield return "no request was acknowledged: the run checked nothing";
        }

        if (killsInFlight == 0)
        {
            yield return kills.Count == 0
                ? "no kill was recorded: the run crashed nothing"
                : $"none of the {kills.Count} kills happened while a request was in flight: the run crashed nothing that mattered";
        }
    }

    private static string Outcomes(IEnumerable<Sent> sent) =>
        string.Join(", ", sent.GroupBy(s => s.Outcome).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} x{g.Count()}"));

    // The rollup and the summaries are written in the same transaction as the rows: after any crash
    // they must still add up to the transactions.
    private static async Task<List<string>> CheckDerivedAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("""
            SELECT (SELECT count(*) FROM transactions),
                   (SELECT coalesce(sum(purchase_count + refund_count), 0) FROM customer_days),
                   (SELECT coalesce(sum(amount), 0) FROM transactions),
                   (SELECT coalesce(sum(gross_revenue + refunds), 0) FROM customer_days),
                   (SELECT coalesce(sum(gross_revenue + refunds), 0) FROM customer_summaries),
                   (SELECT count(*) FROM customers c WHERE NOT EXISTS (SELECT 1 FROM customer_summaries s WHERE s.customer_id = c.id))
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var failures = new List<string>();
        if (reader.GetInt64(0) != reader.GetInt64(1))
        {
            failures.Add($"customer_days count {reader.GetInt64(1)} transactions, the table holds {reader.GetInt64(0)}");
        }

        if (reader.GetDecimal(2) != reader.GetDecimal(3) || reader.GetDecimal(2) != reader.GetDecimal(4))
        {
            failures.Add($"amounts disagree: transactions {reader.GetDecimal(2)}, customer_days {reader.GetDecimal(3)}, customer_summaries {reader.GetDecimal(4)}");
        }

        if (reader.GetInt64(5) != 0)
        {
            failures.Add($"{reader.GetInt64(5)} customers have no summary row");
        }

        return failures;
    }
}
