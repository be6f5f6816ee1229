using System.Buffers.Binary;
using Npgsql;

namespace Clv.Data.Infrastructure;

/// <summary>
/// Writes rows in PostgreSQL's binary COPY format (the manual's COPY page, "Binary Format") to a raw COPY stream:
/// each row a field count, each field its length and its bytes in network order, NULL a length of −1. For a
/// million rows of numbers this costs a fraction of <see cref="NpgsqlBinaryImporter"/>, which resolves a type for
/// every value. The caller writes each column's PostgreSQL type exactly (as the binary importer also requires).
/// </summary>
internal sealed class PgBinaryCopyWriter : IAsyncDisposable
{
    private const int BufferSize = 1 << 16;

    // "PGCOPY\n\377\r\n\0", then the flags and the header extension's length, both 0.
    private static readonly byte[] Header = [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0, 0, 0, 0, 0, 0, 0, 0, 0];

    private readonly NpgsqlRawCopyStream _stream;
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _used;
    private bool _completed;

    private PgBinaryCopyWriter(NpgsqlRawCopyStream stream)
    {
        _stream = stream;
        Header.CopyTo(_buffer, 0);
        _used = Header.Length;
    }

    /// <summary>Starts <paramref name="copyCommand"/> (a <c>COPY … FROM STDIN (FORMAT BINARY)</c>) on <paramref name="connection"/>.</summary>
    public static async Task<PgBinaryCopyWriter> BeginAsync(NpgsqlConnection connection, string copyCommand, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return new PgBinaryCopyWriter(await connection.BeginRawBinaryCopyAsync(copyCommand, cancellationToken));
    }

    /// <summary>Starts a row of <paramref name="fields"/> values.</summary>
    public void StartRow(short fields)
    {
        BinaryPrimitives.WriteInt16BigEndian(Reserve(2), fields);
    }

    /// <summary>A NULL.</summary>
    public void WriteNull() => BinaryPrimitives.WriteInt32BigEndian(Reserve(4), -1);

    /// <summary>A <c>bigint</c>.</summary>
    public void Write(long value)
    {
        var span = Field(8);
        BinaryPrimitives.WriteInt64BigEndian(span, value);
    }

    /// <summary>A <c>double precision</c>.</summary>
    public void Write(double value)
    {
        var span = Field(8);
        BinaryPrimitives.WriteDoubleBigEndian(span, value);
    }

    /// <summary>A <c>uuid</c>: its 16 bytes in RFC 4122 order.</summary>
    public void Write(Guid value)
    {
        var span = Field(16);
        value.TryWriteBytes(span, bigEndian: true, out _);
    }

    /// <summary>
    /// A <c>numeric</c> of at most 4 decimals below 10¹⁵ in magnitude (a money figure as Clv stores it): five base-10,000
    /// digits (the integer part in four, then the decimals), weight 3 and display scale 4. PostgreSQL strips the leading
    /// and trailing zero digits on receipt.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">More decimals, or too large.</exception>
    public void WriteNumeric(decimal value)
    {
        var scaled = decimal.Abs(value) * 10_000m;
        if (scaled != decimal.Truncate(scaled) || scaled >= 1e19m)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "A numeric written to COPY has at most 4 decimals and is below 10^15.");
        }

        var units = (ulong)scaled;
        var span = Field(8 + (5 * 2));
        BinaryPrimitives.WriteInt16BigEndian(span, 5); // digits
        BinaryPrimitives.WriteInt16BigEndian(span[2..], 3); // weight: the first digit counts 10,000³
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], value < 0 && units > 0 ? (ushort)0x4000 : (ushort)0); // sign
        BinaryPrimitives.WriteInt16BigEndian(span[6..], 4); // display scale
        for (var digit = 4; digit >= 0; digit--)
        {
            BinaryPrimitives.WriteInt16BigEndian(span[(8 + (digit * 2))..], (short)(units % 10_000));
            units /= 10_000;
        }
    }

    /// <summary>Ends the COPY: the rows are in the table when this returns.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        BinaryPrimitives.WriteInt16BigEndian(Reserve(2), -1);
        await _stream.WriteAsync(_buffer.AsMemory(0, _used), cancellationToken);
        _used = 0;
        _completed = true;
        await _stream.DisposeAsync(); // disposing the raw stream ends the COPY
    }

    /// <summary>Cancels the COPY unless it completed: no row of it stays.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_completed)
        {
            return;
        }

        await _stream.CancelAsync();
        await _stream.DisposeAsync();
    }

    // A field's length, then room for its bytes.
    private Span<byte> Field(int length)
    {
        var span = Reserve(4 + length);
        BinaryPrimitives.WriteInt32BigEndian(span, length);
        return span[4..];
    }

    private Span<byte> Reserve(int length)
    {
        if (_used + length > BufferSize)
        {
            _stream.Write(_buffer, 0, _used);
            _used = 0;
        }

        var span = _buffer.AsSpan(_used, length);
        _used += length;
        return span;
    }
}
