using System.Text;

namespace Clv.Api.Ingestion;

/// <summary>
/// Reads RFC 4180 records one at a time from a text stream: comma separated, fields optionally
/// in double quotes with <c>""</c> for a quote, CRLF or LF line ends, line breaks allowed inside
/// quotes. Only the current record is held in memory.
/// </summary>
public sealed class CsvRecordReader(TextReader reader)
{
    private readonly char[] _buffer = new char[64 * 1024];
    private readonly StringBuilder _field = new();
    private int _position;
    private int _length;
    private long _line = 1;

    /// <summary>The longest field accepted, so a missing closing quote cannot swallow the whole file.</summary>
    public const int MaxFieldLength = 1024 * 1024;

    /// <summary>1-based line on which the last record read started.</summary>
    public long RecordLine { get; private set; }

    /// <summary>Reads the next record into <paramref name="fields"/>; false at the end of the input.</summary>
    /// <exception cref="FormatException">A quote is malformed or a field exceeds <see cref="MaxFieldLength"/>.</exception>
    public async ValueTask<bool> ReadAsync(List<string> fields, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fields);
        fields.Clear();
        _field.Clear();
        if (!await EnsureAsync(cancellationToken))
        {
            return false;
        }

        RecordLine = _line;
        var quoted = false;
        var afterQuote = false;
        while (true)
        {
            if (!await EnsureAsync(cancellationToken))
            {
                if (quoted)
                {
                    throw new FormatException($"Line {RecordLine}: a quoted field is not closed.");
                }

                fields.Add(_field.ToString());
                return true;
            }

            var c = _buffer[_position++];
            if (quoted)
            {
                if (c == '"')
                {
                    if (!await EnsureAsync(cancellationToken) || _buffer[_position] != '"')
                    {
                        quoted = false;
                        afterQuote = true;
                        continue;
                    }

                    _position++;
                }
                else if (c == '\n')
                {
                    _line++;
                }

                Append(c);
                continue;
            }

            switch (c)
            {
                case ',':
                    fields.Add(_field.ToString());
                    _field.Clear();
                    afterQuote = false;
                    break;
                case '\r':
                    if (await EnsureAsync(cancellationToken) && _buffer[_position] == '\n')
                    {
                        _position++;
                    }

                    _line++;
                    fields.Add(_field.ToString());
                    return true;
                case '\n':
                    _line++;
                    fields.Add(_field.ToString());
                    return true;
                case '"' when _field.Length == 0 && !afterQuote:
                    quoted = true;
                    break;
                default:
                    if (afterQuote || c == '"')
                    {
                        throw new FormatException($"Line {_line}: a quote may only enclose a whole field.");
                    }

                    Append(c);
                    break;
            }
        }
    }

    private void Append(char c)
    {
        if (_field.Length >= MaxFieldLength)
        {
            throw new FormatException($"Line {RecordLine}: a field is longer than {MaxFieldLength} characters.");
        }

        _field.Append(c);
    }

    private async ValueTask<bool> EnsureAsync(CancellationToken cancellationToken)
    {
        if (_position < _length)
        {
            return true;
        }

        _length = await reader.ReadAsync(_buffer.AsMemory(), cancellationToken);
        _position = 0;
        return _length > 0;
    }
}
