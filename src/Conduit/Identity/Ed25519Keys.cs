using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;

namespace Conduit.Identity;

/// <summary>The one Ed25519 computation the manager needs, done by BouncyCastle (no hand-written curve code).</summary>
public static class Ed25519Keys
{
    /// <summary>
    /// True when the last 32 bytes of a 64-byte private key are the public key of its first 32 (the seed). The node
    /// uses the stored public half as its identity without checking, so a mismatch means a corrupt key.
    /// </summary>
    public static bool PublicKeyMatchesSeed(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != 64) return false;
        var seed = privateKey[..32].ToArray();
        try
        {
            var derived = new Ed25519PrivateKeyParameters(seed).GeneratePublicKey().GetEncoded();
            return CryptographicOperations.FixedTimeEquals(derived, privateKey[32..]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }
}
