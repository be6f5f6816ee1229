using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text;
using Microsoft.AspNetCore.Mvc;

namespace Clv.Api.Infrastructure;

/// <summary>
/// Streams rows as RFC 4180 CSV. Columns are the row type's public properties in declaration
/// order, nested objects flattened as <c>parent.child</c>, an interval (<see cref="CsvIntervalAttribute"/>) as <c>figure_lo</c> and <c>figure_hi</c>; nothing is buffered beyond one row.
/// </summary>
internal sealed class CsvResult<T>(IAsyncEnumerable<T> rows, string fileName, Func<CsvColumns.Column, bool>? include = null) : IActionResult
{
    public const string ContentType = "text/csv";

    public async Task ExecuteResultAsync(ActionContext context)
    {
        var response = context.HttpContext.Response;
        response.ContentType = ContentType + "; charset=utf-8";
        response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
        var columns = include is null ? CsvColumns.For(typeof(T)) : CsvColumns.For(typeof(T)).Where(include).ToList();
        await using var writer = new StreamWriter(response.Body, new UTF8Encoding(false), 64 * 1024);
        await writer.WriteLineAsync(string.Join(',', columns.Select(c => c.Name)));
        var line = new StringBuilder();
        await foreach (var row in rows.WithCancellation(context.HttpContext.RequestAborted))
        {
            line.Clear();
            for (var i = 0; i < columns.Count; i++)
            {
                if (i > 0)
                {
                    line.Append(',');
                }

                CsvColumns.AppendField(line, columns[i].Read(row));
            }

            await writer.WriteLineAsync(line);
        }
    }
}

/// <summary>Flattened property readers per row type, and CSV field formatting.</summary>
internal static class CsvColumns
{
    private static readonly ConcurrentDictionary<Type, IReadOnlyList<Column>> Cache = new();

    // Lists and maps in one cell, named and with money written as the JSON answers write them (5, not 5.0000).
    private static readonly System.Text.Json.JsonSerializerOptions JsonCells = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        Converters = { new DecimalJsonConverter() },
    };

    /// <summary>A column: its name, how it is read from a row, and the row's property (JSON name) it comes from.</summary>
    public sealed record Column(string Name, Func<object?, object?> Read, string Property);

    public static IReadOnlyList<Column> For(Type type) => Cache.GetOrAdd(type, t => Flatten(t, "", x => x, null).ToList());

    /// <summary>
    /// Whether a request asked for CSV rather than JSON: <c>text/csv</c> (or <c>text/*</c>) is in its
    /// <c>Accept</c> with a quality above 0 and at least that of JSON (<c>application/json</c>,
    /// <c>application/*</c>, <c>*/*</c>). So <c>text/csv;q=0</c> refuses CSV, and
    /// <c>text/csv;q=0.5, application/json;q=0.9</c> prefers JSON.
    /// </summary>
    public static bool Wanted(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        double csv = 0, json = 0;
        foreach (var accepted in request.GetTypedHeaders().Accept)
        {
            var quality = accepted.Quality ?? 1;
            var type = accepted.MediaType.Value ?? "";
            if (type.Equals("text/csv", StringComparison.OrdinalIgnoreCase) || type.Equals("text/*", StringComparison.Ordinal))
            {
                csv = Math.Max(csv, quality);
            }
            else if (type.Equals("application/json", StringComparison.OrdinalIgnoreCase) || type is "application/*" or "*/*")
            {
                json = Math.Max(json, quality);
            }
        }

        return csv > 0 && csv >= json;
    }

    public static void AppendField(StringBuilder line, object? value)
    {
        var text = value switch
        {
            null => "",
            string s => GuardFormula(s),
            decimal d => DecimalJsonConverter.Normalize(d).ToString(CultureInfo.InvariantCulture),
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            DateTimeOffset t => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture),
            DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            bool b => b ? "true" : "false",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            System.Collections.IEnumerable => System.Text.Json.JsonSerializer.Serialize(value, JsonCells),
            _ => value.ToString() ?? "",
        };
        if (text.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            line.Append(text);
            return;
        }

        line.Append('"').Append(text.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
    }

    // A cell starting with = + - @ is run as a formula by spreadsheets (CSV injection); a leading
    // apostrophe makes it text. Numbers are written by the branches above and never reach here.
    private static string GuardFormula(string s) =>
        s.Length > 0 && s[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + s : s;

    // top: the top-level property the columns come from (null at the top level: each property's own).
    private static IEnumerable<Column> Flatten(Type type, string prefix, Func<object?, object?> read, string? top)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0)
            {
                continue;
            }

            var name = prefix + char.ToLowerInvariant(property.Name[0]) + property.Name[1..];
            var from = top ?? name;
            Func<object?, object?> get = row => read(row) is { } parent ? property.GetValue(parent) : null;
            if (property.GetCustomAttribute<CsvIntervalAttribute>() is { } interval)
            {
                var figure = interval.Figure is null ? name : prefix + interval.Figure;
                yield return new Column(figure + "_lo", row => get(row) is System.Collections.IList { Count: 2 } ends ? ends[0] : null, from);
                yield return new Column(figure + "_hi", row => get(row) is System.Collections.IList { Count: 2 } ends ? ends[1] : null, from);
                continue;
            }

            if (IsScalar(property.PropertyType))
            {
                yield return new Column(name, get, from);
                continue;
            }

            foreach (var nested in Flatten(property.PropertyType, name + ".", get, from))
            {
                yield return nested;
            }
        }
    }

    private static bool IsScalar(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(DateTimeOffset)
            || t == typeof(DateTime) || t == typeof(DateOnly) || t == typeof(Guid)
            || typeof(System.Collections.IEnumerable).IsAssignableFrom(t);
    }
}
