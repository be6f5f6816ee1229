namespace Clv.Api.Customers;

/// <summary>
/// The fields of a customer that the list leaves out unless <c>include</c> names them: each is
/// computed from the listed row's own days and the stored rankings, as the single-customer read does.
/// </summary>
[Flags]
public enum CustomerListFields
{
    /// <summary>The list's own fields only.</summary>
    None = 0,

    /// <summary><c>rfm</c>.</summary>
    Rfm = 1,

    /// <summary><c>trend</c>.</summary>
    Trend = 2,

    /// <summary><c>churned</c>.</summary>
    Churned = 4,

    /// <summary>All three, as the single-customer read gives them.</summary>
    Standing = Rfm | Trend | Churned,
}

/// <summary>Reads the list's <c>include</c> parameter: field names, comma-separated.</summary>
internal static class CustomerListInclude
{
    /// <summary>The longest <c>include</c> read: every name once, with room for spaces.</summary>
    public const int MaxLength = 64;

    /// <summary>What <c>include</c> may name, as its error says.</summary>
    public const string Names = "rfm, trend and churned";

    /// <summary>The fields named by <paramref name="include"/> (none when absent); false when a name is not one of <see cref="Names"/>.</summary>
    public static bool TryParse(string? include, out CustomerListFields fields)
    {
        fields = CustomerListFields.None;
        if (include is null)
        {
            return true;
        }

        foreach (var name in include.Split(',', StringSplitOptions.TrimEntries))
        {
            var field = name switch
            {
                "rfm" => CustomerListFields.Rfm,
                "trend" => CustomerListFields.Trend,
                "churned" => CustomerListFields.Churned,
                _ => CustomerListFields.None,
            };
            if (field == CustomerListFields.None)
            {
                return false;
            }

            fields |= field;
        }

        return true;
    }
}
