using Npgsql;
using NpgsqlTypes;

namespace Clv.Data.Infrastructure;

/// <summary>Helpers for the binary COPYs of the hot paths.</summary>
internal static class NpgsqlBinaryImporterExtensions
{
    /// <summary>Writes <paramref name="value"/> as <paramref name="type"/>, or NULL when it is null.</summary>
    public static void WriteNullable<T>(this NpgsqlBinaryImporter importer, T? value, NpgsqlDbType type)
    {
        if (value is null)
        {
            importer.WriteNull();
        }
        else
        {
            importer.Write(value, type);
        }
    }
}
