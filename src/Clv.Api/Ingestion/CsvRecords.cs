using System.Text;
using Clv.Api.Errors;
using nietras.SeparatedValues;

namespace Clv.Api.Ingestion;

/// <summary>
/// The records of a streamed CSV body, one at a time, as Sep splits them: comma separated, fields
/// optionally in double quotes with <c>""</c> for a quote, line breaks allowed inside quotes, CRLF,
/// LF or CR line ends. Sep holds one buffer of text and the current record, however long the file.
/// Sep accepts any quoting and makes something of it; this refuses, naming the line, what it would
/// have to guess at: a quote inside an unquoted field, text after a closing quote, a quote left
/// open at the end. Also invalid UTF-8 (<see cref="StrictUtf8Reader"/>) and overlong fields and
/// records. Each refusal is a 400 "Malformed CSV" that stops the import.
/// </summary>
internal sealed class CsvRecords : IDisposable
{
    /// <summary>The most UTF-8 bytes a field may hold, so a missing closing quote cannot swallow the file.</summary>
    public const int MaxFieldBytes = 1024 * 1024;

    /// <summary>The most UTF-8 bytes a record may hold, line breaks inside quotes included.</summary>
    public const int MaxRecordBytes = 2 * MaxFieldBytes;

    private const string MisplacedQuote = "a quote may only enclose a whole field.";
    private const string UnclosedQuote = "a quoted field is not closed.";

    // Fields are read raw (Sep's Unescape off) so that their quoting can be checked; Field then removes it.
    private static readonly SepReaderOptions Options = Sep.Reader(o => o with
    {
        Sep = new Sep(','),
        HasHeader = false,
        DisableColCountCheck = true,
    });

    private readonly StrictUtf8Reader _text;
    private readonly SepReader _sep;
    private long _nextLine = 1;
    private bool _quoted;
    private int _headerFields; // 0 until the header is read

    private CsvRecords(StrictUtf8Reader text, SepReader sep) => (_text, _sep) = (text, sep);

    /// <summary>1-based line on which the current record starts.</summary>
    public long Line { get; private set; }

    /// <summary>How many fields the current record has.</summary>
    public int FieldCount => _sep.Current.ColCount;

    /// <summary>True when the current record is a blank line: one empty field.</summary>
    public bool IsBlank => FieldCount == 1 && Field(0).IsEmpty;

    /// <summary>Starts reading <paramref name="body"/>; Sep reads ahead to the end of the first record.</summary>
    public static async ValueTask<CsvRecords> OpenAsync(Stream body, CancellationToken cancellationToken)
    {
        var text = new StrictUtf8Reader(body);
        try
        {
            return new CsvRecords(text, await Options.FromAsync(text, cancellationToken));
        }
        catch (NotSupportedException e) when (IsSepBufferFull(e))
        {
            throw RecordTooLong(1);
        }
    }

    /// <summary>Moves to the next record; false at the end of the body.</summary>
    /// <exception cref="ClvProblemException">400 when the record is malformed.</exception>
    public ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
    {
        // Sep mostly hands out records it has already parsed: those take no await.
        var moved = _sep.MoveNextAsync(cancellationToken);
        return moved.IsCompletedSuccessfully ? new(Accept(moved.Result)) : AcceptAsync(moved);
    }

    /// <summary>Field <paramref name="index"/> of the current record, its quotes removed.</summary>
    public ReadOnlySpan<char> Field(int index)
    {
        var field = _sep.Current[index].Span;
        if (!_quoted || field.IsEmpty || field[0] != '"')
        {
            return field;
        }

        var inner = field[1..^1];
        return inner.Contains('"') ? inner.ToString().Replace("\"\"", "\"", StringComparison.Ordinal) : inner;
    }

    /// <summary>Every field of the current record as strings.</summary>
    public void CopyFieldsTo(List<string> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        fields.Clear();
        for (var i = 0; i < FieldCount; i++)
        {
            fields.Add(Field(i).ToString());
        }
    }

    /// <summary>
    /// Reads the header, the first record: each column's index by its trimmed name, case-insensitive.
    /// An empty body, a header without one of <paramref name="required"/>, or one that names a column
    /// of <paramref name="required"/> or <paramref name="optional"/> twice stops the import with a 400
    /// that names what is wrong and shows the expected header (the required columns, then the
    /// optional ones, such as <c>[,cost]</c>). Another column is ignored, repeated or not.
    /// </summary>
    public async Task<Dictionary<string, int>> ReadHeaderAsync(IReadOnlyList<string> required, IReadOnlyList<string> optional, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(required);
        ArgumentNullException.ThrowIfNull(optional);
        var expected = string.Join(',', required) + string.Concat(optional.Select(column => $"[,{column}]"));
        if (!await ReadAsync(cancellationToken))
        {
            throw new ClvProblemException(StatusCodes.Status400BadRequest, "Empty CSV", "The body is empty; the first line must be the header " + expected + ".");
        }

        // A column read twice would be a guess between its values; others are ignored, repeated or not.
        var read = required.Concat(optional).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var columns = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < FieldCount; i++)
        {
            var name = Field(i).ToString().Trim();
            if (!columns.TryAdd(name, i) && read.Contains(name))
            {
                throw new ClvProblemException(StatusCodes.Status400BadRequest, "Invalid CSV header",
                    $"Line 1: the column {name} appears twice. Expected: {expected}.");
            }
        }

