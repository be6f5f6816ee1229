using System.Text;

namespace Clv.Api.Tests.Infrastructure;

/// <summary>
/// Which of a CSV import's two writers stores a customer's rows, as docs/api.md defines it (the
/// 32-bit FNV-1a hash of the customer id's UTF-8 bytes, modulo 2), written here from the
/// definition rather than taken from the code under test.
/// </summary>
internal static class ImportWriters
{
    public static int Of(string customerExternalId)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(customerExternalId))
        {
            hash = unchecked((hash ^ b) * 16777619u);
        }

        return (int)(hash % 2);
    }
}
