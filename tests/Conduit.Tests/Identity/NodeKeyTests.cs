using System.Text;
using Conduit.Identity;
using Conduit.Platform;
using Conduit.Tests.Support;

namespace Conduit.Tests.Identity;

public class NodeKeyTests
{
    static NodeKey Parse(string json, string source = "test/conduit_key.json") => NodeKey.Parse(Encoding.UTF8.GetBytes(json), source);

    [Fact]
    public void TestVectorGivesTheSpecifiedProxyIdAndKeyText()
    {
        var key = Parse(TestKeys.KeyFileJson(TestKeys.PrivateKeyBase64));
        Assert.Equal(TestKeys.PrivateKeyBase64, key.PrivateKeyBase64);
        Assert.Equal(TestKeys.SeedHex, Convert.ToHexStringLower(key.Seed));
        Assert.Equal(TestKeys.PublicKeyHex, Convert.ToHexStringLower(key.PublicKey));
        Assert.Equal(TestKeys.ProxyId, key.ProxyId);
        Assert.Equal(43, key.ProxyId.Length);
        Assert.Equal(Convert.ToBase64String(Convert.FromHexString(TestKeys.PublicKeyHex)).TrimEnd('='), key.NodeId);
        Assert.NotEqual(key.ProxyId, key.NodeId);
        Assert.Equal("abandon ability able", key.Mnemonic);
    }

    [Fact]
    public void ProxyIdIsTheMontgomeryFormOfTheEdwardsY()
    {
        // Independent check of u = (1 + y) / (1 - y): y = (u - 1) / (u + 1) must give back the key's y.
        var key = NodeKey.FromBase64(TestKeys.Key2Base64, "vector 2");
        var p = System.Numerics.BigInteger.Pow(2, 255) - 19;
        var u = new System.Numerics.BigInteger(Convert.FromBase64String(key.ProxyId + "="), isUnsigned: true);
        var y = (u - 1 + p) % p * System.Numerics.BigInteger.ModPow(u + 1, p - 2, p) % p;
        var pub = key.PublicKey.ToArray();
        pub[31] &= 0x7F;
        Assert.Equal(new System.Numerics.BigInteger(pub, isUnsigned: true), y);
    }

    [Fact]
    public void PaddedAndUnpaddedKeysReadTheSameAndAreWrittenUnpadded()
    {
        var unpadded = Parse(TestKeys.KeyFileJson(TestKeys.PrivateKeyBase64));
        var padded = Parse(TestKeys.KeyFileJson(TestKeys.PrivateKeyBase64 + "=="));
        Assert.True(padded.SameKeyAs(unpadded));
        var text = Encoding.UTF8.GetString(padded.ToFileBytes());
        Assert.Contains($"\"privateKeyBase64\": \"{TestKeys.PrivateKeyBase64}\"", text);
        Assert.DoesNotContain("==", text);
        Assert.Equal(NodeKey.UnpaddedBase64Length, padded.PrivateKeyBase64.Length);
    }

    [Fact]
    public void TheKeyIsWrittenLiterallyLikeTheNodeDoes()
    {
        // Find a deterministic key whose base64 has '+' (JSON encoders like to escape it as \u002B).
        for (byte i = 0; ; i++)
        {
            var secret = new Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters(Enumerable.Repeat(i, 32).ToArray());
            var base64 = Convert.ToBase64String([.. secret.GetEncoded(), .. secret.GeneratePublicKey().GetEncoded()]).TrimEnd('=');
            if (!base64.Contains('+')) continue;
            var key = NodeKey.FromBase64(base64, "test");
            Assert.Equal($"{{\n  \"privateKeyBase64\": \"{base64}\"\n}}\n", Encoding.UTF8.GetString(key.ToFileBytes()));
            return;
        }
    }

    [Fact]
    public void SaveWritesMode0600AndReadsBack()
    {
        using var root = new TempRoot();
        var path = root.Combine("data", NodeKey.FileName);
        var key = NodeKey.FromBase64(TestKeys.PrivateKeyBase64, "argument");
        key.Save(path);
        Assert.Equal(AtomicFile.Private, File.GetUnixFileMode(path));
        var reread = NodeKey.Load(path);
        Assert.True(reread.SameKeyAs(key));
        Assert.Null(reread.Mnemonic);
    }

    [Fact]
    public void MnemonicIsOptionalAndFieldNamesMatchLikeTheNode()
    {
        Assert.Null(Parse(TestKeys.KeyFileJson(TestKeys.PrivateKeyBase64, mnemonic: null)).Mnemonic);
        Assert.Equal(TestKeys.ProxyId, Parse($"{{\"PrivateKeyBase64\":\"{TestKeys.PrivateKeyBase64}\"}}").ProxyId);
    }