        _headerFields = FieldCount;
        var missing = required.Where(c => !columns.ContainsKey(c)).ToList();
        if (missing.Count > 0)
        {
            throw new ClvProblemException(StatusCodes.Status400BadRequest, "Invalid CSV header",
                $"Line 1: the header lacks {string.Join(", ", missing)}. Expected: {expected}.");
        }

        return columns;
    }

    /// <inheritdoc />
    public void Dispose() => _sep.Dispose();

    private async ValueTask<bool> AcceptAsync(ValueTask<bool> moved)
    {
        bool read;
        try
        {
            read = await moved;
        }
        catch (NotSupportedException e) when (IsSepBufferFull(e))
        {
            throw RecordTooLong(_nextLine);
        }

        return Accept(read);
    }

    private bool Accept(bool read)
    {
        if (!read)
        {
            return false;
        }

        // Sep's LineNumberFrom is off for the first record; each record starts where the last one ended.
        var record = _sep.Current;
        Line = _nextLine;
        _nextLine = record.LineNumberToExcl;
        var text = record.Span;
        if (_text.Invalid && text.Contains(StrictUtf8Reader.InvalidMarker))
        {
            throw Malformed(Line, "the text is not valid UTF-8.");
        }

        if (text.Length > MaxFieldBytes / 3)
        {
            CheckLengths(record); // a UTF-8 byte count is at most three times the characters
        }

        _quoted = text.Contains('"');
        if (_quoted)
        {
            CheckQuoting(record);
        }

        if (_headerFields > 0 && FieldCount > _headerFields)
        {
            CheckExtraFields();
        }

        return true;
    }

    // A field beyond the header's columns is one a comma split off (1,234.50 unquoted): dropping
    // it would store 1 for the amount. Empty ones, as spreadsheets pad rows (a,b,,), hold nothing.
    private void CheckExtraFields()
    {
        for (var i = _headerFields; i < FieldCount; i++)
        {
            if (!Field(i).IsEmpty)
            {
                throw Malformed(Line, $"the record has {FieldCount} fields, the header {_headerFields}; quote a field that holds a comma.");
            }
        }
    }

    private void CheckLengths(SepReader.Row record)
    {
        for (var i = 0; i < record.ColCount; i++)
        {
            var field = record[i].Span;
            if (field.Length > 1 && field[0] == '"')
            {
                field = field[1..^1];
            }

            if (Encoding.UTF8.GetByteCount(field) > MaxFieldBytes)
            {
                throw Malformed(Line, $"a field is longer than {MaxFieldBytes} bytes.");
            }
        }

        if (Encoding.UTF8.GetByteCount(record.Span) > MaxRecordBytes)
        {
            throw RecordTooLong(Line);
        }
    }

    private void CheckQuoting(SepReader.Row record)
    {
        var text = record.Span;
        for (var i = 0; i < record.ColCount; i++)
        {
            var field = record[i].Span;
            var error = QuotingError(field, out var at);
            if (error == UnclosedQuote)
            {
                throw Malformed(Line, error);
            }

            if (error is not null)
            {
                // Named by the line the misplaced quote is on, Sep's count of line breaks inside quotes included.
                text.Overlaps(field, out var start);
                var before = text[..(start + at)];
                throw Malformed(Line + before.Count('\n') + before.Count('\r') - before.Count("\r\n"), error);
            }
        }
    }

    // Null when the field holds no quote or is one whole quoted field ("" standing for a quote);
    // else the error, and the position in the field where the quoting goes wrong.
    private static string? QuotingError(ReadOnlySpan<char> field, out int at)
    {
        at = field.IndexOf('"');
        if (at != 0)
        {
            return at < 0 ? null : MisplacedQuote;
        }

        at = 1;
        while (true)
        {
            var quote = field[at..].IndexOf('"');
            if (quote < 0)
            {
                return UnclosedQuote; // Sep ends a field inside quotes only at the end of the body
            }

            at += quote + 1;
            if (at < field.Length && field[at] == '"')
            {
                at++;
                continue;
            }

            return at == field.Length ? null : MisplacedQuote;
        }
    }

    // Sep refuses to grow its buffer past 2^24 characters within one record.
    private static bool IsSepBufferFull(NotSupportedException e) => e.TargetSite?.DeclaringType?.Assembly == typeof(SepReader).Assembly;

    private static ClvProblemException RecordTooLong(long line) => Malformed(line, $"a record is longer than {MaxRecordBytes} bytes.");

    private static ClvProblemException Malformed(long line, string message) =>
        new(StatusCodes.Status400BadRequest, "Malformed CSV", $"Line {line}: {message}");
}
