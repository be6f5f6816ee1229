using System.Text;
using Clv.Api.Ingestion;

namespace Clv.Api.Tests.Ingestion;

/// <summary>The CSV reader on its own, fed whole and one byte per read, so every record and field straddles a refill.</summary>
public sealed class CsvRecordReaderTests
{
    private const string Sample = "\uFEFFa,b,c\r\n\"x,1\",\"say \"\"hi\"\"\",\"two\nlines\"\n\nlast,,\rafter-cr,é\r\n,\n\"\"";

    // Each record, its fields and its 1-based first line. The blank line is one empty field.
    private static readonly (long Line, string[] Fields)[] Expected =
    [
        (1, ["a", "b", "c"]),
        (2, ["x,1", "say \"hi\"", "two\nlines"]),
        (4, [""]),
        (5, ["last", "", ""]),
        (6, ["after-cr", "é"]),
        (7, ["", ""]),
        (8, [""]),
    ];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Records_fields_and_line_numbers_are_read_as_written(bool oneBytePerRead)
    {
        var csv = new CsvRecordReader(Stream(Sample, oneBytePerRead));
        var fields = new List<string>();
        foreach (var (line, expected) in Expected)
        {
            Assert.True(await csv.ReadAsync(CancellationToken.None));
            csv.CopyFieldsTo(fields);
            Assert.Equal(expected, fields);
            Assert.Equal(line, csv.RecordLine);
        }

        Assert.False(await csv.ReadAsync(CancellationToken.None));
    }

    [Theory]
    [InlineData("a,\"open\nstill open", "Line 1: a quoted field is not closed.")]
    [InlineData("ok\nab\"c,d\n", "Line 2: a quote may only enclose a whole field.")]
    [InlineData("\"closed\"x,d\n", "Line 1: a quote may only enclose a whole field.")]
    public async Task Malformed_quotes_name_their_line(string text, string message)
    {
        foreach (var oneBytePerRead in new[] { false, true })
        {
            var csv = new CsvRecordReader(Stream(text, oneBytePerRead));
            var error = await Assert.ThrowsAsync<FormatException>(async () =>
            {
                while (await csv.ReadAsync(CancellationToken.None))
                {
                }
            });
            Assert.Equal(message, error.Message);
        }
    }

    [Fact]
    public async Task Invalid_utf8_is_refused_with_its_line()
    {
        var bytes = "a,b\nc,"u8.ToArray().Concat(new byte[] { 0xC3, 0x28 }).Concat("\n"u8.ToArray()).ToArray();
        var csv = new CsvRecordReader(new MemoryStream(bytes));
        Assert.True(await csv.ReadAsync(CancellationToken.None));
        var error = await Assert.ThrowsAsync<FormatException>(async () => await csv.ReadAsync(CancellationToken.None));
        Assert.Equal("Line 2: the text is not valid UTF-8.", error.Message);
    }

    [Fact]
    public async Task A_field_over_the_limit_is_refused_without_reading_the_rest()
    {
        var csv = new CsvRecordReader(new MemoryStream(Encoding.ASCII.GetBytes("\"" + new string('x', CsvRecordReader.MaxFieldLength + 1) + "\"\n")));
        var error = await Assert.ThrowsAsync<FormatException>(async () => await csv.ReadAsync(CancellationToken.None));
        Assert.Contains("longer than", error.Message, StringComparison.Ordinal);
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
