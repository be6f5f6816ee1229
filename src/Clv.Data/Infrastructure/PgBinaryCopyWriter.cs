using System.Buffers.Binary;
using System.Text;
using Npgsql;

namespace Clv.Data.Infrastructure;

/// <summary>
/// Writes rows in PostgreSQL's binary COPY format (the manual's COPY page, "Binary Format") to a raw COPY stream:
/// each row a field count, each field its length and its bytes in network order, NULL a length of −1. For a
/// million rows of numbers this costs a fraction of <see cref="NpgsqlBinaryImporter"/>, which resolves a type for
/// every value. The caller writes each column's PostgreSQL type exactly (as the binary importer also requires): the
/// overload of each C# type writes one type (<c>short</c> a <c>smallint</c>, <c>int</c> an <c>integer</c>, <c>long</c> a
/// <c>bigint</c>, <c>decimal</c> a <c>numeric</c> through <see cref="WriteNumeric(decimal)"/>, and so on).
/// </summary>
internal sealed class PgBinaryCopyWriter : IAsyncDisposable
{
    private const int BufferSize = 1 << 16;

    // PostgreSQL's epoch, 2000-01-01: dates count days from it, timestamps microseconds from its midnight UTC.
    private static readonly int PgEpochDay = new DateOnly(2000, 1, 1).DayNumber;
    private static readonly long PgEpochTicks = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;

    private static readonly UInt128[] Pow10 = [1, 10, 100, 1000];

    // Throws on a lone surrogate instead of writing a replacement character.
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

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

    /// <summary>A <c>smallint</c>.</summary>
    public void Write(short value)
    {
        var span = Field(2);
        BinaryPrimitives.WriteInt16BigEndian(span, value);
    }

    /// <summary>An <c>integer</c>.</summary>
    public void Write(int value)
    {
        var span = Field(4);
        BinaryPrimitives.WriteInt32BigEndian(span, value);
    }

    /// <summary>A <c>boolean</c>.</summary>
    public void Write(bool value) => Field(1)[0] = value ? (byte)1 : (byte)0;

    /// <summary>
    /// A <c>text</c>, <c>varchar</c> or <c>char(n)</c> (they share the binary format): its UTF-8 bytes, NULL for null.
    /// </summary>
    /// <exception cref="EncoderFallbackException">A lone surrogate, which UTF-8 cannot carry (Npgsql refuses it too).</exception>
    public void Write(string? value)
    {
        if (value is null)
        {
            WriteNull();
            return;
        }

        // One pass: the bytes into room for the longest encoding, then their length before them,
        // and the room they did not use given back.
        var most = Utf8.GetMaxByteCount(value.Length);
        if (4 + most <= BufferSize)
        {
            var field = Reserve(4 + most);
            var written = Utf8.GetBytes(value, field[4..]);
            BinaryPrimitives.WriteInt32BigEndian(field, written);
            _used -= most - written;
            return;
        }

        // Longer than the buffer can surely hold: the length, then the bytes straight to the stream.
        var length = Utf8.GetByteCount(value);
        BinaryPrimitives.WriteInt32BigEndian(Reserve(4), length);
        Flush();
        var bytes = Utf8.GetBytes(value);
        _stream.Write(bytes, 0, bytes.Length);
    }

    /// <summary>
    /// A <c>date</c>: days since 2000-01-01. <see cref="DateOnly.MinValue"/> and <see cref="DateOnly.MaxValue"/> are
    /// −infinity and infinity, as Npgsql writes them.
    /// </summary>
    public void Write(DateOnly value)
    {
        var days = value == DateOnly.MinValue ? int.MinValue : value == DateOnly.MaxValue ? int.MaxValue : value.DayNumber - PgEpochDay;
        var span = Field(4);
        BinaryPrimitives.WriteInt32BigEndian(span, days);
    }

    /// <summary>A <c>date</c>, NULL for null.</summary>
    public void Write(DateOnly? value)
    {
        if (value is { } v)
        {
            Write(v);
        }
        else
        {
            WriteNull();
        }
    }

