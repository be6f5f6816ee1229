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

    /// <summary>
    /// Fills <paramref name="buffer"/> whole, short only at the end of the text. Sep 0.17.1 loses
    /// the place of a carriage return when a read ends in one, comes back short, and the next
    /// character is another carriage return: the second one lands after the next read's text.
    /// </summary>
    public override async ValueTask<int> ReadAsync(Memory<char> buffer, CancellationToken cancellationToken = default)
    {
        var count = 0;
        while (true)
        {
            var decoded = Decode(buffer.Span[count..]);
            count += decoded;
            if (count == buffer.Length || _ended)
            {
                return count;
            }

            if (decoded == 0)
            {
                if (_eof)
                {
                    _ended = true;
                    return count;
                }

                _bytes.AsSpan(_start, _end - _start).CopyTo(_bytes);
                (_end, _start) = (_end - _start, 0);
                var read = await stream.ReadAsync(_bytes.AsMemory(_end), cancellationToken);
                (_end, _eof) = (_end + read, read == 0);
            }
        }
    }

    /// <summary>Not supported: the body of a request is read asynchronously.</summary>
    public override int Read(Span<char> buffer) => throw new NotSupportedException("Read the text with ReadAsync.");

    /// <summary>Not supported: the body of a request is read asynchronously.</summary>
    public override int Read(char[] buffer, int index, int count) => throw new NotSupportedException("Read the text with ReadAsync.");

    // Decodes what the buffered bytes hold into buffer; 0 when more bytes are needed first (or the text is over).
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
                return 0;
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
            return written; // the bytes after them, invalid or not, are decoded by the next call
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
                return 0;
        }
    }
}
