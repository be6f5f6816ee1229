using System.Security.Cryptography;
using Clv.Api.Infrastructure;

namespace Clv.Api.Idempotency;

/// <summary>Reads a request body through, computing its SHA-256 on the way, so nothing is buffered.</summary>
internal sealed class HashingReadStream(Stream inner) : ObservedReadStream(inner)
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>Reads whatever the endpoint left unread, then returns the SHA-256 of the whole body.</summary>
    public async Task<byte[]> FinishAsync(CancellationToken cancellationToken)
    {
        await CopyToAsync(Null, 64 * 1024, cancellationToken);
        return _hash.GetHashAndReset();
    }

    /// <summary>Frees the hash. Not done by <see cref="Stream.Dispose()"/>: readers such as a
    /// <see cref="StreamReader"/> dispose the body when they are done, before the hash is read.</summary>
    public void Free() => _hash.Dispose();

    protected override void OnRead(ReadOnlySpan<byte> data) => _hash.AppendData(data);
}
