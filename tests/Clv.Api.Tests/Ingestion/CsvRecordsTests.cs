using System.Text;
using Clv.Api.Errors;
using Clv.Api.Ingestion;

namespace Clv.Api.Tests.Ingestion;

/// <summary>The CSV records as Sep splits them and the import checks them, fed whole and one byte per read, so every record and field straddles a refill.</summary>
public sealed class CsvRecordsTests
{
    private const string Sample = "\uFEFFa,b,c\r\n\"x,1\",\"say \"\"hi\"\"\",\"two\nlines\"\n\nlast,,\rafter-cr,é\r\n,\n\"\"\n\"\u00e9\r\n😀\",\"cr\r\ronly\"\r\r😀\nend";

    // Each record, its fields and its 1-based first line. The blank line is one empty field; a line
    // break inside quotes is a line, CRLF, LF or CR alike. Read one byte at a time, two carriage
    // returns in a row straddle a read (Sep once moved the second one, StrictUtf8Reader).
    private static readonly (long Line, string[] Fields)[] Expected =
    [
        (1, ["a", "b", "c"]),
        (2, ["x,1", "say \"hi\"", "two\nlines"]),
        (4, [""]),
        (5, ["last", "", ""]),
        (6, ["after-cr", "é"]),
        (7, ["", ""]),
        (8, [""]),
        (9, ["é\r\n😀", "cr\r\ronly"]),
        (13, [""]),
        (14, ["😀"]),
        (15, ["end"]),
    ];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Records_fields_and_line_numbers_are_read_as_written(bool oneBytePerRead)
    {
        using var csv = await CsvRecords.OpenAsync(Stream(Sample, oneBytePerRead), CancellationToken.None);
        var fields = new List<string>();
        foreach (var (line, expected) in Expected)
        {
            Assert.True(await csv.ReadAsync(CancellationToken.None));
            csv.CopyFieldsTo(fields);
            Assert.Equal(expected, fields);
            Assert.Equal(line, csv.Line);
        }

        Assert.False(await csv.ReadAsync(CancellationToken.None));
    }

    [Theory]
    [InlineData("a,\"open\nstill open", "Line 1: a quoted field is not closed.")]
    [InlineData("ok\nab\"c,d\n", "Line 2: a quote may only enclose a whole field.")]
    [InlineData("\"closed\"x,d\n", "Line 1: a quote may only enclose a whole field.")]
    [InlineData("ok\n\"two\nlines\"x,d\n", "Line 3: a quote may only enclose a whole field.")]
    [InlineData("ok\n\"a\"\"b\"\"\"\"c\"\nz,\"y\"\"\n", "Line 3: a quoted field is not closed.")]
    public async Task Malformed_quotes_name_their_line(string text, string message)
    {
        foreach (var oneBytePerRead in new[] { false, true })
        {
            Assert.Equal(message, await ReadAllAsync(Stream(text, oneBytePerRead)));
        }
    }

    [Theory]
    [InlineData(new byte[] { 0xC3, 0x28 })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    [InlineData(new byte[] { 0xFF })]
    public async Task Invalid_utf8_is_refused_with_its_line(byte[] invalid)
    {
        var bytes = "a,b\n\"c\nd\","u8.ToArray().Concat(invalid).Concat("\nlater\n"u8.ToArray()).ToArray();

        Assert.Equal("Line 2: the text is not valid UTF-8.", await ReadAllAsync(new MemoryStream(bytes)));
    }

    [Fact]
    public async Task Utf8_cut_off_by_the_end_is_refused()
    {
        Assert.Equal("Line 2: the text is not valid UTF-8.", await ReadAllAsync(new MemoryStream("a\nb,"u8.ToArray().Append((byte)0xC3).ToArray())));
    }

    [Fact]
    public async Task A_field_over_the_limit_is_refused()
    {
        var text = "ok\n\"" + new string('x', CsvRecords.MaxFieldBytes + 1) + "\"\n";

        Assert.Equal($"Line 2: a field is longer than {CsvRecords.MaxFieldBytes} bytes.", await ReadAllAsync(Stream(text, false)));
    }

    [Fact]
    public async Task A_record_over_the_limit_is_refused()
    {
        var field = new string('x', CsvRecords.MaxFieldBytes / 2);
        var text = "ok\n" + string.Join(',', Enumerable.Repeat(field, 5)) + "\n";

        Assert.Equal($"Line 2: a record is longer than {CsvRecords.MaxRecordBytes} bytes.", await ReadAllAsync(Stream(text, false)));
    }

    [Fact]
    public async Task A_record_longer_than_sep_can_hold_is_refused_as_too_long()
    {
        var text = "ok\n" + new string('x', 17_000_000) + "\n"; // Sep's buffer stops at 2^24 characters

        Assert.Equal($"Line 2: a record is longer than {CsvRecords.MaxRecordBytes} bytes.", await ReadAllAsync(Stream(text, false)));
    }

    private static async Task<string> ReadAllAsync(Stream body)
    {
        var error = await Assert.ThrowsAsync<ClvProblemException>(async () =>
        {
            using var csv = await CsvRecords.OpenAsync(body, CancellationToken.None);
            while (await csv.ReadAsync(CancellationToken.None))
            {
            }
        });
        Assert.Equal(400, error.Status);
        return error.Detail;
    }

    private static Stream Stream(string text, bool oneBytePerRead)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return oneBytePerRead ? new TrickleStream(bytes) : new MemoryStream(bytes);
    }

    // Hands out one byte per read, as a slow network might.
    private sealed class TrickleStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(1, buffer.Length)], cancellationToken);
    }
}
