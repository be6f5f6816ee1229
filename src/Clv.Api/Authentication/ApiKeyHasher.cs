using System.Security.Cryptography;
using System.Text;

namespace Clv.Api.Authentication;

/// <summary>Creates API key secrets and the SHA-256 hashes that are all Clv stores of them.</summary>
public static class ApiKeyHasher
{
    private const string Prefix = "clv_";

    /// <summary>A new random secret: <c>clv_</c> and 256 random bits in base64url.</summary>
    public static string NewSecret() =>
        Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The SHA-256 of the key's UTF-8 bytes.</summary>
    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
