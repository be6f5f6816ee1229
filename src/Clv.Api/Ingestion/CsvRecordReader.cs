using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Clv.Api.Ingestion;

/// <summary>
/// Reads RFC 4180 records one at a time from a UTF-8 stream: comma separated, fields optionally
/// in double quotes with <c>""</c> for a quote, CRLF, LF or CR line ends, line breaks allowed
/// inside quotes, a leading byte order mark skipped. Works on the bytes: a record's fields are
/// slices of the read buffer, valid until the next read, so a large import allocates only the
/// strings it keeps. Only the current record and one buffer of input are held in memory.
/// </summary>
public sealed class CsvRecordReader(Stream stream)
{
    /// <summary>The longest field accepted, so a missing closing quote cannot swallow the whole file.</summary>
    public const int MaxFieldLength = 1024 * 1024;

    private const int InitialBuffer = 256 * 1024;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly SearchValues<byte> UnquotedStops = SearchValues.Create(",\r\n\""u8);

    private byte[] _buffer = new byte[InitialBuffer];
    private int _start;
    private int _end;
    private bool _eof;
    private bool _started;
    private long _line = 1;
    private FieldRange[] _fields = new FieldRange[16];
    private byte[] _unescaped = [];

    /// <summary>1-based line on which the last record read started.</summary>
    public long RecordLine { get; private set; }

    /// <summary>How many fields the last record read has.</summary>
    public int FieldCount { get; private set; }

    /// <summary>True when the last record is a blank line: one empty field.</summary>
    public bool IsBlank => FieldCount == 1 && _fields[0].Length == 0;

    /// <summary>Reads the next record; false at the end of the input.</summary>
    /// <exception cref="FormatException">A quote is malformed, a field exceeds <see cref="MaxFieldLength"/> bytes, or the text is not UTF-8.</exception>
    public async ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
    {
        if (!_started)
        {
            _started = true;
            await FillAsync(cancellationToken);
            if (_end - _start >= 3 && _buffer.AsSpan(_start, 3).SequenceEqual("\uFEFF"u8))
            {
                _start += 3;
            }
        }

        while (true)
        {
            if (_start == _end && _eof)
            {
                return false;
            }

            var parsed = TryParseRecord();
            if (parsed)
            {
                return true;
            }

            // The record runs past the buffered bytes: keep its start, read more and parse it again.
            if (_start == 0 && _end == _buffer.Length)
            {
                if (_buffer.Length >= 2 * MaxFieldLength + InitialBuffer)
                {
                    throw new FormatException($"Line {_line}: a field is longer than {MaxFieldLength} bytes.");
                }

                Array.Resize(ref _buffer, _buffer.Length * 2);
            }

            await FillAsync(cancellationToken);
        }
    }

    /// <summary>The bytes of field <paramref name="index"/> of the last record, quotes removed.</summary>
    public ReadOnlySpan<byte> Field(int index)
    {
        var field = _fields[index];
        if (!field.HasEscapedQuotes)
        {
            return _buffer.AsSpan(field.Start, field.Length);
        }

        var raw = _buffer.AsSpan(field.Start, field.Length);
        if (_unescaped.Length < raw.Length)
        {
            _unescaped = new byte[Math.Max(raw.Length, 256)];
        }

        var written = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            _unescaped[written++] = raw[i];
            if (raw[i] == (byte)'"')
            {
                i++; // "" stands for one quote
            }
        }

