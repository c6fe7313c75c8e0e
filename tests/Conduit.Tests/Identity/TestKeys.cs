namespace Conduit.Tests.Identity;

/// <summary>The conduit-node.md test vector: RFC 8032 test 1 seed and public key.</summary>
internal static class TestKeys
{
    public const string SeedHex = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    public const string PublicKeyHex = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    public const string PrivateKeyBase64 = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2DXWpgBgrEKt9VL/tPJZAc6DuFy89qmIyWvAhpo9wdRGg";
    public const string ProxyId = "2F4H7CKwrYgVN8L0TWYtGhQ8+DDFespDBdhcepD2ti4";
    public const string ClaimLinkMyStation =
        "network.ryve.app://(app)/conduits?claim=eyJkYXRhIjp7ImtleSI6Im5XR3huZS85V21DNmhFcjBrdXdzeEVSSnhXbDdNbWtaY0R1c0F4eXVmMkRYV3BnQmdyRUt0OVZML3RQSlpBYzZEdUZ5ODlxbUl5V3ZBaHBvOXdkUkdnIiwibmFtZSI6Im15LXN0YXRpb24ifSwidmVyc2lvbiI6MX0=";

    /// <summary>RFC 8032 test 2: a second valid key pair.</summary>
    public const string Seed2Hex = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";
    public const string PublicKey2Hex = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";

    public static string Base64Of(string seedHex, string publicHex) =>
        Convert.ToBase64String(Convert.FromHexString(seedHex + publicHex)).TrimEnd('=');

    public static string Key2Base64 => Base64Of(Seed2Hex, PublicKey2Hex);

    public static string KeyFileJson(string privateKeyBase64, string? mnemonic = "abandon ability able") =>
        mnemonic is null
            ? $"{{\"privateKeyBase64\": \"{privateKeyBase64}\"}}"
            : $"{{\n  \"mnemonic\": \"{mnemonic}\",\n  \"privateKeyBase64\": \"{privateKeyBase64}\"\n}}";

    /// <summary>A fresh, valid Ed25519 key as a node would generate it (seed, then its public key), unpadded base64.</summary>
    public static string NewKeyBase64()
    {
        var secret = new Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters(new Org.BouncyCastle.Security.SecureRandom());
        return Convert.ToBase64String([.. secret.GetEncoded(), .. secret.GeneratePublicKey().GetEncoded()]).TrimEnd('=');
    }
}
