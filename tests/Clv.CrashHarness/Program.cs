using System.Globalization;
using Clv.CrashHarness;

// The client side of scripts/crash-test.sh, which kills the API and PostgreSQL while this writes.
//   write  URL API_KEY SECONDS JSON_WRITERS CSV_ROWS LEDGER   send until LEDGER.stop exists or SECONDS have passed, save the ledger
//   verify CONNECTION_STRING LEDGER KILLS                     check the database against the ledger; KILLS holds the
//                                                             Unix milliseconds of each SIGKILL, one a line
//   sabotage CONNECTION_STRING                                delete one stored row, so verify must fail
switch (args)
{
    case ["write", var url, var key, var seconds, var writers, var csvRows, var ledgerPath]:
    {
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(120) };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        var until = DateTime.UtcNow.AddSeconds(int.Parse(seconds, CultureInfo.InvariantCulture));
        var load = new LoadWriter(http, int.Parse(csvRows, CultureInfo.InvariantCulture), csvChunkRows: 50_000,
            stop: () => DateTime.UtcNow >= until || File.Exists(ledgerPath + ".stop"));
        await load.RunAsync(int.Parse(writers, CultureInfo.InvariantCulture));
        await Ledger.SaveAsync(ledgerPath, load.Ledger);
        Console.WriteLine($"sent {load.Ledger.Count} requests, {load.Ledger.Count(s => s.Acknowledged)} acknowledged");
        return 0;
    }

    case ["verify", var connectionString, var ledgerPath, var killsPath]:
    {
        var kills = (await File.ReadAllLinesAsync(killsPath)).Where(l => l.Length > 0).Select(l => long.Parse(l, CultureInfo.InvariantCulture)).ToList();
        var failures = await Verifier.VerifyAsync(connectionString, await Ledger.LoadAsync(ledgerPath), kills, Console.Out);
        foreach (var failure in failures.Take(50))
        {
            Console.WriteLine("FAIL " + failure);
        }

        Console.WriteLine(failures.Count == 0 ? "crash harness: every promise kept" : $"crash harness: {failures.Count} broken promises");
        return failures.Count == 0 ? 0 : 1;
    }

    case ["sabotage", var connectionString]:
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("DELETE FROM transactions WHERE external_id = (SELECT max(external_id) FROM transactions)", connection);
        Console.WriteLine($"sabotage: deleted {await command.ExecuteNonQueryAsync()} stored row");
        return 0;
    }

    default:
        Console.Error.WriteLine("usage: Clv.CrashHarness write URL API_KEY SECONDS JSON_WRITERS CSV_ROWS LEDGER | verify CONNECTION_STRING LEDGER KILLS | sabotage CONNECTION_STRING");
        return 2;
}
