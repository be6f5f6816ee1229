using System.Text;
using Clv.Api.Tests.Infrastructure;
using Clv.Data.Infrastructure;
using Npgsql;

namespace Clv.Api.Tests.Ingestion;

/// <summary>
/// Ingest writes its rows in the binary COPY format by hand (PgBinaryCopyWriter): every kind of value it writes comes
/// back from PostgreSQL as it was given. The expected texts are PostgreSQL's own output for those values, written out
/// here: the numeric digits at their edges (a base-10,000 digit's carry, the decimal point inside a digit, the display
/// scale, the largest and smallest decimals), dates and instants on both sides of PostgreSQL's epoch, text beyond
/// ASCII and longer than the writer's buffer, and NULLs.
/// </summary>
public sealed class BinaryCopyTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private readonly ClvApiFactory _api = api;

    [Fact]
    public async Task Numerics_come_back_with_their_digits_and_display_scale()
    {
        (decimal? Value, string? Text)[] cases =
        [
            (0m, "0"),
            (0.0000m, "0.0000"),
            (-0.0001m, "-0.0001"),
            (12.5m, "12.5"),
            (12.50m, "12.50"),
            (9_999.9999m, "9999.9999"),
            (10_000m, "10000"),
            (0.00001m, "0.00001"),
            (100_000_000.00000001m, "100000000.00000001"),
            (-98_765.4321m, "-98765.4321"),
            (123_456_789_012_345.6789m, "123456789012345.6789"),
            (1_000_000_000_000_000_000m, "1000000000000000000"),
            (1E+26m, "100000000000000000000000000"),
            (1m / 3m, "0.3333333333333333333333333333"),
            (0.0000000000000000000000000001m, "0.0000000000000000000000000001"),
            (decimal.MaxValue, "79228162514264337593543950335"),
            (decimal.MinValue, "-79228162514264337593543950335"),
            (-7_922_816_251_426.4337593543950335m, "-7922816251426.4337593543950335"),
            (null, null),
        ];

        var texts = await RoundTripAsync("numeric", cases.Select(c => c.Value).ToArray(), (copy, value) => copy.WriteNumeric(value));

        Assert.Equal(cases.Select(c => c.Text), texts);
    }

    [Fact]
    public async Task Numerics_in_a_column_with_a_scale_are_rounded_to_it()
    {
        // numeric(19,4), as money is stored, and numeric(19,10), as exchange rates are: PostgreSQL rounds half away from zero.
        var money = await RoundTripAsync("numeric(19,4)", [1.23455m, -1.23455m, 7m, 999_999_999_999_999.9999m], (copy, value) => copy.WriteNumeric(value));
        var rates = await RoundTripAsync("numeric(19,10)", [1.2345678901m, 0.0000000001m, 123_456_789m], (copy, value) => copy.WriteNumeric(value));

        Assert.Equal(["1.2346", "-1.2346", "7.0000", "999999999999999.9999"], money);
        Assert.Equal(["1.2345678901", "0.0000000001", "123456789.0000000000"], rates);
    }

    [Fact]
    public async Task Integers_and_booleans_come_back_at_their_limits()
    {
        Assert.Equal(["-32768", "0", "32767"], await RoundTripAsync("smallint", [short.MinValue, (short)0, short.MaxValue], (copy, value) => copy.Write(value)));
        Assert.Equal(["-2147483648", "1", "2147483647"], await RoundTripAsync("integer", [int.MinValue, 1, int.MaxValue], (copy, value) => copy.Write(value)));
        Assert.Equal(["-9223372036854775808", "-1", "9223372036854775807"], await RoundTripAsync("bigint", [long.MinValue, -1L, long.MaxValue], (copy, value) => copy.Write(value)));
        Assert.Equal(["true", "false"], await RoundTripAsync("boolean", [true, false], (copy, value) => copy.Write(value)));
    }

    [Fact]
    public async Task Text_comes_back_with_every_character()
    {
        var longer = string.Concat(Enumerable.Repeat("é€😀", 12_000)); // 108,000 UTF-8 bytes: more than the writer's 64 KiB buffer
        string?[] values = ["", "plain-42", "Zoë Ångström", "客户-𝔸", "tab\tand\nnewline", longer, null, "after"];

        var texts = await RoundTripAsync("text", values, (copy, value) => copy.Write(value));
        var codes = await RoundTripAsync("character(3)", ["EUR", "ÅÄÖ", null], (copy, value) => copy.Write(value));

        Assert.Equal(values, texts);
        Assert.Equal(["EUR", "ÅÄÖ", null], codes);
    }

    [Fact]
    public async Task Texts_that_fill_the_buffer_many_times_come_back_whole()
    {
        // 4,000 values of up to 300 pieces of one to four UTF-8 bytes (about 1.5 MB), so that the
        // writer's 64 KiB buffer fills at every place inside a value; and the lengths on both sides
        // of the longest a value may be for one pass into the buffer (room for three bytes a character).
        var random = new Random(11);
        string[] pieces = ["a", "é", "€", "😀"];
        var values = Enumerable.Range(0, 4_000)
            .Select(_ => (string?)string.Concat(Enumerable.Range(0, random.Next(300)).Select(_ => pieces[random.Next(pieces.Length)])))
            .ToList();
        values.Insert(1_000, new string('x', 21_800));
        values.Insert(2_000, new string('y', 21_900));
        values.Insert(3_000, string.Concat(Enumerable.Repeat("€", 21_840)));

        Assert.Equal(values, await RoundTripAsync("text", values, (copy, value) => copy.Write(value)));
    }

    [Fact]
    public async Task A_lone_surrogate_is_refused_and_nothing_of_the_copy_stays()
    {
        await using var connection = await OpenAsync("text");
        await using (var copy = await PgBinaryCopyWriter.BeginAsync(connection, "COPY copied (ordinal, value) FROM STDIN (FORMAT BINARY)", CancellationToken.None))
        {
            copy.StartRow(2);
            copy.Write(0);
            copy.Write("fine");
            copy.StartRow(2);
            copy.Write(1);
            Assert.Throws<EncoderFallbackException>(() => copy.Write("broken \ud800 half"));
        }

        await using var count = new NpgsqlCommand("SELECT count(*) FROM copied", connection);
        Assert.Equal(0L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Dates_come_back_on_both_sides_of_the_epoch()
    {
        DateOnly?[] values =
        [
            new DateOnly(2000, 1, 1), new DateOnly(1999, 12, 31), new DateOnly(1997, 1, 1), new DateOnly(2024, 2, 29),
            new DateOnly(1, 1, 1).AddDays(1), DateOnly.MinValue, DateOnly.MaxValue, null,
        ];

        var texts = await RoundTripAsync("date", values, (copy, value) => copy.Write(value));

        Assert.Equal(["2000-01-01", "1999-12-31", "1997-01-01", "2024-02-29", "0001-01-02", "-infinity", "infinity", null], texts);
    }

    [Fact]
    public async Task Instants_come_back_to_the_microsecond()
    {
        DateTimeOffset?[] values =
        [
            new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 12, 3, 13, 45, 12, TimeSpan.Zero).AddTicks(1_234_567), // the 100 ns below a microsecond are dropped
            new DateTimeOffset(1999, 12, 31, 23, 59, 59, TimeSpan.Zero).AddTicks(9_999_990),
            new DateTimeOffset(1997, 1, 1, 0, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 6, 1, 10, 0, 0, TimeSpan.FromHours(5.5)), // the instant, whatever the offset it was seen at
            DateTimeOffset.MinValue,
            DateTimeOffset.MaxValue,
            null,
        ];

        var texts = await RoundTripAsync("timestamp with time zone", values, (copy, value) => copy.Write(value));

        Assert.Equal(
            [
                "2000-01-01 00:00:00+00", "2026-12-03 13:45:12.123456+00", "1999-12-31 23:59:59.999999+00", "1997-01-01 00:00:00+00",
                "2026-06-01 04:30:00+00", "-infinity", "infinity", null,
            ],
            texts);
    }

    [Fact]
    public async Task A_copy_whose_connection_breaks_fails_with_the_database_s_error_not_one_of_its_own_cleanup()
    {
        // The crash harness's finding (2026-12-06): PostgreSQL stopped during a write's COPY, and cancelling the COPY
        // that had already ended with its connection hid the transient error (an outage: 503) behind
        // ObjectDisposedException (a 500).
        await using var connection = await OpenAsync("text");
        var backend = connection.ProcessID;
        await using var other = new NpgsqlConnection(_api.ConnectionString);
        await other.OpenAsync();

        var failure = await Record.ExceptionAsync(async () =>
        {
            await using var copy = await PgBinaryCopyWriter.BeginAsync(connection, "COPY copied (ordinal, value) FROM STDIN (FORMAT BINARY)", CancellationToken.None);
            copy.StartRow(2);
            copy.Write(1);
            copy.Write("before the break");
            await using (var terminate = new NpgsqlCommand($"SELECT pg_terminate_backend({backend})", other))
            {
                await terminate.ExecuteScalarAsync();
            }

            // Rows past the writer's buffer, so that a write meets the broken connection before the COPY is completed.
            for (var i = 2; i < 100_000; i++)
            {
                copy.StartRow(2);
                copy.Write(i);
                copy.Write("after the break");
            }

            await copy.CompleteAsync(CancellationToken.None);
        });

        Assert.IsAssignableFrom<NpgsqlException>(failure);
    }

    // COPYs the values into a table of one column of the type, through the writer, and returns PostgreSQL's text of each.
    private async Task<List<string?>> RoundTripAsync<T>(string type, IReadOnlyList<T> values, Action<PgBinaryCopyWriter, T> write)
    {
        await using var connection = await OpenAsync(type);
        await using (var copy = await PgBinaryCopyWriter.BeginAsync(connection, "COPY copied (ordinal, value) FROM STDIN (FORMAT BINARY)", CancellationToken.None))
        {
            for (var i = 0; i < values.Count; i++)
            {
                copy.StartRow(2);
                copy.Write(i);
                write(copy, values[i]);
            }

            await copy.CompleteAsync(CancellationToken.None);
        }

        var texts = new List<string?>();
        await using var select = new NpgsqlCommand("SELECT value::text FROM copied ORDER BY ordinal", connection);
        await using var reader = await select.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            texts.Add(reader.IsDBNull(0) ? null : reader.GetString(0));
        }

        return texts;
    }

    private async Task<NpgsqlConnection> OpenAsync(string type)
    {
        var connection = new NpgsqlConnection(_api.ConnectionString);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"SET TIME ZONE 'UTC'; CREATE TEMP TABLE copied (ordinal integer, value {type})", connection);
        await create.ExecuteNonQueryAsync();
        return connection;
    }
}
