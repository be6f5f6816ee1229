using System.Security.Cryptography;
using System.Text;

namespace Clv.Api.Idempotency;

/// <summary>
/// Encrypts stored answers with AES-GCM under a key derived from the API key that sent the
/// request and the Idempotency-Key. Only the hash of an API key is stored, so the table cannot
/// be read without the key itself, and a new key's secret (the answer of POST /api-keys) is
/// never stored readable.
/// </summary>
internal static class ReplayProtector
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static readonly byte[] Info = Encoding.UTF8.GetBytes("clv idempotency replay v1");

    public static byte[] Seal(string apiKey, string idempotencyKey, ReadOnlySpan<byte> body)
    {
        var sealedBody = new byte[NonceSize + TagSize + body.Length];
        var nonce = sealedBody.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(Key(apiKey, idempotencyKey), TagSize);
        aes.Encrypt(nonce, body, sealedBody.AsSpan(NonceSize + TagSize), sealedBody.AsSpan(NonceSize, TagSize));
        return sealedBody;
    }

    public static byte[] Open(string apiKey, string idempotencyKey, byte[] sealedBody)
    {
        var body = new byte[sealedBody.Length - NonceSize - TagSize];
        using var aes = new AesGcm(Key(apiKey, idempotencyKey), TagSize);
        aes.Decrypt(sealedBody.AsSpan(0, NonceSize), sealedBody.AsSpan(NonceSize + TagSize), sealedBody.AsSpan(NonceSize, TagSize), body);
        return body;
    }

    private static byte[] Key(string apiKey, string idempotencyKey) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(apiKey), 32, Encoding.UTF8.GetBytes(idempotencyKey), Info);
}
