using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Clv.Data.Infrastructure.EntityConfigurations;

internal static class ExternalIdProperty
{
    /// <summary>The collation of every external id: bytes, compared as they are.</summary>
    public const string Collation = "C";

    /// <summary>
    /// An external id column: at most <see cref="ColumnLimits.ExternalId"/> characters, compared
    /// byte by byte (<see cref="Collation"/>) whatever the database's locale. An id is a name, not
    /// text to sort for people: its keys then compare with <c>memcmp</c> instead of the locale's
    /// rules (a bulk import inserts three of them per row), and <c>ORDER BY external_id</c> gives
    /// the ordinal order the API's writers lock ids in on every installation.
    /// </summary>
    public static PropertyBuilder<string> IsExternalId(this PropertyBuilder<string> property) =>
        property.HasMaxLength(ColumnLimits.ExternalId).UseCollation(Collation);
}
