using System.Buffers;
using System.Text.Unicode;

namespace Clv.Api.Ingestion;

/// <summary>
/// The text of a UTF-8 stream, decoded strictly, a leading byte order mark skipped. Invalid UTF-8
/// (also a sequence cut off by the end) ends the text with <see cref="InvalidMarker"/>: a
/// <see cref="StreamReader"/> would replace it unseen, or throw from a read ahead of the records a
/// CSV parser has yet to hand out, so no line could be named. The marker is a lone surrogate,
/// which valid UTF-8 never decodes to, so the record that holds it is the one with the invalid bytes.
/// </summary>
internal sealed class StrictUtf8Reader(Stream stream) : TextReader
{
    /// <summary>The last character of a text whose next bytes are not UTF-8.</summary>
    public const char InvalidMarker = '\uDFFF';

    private readonly byte[] _bytes = new byte[64 * 1024];
    private int _start;
    private int _end;
    private bool _eof;
    private bool _started;
    private bool _ended;
    private char _pending; // the second half of a surrogate pair that a one-character read had no room for

    /// <summary>True once the text has ended with <see cref="InvalidMarker"/>.</summary>
    public bool Invalid { get; private set; }

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<char> buffer, CancellationToken cancellationToken = default)
    {
        int count;
        while ((count = Decode(buffer.Span)) < 0)
        {
            Compact();
            Received(await stream.ReadAsync(_bytes.AsMemory(_end), cancellationToken));
        }

        return count;
    }

    /// <inheritdoc />
    public override int Read(Span<char> buffer)
    {
        int count;
        while ((count = Decode(buffer)) < 0)
        {
            Compact();
            Received(stream.Read(_bytes.AsSpan(_end)));
        }

        return count;
    }

    /// <inheritdoc />
    public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

    /// <inheritdoc />
    public override int Read()
    {
        Span<char> one = stackalloc char[1];
        return Read(one) == 0 ? -1 : one[0];
    }

    // The characters decoded into buffer; -1 when more bytes must be read first.
    private int Decode(Span<char> buffer)
    {
        if (buffer.IsEmpty || _ended)
        {
            return 0;
        }

        if (_pending != '\0')
        {
            (buffer[0], _pending) = (_pending, '\0');
            return 1;
        }

        if (!_started)
        {
            if (_end - _start < 3 && !_eof)
            {
                return -1;
            }

            _started = true;
            if (_bytes.AsSpan(_start, _end - _start).StartsWith("\uFEFF"u8))
            {
                _start += 3;
            }
        }

        var status = Utf8.ToUtf16(_bytes.AsSpan(_start, _end - _start), buffer, out var read, out var written, replaceInvalidSequences: false, isFinalBlock: _eof);
        _start += read;
        if (written > 0)
        {
            return written; // the bytes after them, invalid or not, are decoded by the next read
        }

        switch (status)
        {
            case OperationStatus.InvalidData:
                Invalid = true;
                _ended = true;
                buffer[0] = InvalidMarker;
                return 1;
            case OperationStatus.DestinationTooSmall:
                Span<char> pair = stackalloc char[2];
                Utf8.ToUtf16(_bytes.AsSpan(_start, _end - _start), pair, out read, out _, replaceInvalidSequences: false, isFinalBlock: _eof);
                _start += read;
                (buffer[0], _pending) = (pair[0], pair[1]);
                return 1;
            default:
                return _eof ? 0 : -1;
        }
    }

    private void Compact()
    {
        _bytes.AsSpan(_start, _end - _start).CopyTo(_bytes);
        _end -= _start;
        _start = 0;
    }

    private void Received(int count)
    {
        _eof = count == 0;
        _end += count;
    }
}