    /// <summary>
    /// A <c>timestamp with time zone</c>: microseconds since 2000-01-01 00:00 UTC, the ticks below a microsecond
    /// dropped. <see cref="DateTimeOffset.MinValue"/> and <see cref="DateTimeOffset.MaxValue"/> are −infinity and
    /// infinity, as Npgsql writes them. The offset only says where the instant was seen: the instant is written.
    /// </summary>
    public void Write(DateTimeOffset value)
    {
        var microseconds = value == DateTimeOffset.MinValue ? long.MinValue
            : value == DateTimeOffset.MaxValue ? long.MaxValue
            : (value.UtcTicks - PgEpochTicks) / TimeSpan.TicksPerMicrosecond;
        var span = Field(8);
        BinaryPrimitives.WriteInt64BigEndian(span, microseconds);
    }

    /// <summary>A <c>timestamp with time zone</c>, NULL for null.</summary>
    public void Write(DateTimeOffset? value)
    {
        if (value is { } v)
        {
            Write(v);
        }
        else
        {
            WriteNull();
        }
    }

    /// <summary>
    /// A <c>numeric</c>, any <see cref="decimal"/>: its digits in base 10,000, the decimal point between two of them,
    /// and the display scale the decimal's own (0.50m is written 0.50; a column with a scale rounds it to that, as for
    /// any value sent).
    /// </summary>
    public void WriteNumeric(decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var scale = (bits[3] >> 16) & 0xFF;
        var negative = bits[3] < 0;

        // The coefficient times 10^pad puts the decimal point between two base-10,000 digits: below 2^96 · 1000 < 10^32,
        // so at most eight digits.
        var pad = (4 - (scale % 4)) % 4;
        var coefficient = (((UInt128)(uint)bits[2] << 64) | ((ulong)(uint)bits[1] << 32) | (uint)bits[0]) * Pow10[pad];
        Span<short> digits = stackalloc short[8]; // the least significant first
        var count = 0;
        while (coefficient > ulong.MaxValue)
        {
            (coefficient, var digit) = UInt128.DivRem(coefficient, 10_000);
            digits[count++] = (short)digit;
        }

        for (var rest = (ulong)coefficient; rest > 0; rest /= 10_000)
        {
            digits[count++] = (short)(rest % 10_000);
        }

        var low = 0; // trailing zero digits are left out, as PostgreSQL stores the number
        while (low < count && digits[low] == 0)
        {
            low++;
        }

        var span = Field(8 + ((count - low) * 2));
        BinaryPrimitives.WriteInt16BigEndian(span, (short)(count - low)); // digits
        BinaryPrimitives.WriteInt16BigEndian(span[2..], (short)(count == 0 ? 0 : count - 1 - ((scale + pad) / 4))); // weight: the first digit counts 10,000^weight
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], negative && count > 0 ? (ushort)0x4000 : (ushort)0); // sign
        BinaryPrimitives.WriteInt16BigEndian(span[6..], (short)scale); // display scale
        for (int from = count - 1, at = 8; from >= low; from--, at += 2)
        {
            BinaryPrimitives.WriteInt16BigEndian(span[at..], digits[from]);
        }
    }

    /// <summary>A <c>numeric</c>, NULL for null.</summary>
    public void WriteNumeric(decimal? value)
    {
        if (value is { } v)
        {
            WriteNumeric(v);
        }
        else
        {
            WriteNull();
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

    /// <summary>
    /// Cancels the COPY unless it completed: no row of it stays. A COPY that a broken connection
    /// already ended has nothing left to cancel; the write that met the break throws its own error,
    /// which this must not hide (a transient database error is a 503, this one was a 500).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_completed)
        {
            return;
        }

        try
        {
            await _stream.CancelAsync();
        }
        catch (ObjectDisposedException)
        {
            return; // ended with its connection
        }

        await _stream.DisposeAsync();
    }

    // A field's length, then room for its bytes.
    private Span<byte> Field(int length)
    {
        var span = Reserve(4 + length);
        BinaryPrimitives.WriteInt32BigEndian(span, length);
        return span[4..];
    }

    private void Flush()
    {
        _stream.Write(_buffer, 0, _used);
        _used = 0;
    }

    private Span<byte> Reserve(int length)
    {
        if (_used + length > BufferSize)
        {
            Flush();
        }

        var span = _buffer.AsSpan(_used, length);
        _used += length;
        return span;
    }
}
