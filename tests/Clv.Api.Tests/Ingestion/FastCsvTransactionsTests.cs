using System.Globalization;
using System.Text;
using Clv.Api.Ingestion;
using Clv.Api.Requests;
using Clv.Api.Transactions;
using CsCheck;

namespace Clv.Api.Tests.Ingestion;

/// <summary>
/// The CSV fast path may only accept records the validator accepts, and must build the row the
/// validated path builds; everything else it must leave to the validator. Random records are
/// made from values at and around every rule's edge.
/// </summary>
public sealed class FastCsvTransactionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly string[] Header = ["external_id", "customer_external_id", "occurred_at", "type", "amount", "currency", "cost"];

    private static readonly Gen<string> GenId = Gen.OneOf<string>(
        "t-1", "c 2", " lead", "trail ", "", "   ", "a\u0000b", "é-id", "\t1", "x,y", "quo\"te", "line\nbreak",
        new string('a', 128), new string('a', 129), new string('é', 64), new string('é', 65), "~", "\u007f");

    private static readonly Gen<string> GenDigits2 = Gen.Int[0, 99].Select(i => i.ToString("00", CultureInfo.InvariantCulture));

    private static readonly Gen<string> GenInstant = Gen.Frequency(
        (6, Gen.Select(Gen.Int[1960, 2030], Gen.Int[0, 13], Gen.Int[0, 32], Gen.Int[0, 25], Gen.Int[0, 61], Gen.Int[0, 61],
            Gen.OneOf<string>("", ".5", ".1234567", ".12345678", "."), Gen.OneOf<string>("Z", "z", "+00:00", "-05:30", "+14:00", "+14:01", "-14:00", "+13:59", "+01:60", "+1:00", "", " Z"),
            (y, mo, d, h, mi, s, fraction, zone) =>
                $"{y:0000}-{mo:00}-{d:00}T{h:00}:{mi:00}" + (s == 61 ? "" : $":{s:00}{fraction}") + zone)),
        (1, GenDigits2.Select(d => $"2024-03-{d}")),
        (1, Gen.OneOf<string>("2024-03-01 10:00:00Z", "2024-03-01T10:00:00", "2024-02-29T23:59:59.9999999-00:01", "2023-02-29T00:00Z",
            "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2026-11-26T11:59:59Z", "2026-11-26T12:00:01Z", "1970-01-01T00:00:00Z",
            "1969-12-31T23:59:59Z", "1970-01-01T00:00:00+00:01", "２０２４-03-01T10:00:00Z", "")));

    private static readonly Gen<string> GenMoney = Gen.OneOf<string>(
        "0", "0.0", "12.50", "12.3400", "12.34000", "0.00001", "0.0001", "-1", "-0", "+5", "1e3", "1,5", " 1", "1 ",
        "999999999999999.9999", "1000000000000000", "", ".5", "5.", "NaN", "٣");

    // Each field is mostly plain, so that whole records reach the fast path often.
    private static readonly Gen<string> GenRecord = Gen.Select(Mostly(GenId, "t-9"), Mostly(GenId, "c-9"), Mostly(GenInstant, "2024-03-01T10:00:00Z"),
        Mostly(Gen.OneOf<string>("purchase", "refund", "Purchase", "", "sale"), "purchase"),
        Mostly(GenMoney, "12.5"), Mostly(Gen.OneOf<string>("USD", "usd", "uSd", "EUR", "US", "USDX", "", "ÜSD"), "USD"), Mostly(GenMoney, ""),
        (id, customer, at, type, amount, currency, cost) => string.Join<string>(',', new[] { id, customer, at, type, amount, currency, cost }.Select(Quote)));

    [Fact]
    public void Records_the_fast_path_accepts_are_valid_and_give_the_validated_row()
    {
        var validator = new TransactionItemValidator(new FixedTime(Now));
        var columns = Header.Select((name, i) => (name, i)).ToDictionary(c => c.name, c => c.i, StringComparer.OrdinalIgnoreCase);
        var accepted = 0;
        GenRecord.Sample(line =>
        {
            using var csv = ReadRecord(line);
            var fast = new FastCsvTransactions(columns, "USD", Now.AddDays(1));
            if (!fast.TryParse(csv, out var row))
            {
                return;
            }

            accepted++;
            var fields = new List<string>();
            csv.CopyFieldsTo(fields);
            var item = TransactionIngestion.ToItem(fields, columns, out var parseErrors);
            var result = validator.Validate(item);
            Assert.True(parseErrors.Count == 0 && result.IsValid, $"The fast path accepted a record the validator rejects: {line} ({string.Join("; ", result.Errors)})");
            Assert.Equal(TransactionIngestion.ToRow(item), row);
        }, iter: 20_000);
        Assert.True(accepted > 100, $"Only {accepted} records took the fast path: the generator no longer reaches it.");
    }

    [Fact]
    public void Plain_records_in_the_reporting_currency_take_the_fast_path()
    {
        var columns = Header.Select((name, i) => (name, i)).ToDictionary(c => c.name, c => c.i, StringComparer.OrdinalIgnoreCase);
        var fast = new FastCsvTransactions(columns, "USD", Now.AddDays(1));

        using var plain = ReadRecord("t-1,c-1,2024-03-01T10:00:00+02:00,refund,9.90,usd,");
        Assert.True(fast.TryParse(plain, out var row));

        // 10:00 at +02:00 is 08:00 UTC.
        Assert.Equal(new DateTimeOffset(2024, 3, 1, 8, 0, 0, TimeSpan.Zero), row.OccurredAt);
        Assert.Equal(("t-1", "c-1", 9.90m, "USD", (decimal?)null), (row.ExternalId, row.CustomerExternalId, row.Amount, row.Currency, row.Cost));
        using var euro = ReadRecord("t-2,c-1,2024-03-01T10:00:00Z,purchase,9.90,EUR,");
        Assert.False(fast.TryParse(euro, out _));
    }

    [Fact]
    public void The_instant_parser_agrees_with_the_strict_iso_parser_wherever_it_accepts()
    {
        GenInstant.Sample(text =>
        {
            if (FastCsvTransactions.TryParseInstant(text, out var fast))
            {
                Assert.True(IsoDateTime.TryParse(text, out var strict), $"Accepted {text}, which the strict parser rejects.");
                Assert.Equal(strict, fast);
                Assert.Equal(TimeSpan.Zero, fast.Offset);
            }
        }, iter: 20_000);
    }

    private static Gen<string> Mostly(Gen<string> edges, string plain) => Gen.Frequency((1, edges), (1, Gen.Const(plain)));

    private static CsvRecords ReadRecord(string line)
    {
        var csv = CsvRecords.OpenAsync(new MemoryStream(Encoding.UTF8.GetBytes(line + "\n")), CancellationToken.None).AsTask().GetAwaiter().GetResult();
        Assert.True(csv.ReadAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult());
        return csv;
    }

    private static string Quote(string field) =>
        field.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