        return _unescaped.AsSpan(0, written);
    }

    /// <summary>Field <paramref name="index"/> as a string.</summary>
    public string FieldString(int index) => StrictUtf8.GetString(Field(index));

    /// <summary>Every field of the last record as strings.</summary>
    public void CopyFieldsTo(List<string> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        fields.Clear();
        for (var i = 0; i < FieldCount; i++)
        {
            fields.Add(FieldString(i));
        }
    }

    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        while (_end < _buffer.Length && !_eof)
        {
            var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (read == 0)
            {
                _eof = true;
            }

            _end += read;
            if (_end - _start >= 64 * 1024)
            {
                break; // enough to parse many records; the rest comes on the next fill
            }
        }
    }

    // Parses one record from _start. False when the buffer ends before the record does and more
    // input may follow; nothing is consumed then.
    private bool TryParseRecord()
    {
        var data = _buffer.AsSpan(0, _end);
        var position = _start;
        var lines = 0L;
        var count = 0;
        while (true)
        {
            // One field starts at position.
            if (position < _end && data[position] == (byte)'"')
            {
                var (closed, next, escaped, newlines) = ScanQuoted(data, position + 1);
                if (!closed)
                {
                    if (_eof)
                    {
                        throw new FormatException($"Line {_line}: a quoted field is not closed.");
                    }

                    return false;
                }

                CheckLength(next - 1 - (position + 1));
                AddField(ref count, position + 1, next - 1 - (position + 1), escaped);
                lines += newlines;
                position = next;
                if (position < _end && data[position] is not ((byte)',' or (byte)'\r' or (byte)'\n'))
                {
                    throw new FormatException($"Line {_line + lines}: a quote may only enclose a whole field.");
                }
            }
            else
            {
                var length = data[position.._end].IndexOfAny(UnquotedStops);
                if (length < 0)
                {
                    if (!_eof)
                    {
                        return false;
                    }

                    length = _end - position;
                }

                if (position + length < _end && data[position + length] == (byte)'"')
                {
                    throw new FormatException($"Line {_line + lines}: a quote may only enclose a whole field.");
                }

                CheckLength(length);
                AddField(ref count, position, length, false);
                position += length;
            }

            if (position >= _end)
            {
                if (!_eof)
                {
                    return false;
                }

                return Complete(data, count, position, lines);
            }

            var stop = data[position];
            if (stop == (byte)',')
            {
                position++;
                if (position == _end && !_eof)
                {
                    return false;
                }

                continue;
            }

            // A line end: \r\n, \n or \r.
            if (stop == (byte)'\r')
            {
                if (position + 1 == _end && !_eof)
                {
                    return false; // a \n may follow
                }

                position += position + 1 < _end && data[position + 1] == (byte)'\n' ? 2 : 1;
            }
            else
            {
                position++;
            }

            return Complete(data, count, position, lines + 1);
        }
    }

    private bool Complete(ReadOnlySpan<byte> data, int count, int end, long lines)
    {
        if (!Utf8.IsValid(data[_start..end]))
        {
            throw new FormatException($"Line {_line}: the text is not valid UTF-8.");
        }

        RecordLine = _line;
        FieldCount = count;
        _line += lines;
        _start = end;
        return true;
    }

    // From just after an opening quote: whether the closing quote is buffered, the position after
    // it, whether "" occurs, and how many line feeds the field holds.
    private (bool Closed, int Next, bool Escaped, long Newlines) ScanQuoted(ReadOnlySpan<byte> data, int from)
    {
        var escaped = false;
        var position = from;
        while (true)
        {
            var quote = data[position.._end].IndexOf((byte)'"');
            if (quote < 0)
            {
                CheckLength(_end - from);
                return (false, 0, false, 0);
            }

            position += quote + 1;
            if (position < _end && data[position] == (byte)'"')
            {
                escaped = true;
                position++;
                continue;
            }

            if (position == _end && !_eof)
            {
                return (false, 0, false, 0); // the next byte may be a second quote
            }

            return (true, position, escaped, data[from..position].Count((byte)'\n'));
        }
    }

    private void CheckLength(int length)
    {
        if (length > MaxFieldLength)
        {
            throw new FormatException($"Line {_line}: a field is longer than {MaxFieldLength} bytes.");
        }
    }

    private void AddField(ref int count, int start, int length, bool escaped)
    {
        if (count == _fields.Length)
        {
            Array.Resize(ref _fields, count * 2);
        }

        _fields[count++] = new FieldRange(start, length, escaped);
    }

    private readonly record struct FieldRange(int Start, int Length, bool HasEscapedQuotes);
}
