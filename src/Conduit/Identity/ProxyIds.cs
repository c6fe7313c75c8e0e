using System.Numerics;

namespace Conduit.Identity;

/// <summary>Identity encodings the network and the Ryve app show.</summary>
public static class ProxyIds
{
    static readonly BigInteger P = BigInteger.Pow(2, 255) - 19;

    /// <summary>
    /// Ed25519 public key to its Curve25519 (Montgomery) u-coordinate, u = (1 + y) / (1 - y) mod 2^255-19,
    /// as 43 characters of unpadded base64: the proxy ID. Not a hot path, so BigInteger is fine.
    /// </summary>
    public static string FromEd25519PublicKey(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != 32) throw new ArgumentException("an Ed25519 public key is 32 bytes", nameof(publicKey));
        Span<byte> yBytes = stackalloc byte[32];
        publicKey.CopyTo(yBytes);
        yBytes[31] &= 0x7F; // the top bit is the sign of x, not part of y
        var y = new BigInteger(yBytes, isUnsigned: true, isBigEndian: false) % P;
        var denominator = Mod(BigInteger.One - y);
        // y = 1 is the neutral point, which no real key has; its Montgomery form is defined as 0.
        var u = denominator.IsZero ? BigInteger.Zero : Mod((BigInteger.One + y) * BigInteger.ModPow(denominator, P - 2, P));
        Span<byte> uBytes = stackalloc byte[32];
        uBytes.Clear();
        u.TryWriteBytes(uBytes, out _, isUnsigned: true, isBigEndian: false);
        return Convert.ToBase64String(uBytes).TrimEnd('=');
    }

    static BigInteger Mod(BigInteger value)
    {
        var r = value % P;
        return r.Sign < 0 ? r + P : r;
    }
}