    public static TheoryData<string, string> BadFiles => new()
    {
        { "", "empty key file" },
        { "  \n", "empty key file" },
        { "\u0001\u0002binary\u00ff", "not valid JSON" },
        { "privateKeyBase64=" + TestKeys.PrivateKeyBase64, "not valid JSON" },
        { TestKeys.KeyFileJson(TestKeys.PrivateKeyBase64)[..50], "not valid JSON" },
        { $"[\"{TestKeys.PrivateKeyBase64}\"]", "expected a JSON object" },
        // The node's parser (Go) rejects these too, and would then replace the key (a BOM on a node's volume is
        // reported as the node sees it; a file the user imports may have one, see below).
        { "\uFEFF" + TestKeys.KeyFileJson(TestKeys.PrivateKeyBase64), "not valid JSON" },
        { TestKeys.KeyFileJson(TestKeys.PrivateKeyBase64) + "}", "not valid JSON" },
        { "{\"privateKeyBase64\": null}", "privateKeyBase64 must be a string, found a JSON null" },
        { "{\"mnemonic\": \"a b c\"}", "no privateKeyBase64 field" },
        { "{\"privateKeyBase64\": 12}", "privateKeyBase64 must be a string" },
        { $"{{\"mnemonic\": 5, \"privateKeyBase64\": \"{TestKeys.PrivateKeyBase64}\"}}", "mnemonic must be a string" },
        { TestKeys.KeyFileJson(""), "privateKeyBase64 is empty" },
        { TestKeys.KeyFileJson(TestKeys.PrivateKeyBase64[..80]), "holds 60 bytes, expected 64" },
        { TestKeys.KeyFileJson(TestKeys.PrivateKeyBase64[..85]), "not valid base64" },
        { TestKeys.KeyFileJson(TestKeys.PrivateKeyBase64 + "AAAA"), "holds 67 bytes, expected 64" },
        { TestKeys.KeyFileJson(TestKeys.PrivateKeyBase64.Replace('/', '_')), "not standard base64" },
        { TestKeys.KeyFileJson(TestKeys.PrivateKeyBase64[..40] + " " + TestKeys.PrivateKeyBase64[41..]), "not standard base64" },
        { TestKeys.KeyFileJson(TestKeys.PrivateKeyBase64 + "="), "not valid base64" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void BadKeyFilesAreRejectedWithOneClearLineThatNamesTheFileAndHidesTheKey(string content, string expected)
    {
        var e = Assert.Throws<InvalidKeyException>(() => Parse(content, "/data/node-3/conduit_key.json"));
        Assert.StartsWith("/data/node-3/conduit_key.json: ", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain(TestKeys.PrivateKeyBase64[..12], e.Message);
        Assert.DoesNotContain(TestKeys.PrivateKeyBase64[^12..], e.Message);
        Assert.Equal(ExitCodes.Usage, e.ExitCode);
    }

    [Fact]
    public void AKeyWhoseHalvesDoNotMatchIsReadButRefusedForWriting()
    {
        // The node reads such a key without complaint, so reading must work (to show and back it up)...
        var key = Parse(TestKeys.KeyFileJson(TestKeys.Base64Of(TestKeys.SeedHex, TestKeys.PublicKey2Hex)));
        Assert.False(key.HalvesMatch);
        var e = Assert.Throws<InvalidKeyException>(() => key.RequireMatchingHalves("backup.json"));
        Assert.Equal("backup.json: " + NodeKey.HalvesMismatch, e.Message);
        // ...and both RFC 8032 pairs are consistent.
        Assert.True(NodeKey.FromBase64(TestKeys.PrivateKeyBase64, "1").RequireMatchingHalves("1").HalvesMatch);
        Assert.True(NodeKey.FromBase64(TestKeys.Key2Base64, "2").HalvesMatch);
        // One flipped bit in the seed is caught.
        var bytes = Convert.FromBase64String(TestKeys.PrivateKeyBase64 + "==");
        bytes[3] ^= 0x10;
        Assert.False(NodeKey.FromBase64(Convert.ToBase64String(bytes), "flipped").HalvesMatch);
    }

    [Fact]
    public void MissingAndHugeFilesAreRejected()
    {
        using var root = new TempRoot();
        Assert.Contains("no such key file", Assert.Throws<InvalidKeyException>(() => NodeKey.Load(root.Combine("none.json"))).Message);
        var huge = root.Write("huge.json", new string(' ', 100_000));
        Assert.Contains("too large", Assert.Throws<InvalidKeyException>(() => NodeKey.Load(huge)).Message);
    }

    [Fact]
    public void AKeyFileTheUserHandsUsMayStartWithAByteOrderMark()
    {
        using var root = new TempRoot();
        var path = root.Combine("windows.json");
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(TestKeys.KeyFileJson(TestKeys.PrivateKeyBase64))]);
        var key = NodeKey.Load(path);
        Assert.Equal(TestKeys.ProxyId, key.ProxyId);
        Assert.False(key.ToFileBytes().AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]));
    }

    [Fact]
    public void AKeyPathThatIsNotARegularFileIsRefusedWithoutReadingIt()
    {
        using var root = new TempRoot();
        var zero = root.Combine("zero.json");
        File.CreateSymbolicLink(zero, "/dev/zero");
        var e = Assert.Throws<InvalidKeyException>(() => NodeKey.Load(zero));
        Assert.Equal($"{zero} -> /dev/zero: is a character device, not a regular file; a key file must be a file", e.Message);
        var fifo = root.Combine("fifo.json");
        Assert.Equal(0, Mkfifo(fifo, 0x180));
        Assert.Contains("is a FIFO, not a regular file", Assert.Throws<InvalidKeyException>(() => NodeKey.Load(fifo)).Message);
        Assert.Contains("is a directory, not a regular file", Assert.Throws<InvalidKeyException>(() => NodeKey.Load(root.Path)).Message);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    static extern int Mkfifo(string path, uint mode);

    [Fact]
    public void ToStringNeverShowsTheSecret()
    {
        var key = NodeKey.FromBase64(TestKeys.PrivateKeyBase64, "argument");
        Assert.DoesNotContain(TestKeys.PrivateKeyBase64[..12], key.ToString());
        Assert.Contains(TestKeys.ProxyId, key.ToString());
    }
}
