using System.Buffers.Text;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Conduit.Platform;

namespace Conduit.Identity;

/// <summary>A node key file that cannot be used. The message names the file and never contains key material.</summary>
public sealed class InvalidKeyException(string message) : ConduitException(message, ExitCodes.Usage);

/// <summary>
/// The node's identity: the 64-byte Ed25519 private key (32-byte seed, then the 32-byte public key) kept in
/// <c>conduit_key.json</c> as <c>{"mnemonic": "...", "privateKeyBase64": "..."}</c>. Parsing is strict because a
/// file the node cannot parse makes it silently generate a new identity.
/// </summary>
public sealed class NodeKey
{
    public const string FileName = "conduit_key.json";
    public const int Length = 64;
    /// <summary>86 characters: 64 bytes in unpadded base64, the form the node writes and the one users paste.</summary>
    public const int UnpaddedBase64Length = 86;
    const int MaxFileBytes = 64 * 1024;

    readonly byte[] _privateKey;

    NodeKey(byte[] privateKey, string? mnemonic)
    {
        _privateKey = privateKey;
        Mnemonic = mnemonic;
        HalvesMatch = Ed25519Keys.PublicKeyMatchesSeed(privateKey);
    }

    /// <summary>
    /// True when the public half is the one the seed derives. The node accepts a key whose halves differ (it never
    /// checks), but signs with the seed and announces the stored public key, so the network rejects it: that is a
    /// corrupt key, refused on restore and import, and reported by the other commands.
    /// </summary>
    public bool HalvesMatch { get; }

    public const string HalvesMismatch = "the public half of the key does not belong to its seed (corrupt key: the network will not accept it)";

    /// <summary>Throws unless <see cref="HalvesMatch"/>: for keys about to be written into a node.</summary>
    public NodeKey RequireMatchingHalves(string source) =>
        HalvesMatch ? this : throw new InvalidKeyException($"{source}: {HalvesMismatch}");

    public ReadOnlySpan<byte> Seed => _privateKey.AsSpan(0, 32);
    public ReadOnlySpan<byte> PublicKey => _privateKey.AsSpan(32, 32);

    /// <summary>The 24 words the node generated the key from; informational, may be absent.</summary>
    public string? Mnemonic { get; }

    /// <summary>Secret: the private key as the node stores it (unpadded standard base64).</summary>
    public string PrivateKeyBase64 => Convert.ToBase64String(_privateKey).TrimEnd('=');

    /// <summary>What the network and Ryve show: the public key in Curve25519 form.</summary>
    public string ProxyId => ProxyIds.FromEd25519PublicKey(PublicKey);

    /// <summary>What older managers called "Node ID": the raw Ed25519 public key.</summary>
    public string NodeId => Convert.ToBase64String(PublicKey).TrimEnd('=');

    public bool SameKeyAs(NodeKey other) => _privateKey.AsSpan().SequenceEqual(other._privateKey);

    /// <summary>The file content the node expects: indented JSON, key unpadded, mnemonic kept when known.</summary>
    public byte[] ToFileBytes()
    {
        using var buffer = new MemoryStream();
        // Relaxed escaping: the default encoder writes '+' as \u002B, which is valid JSON but not what the node
        // writes, and simple readers of the file (scripts, the old tool's grep) would miss the key.
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            if (Mnemonic is not null) w.WriteString("mnemonic", Mnemonic);
            w.WriteString("privateKeyBase64", PrivateKeyBase64);
            w.WriteEndObject();
        }
        buffer.Write("\n"u8);
        return buffer.ToArray();
    }

    /// <summary>Writes the key file atomically with mode 0600.</summary>
    public void Save(string path) => AtomicFile.WriteAllBytes(path, ToFileBytes(), AtomicFile.Private);

    /// <summary>Reads and validates a key file; <paramref name="path"/> also names it in errors.</summary>
    public static NodeKey Load(string path)
    {
        byte[] bytes;
        try
        {
            // Only a regular file of at most 64 KiB: a link to /dev/zero or a FIFO is refused, not read forever.
            bytes = RegularFile.ReadAll(path, MaxFileBytes, "a key file");
        }
        catch (FileNotFoundException)
        {
            throw new InvalidKeyException($"{path}: no such key file");
        }
        catch (UsageException e)
        {
            throw new InvalidKeyException(e.Message);
        }
        catch (UnauthorizedAccessException)
        {
            throw new ConduitException($"{path}: permission denied (run as root?)");
        }
        // A file the user hands us (import, backup) may start with a UTF-8 byte order mark (Windows editors write
        // one; settings.conf accepts it too). The node is given the key as conduit writes it (ToFileBytes). A key
        // on a node's volume goes through Parse alone: the node's Go parser refuses a BOM and would replace the key.
        ReadOnlySpan<byte> content = bytes;
        if (content.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) content = content[3..];
        return Parse(content, path);
    }

    /// <summary>
    /// Validates the content of a key file as the node reads it (see <see cref="HalvesMatch"/> for the deeper check).
    /// <paramref name="source"/> names it in error messages.
    /// </summary>
    public static NodeKey Parse(ReadOnlySpan<byte> content, string source)
    {
        if (content.Length > MaxFileBytes) throw new InvalidKeyException($"{source}: {content.Length} bytes is far too large for a key file");
        if (content.Trim(" \t\r\n"u8).IsEmpty) throw new InvalidKeyException($"{source}: empty key file (truncated?)");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(content.ToArray());
        }
        catch (JsonException e)
        {
            // The parser's own message can quote file content: report only where it broke.
            throw new InvalidKeyException($"{source}: not valid JSON (corrupt or truncated near line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InvalidKeyException($"{source}: expected a JSON object with privateKeyBase64, found a JSON {Describe(root.ValueKind)}");
            string? encoded = null, mnemonic = null;
            foreach (var property in root.EnumerateObject())
            {
                // The node (Go's encoding/json) matches field names case-insensitively: so do we.
                if (property.Name.Equals("privateKeyBase64", StringComparison.OrdinalIgnoreCase))
                    encoded = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()
                        : throw new InvalidKeyException($"{source}: privateKeyBase64 must be a string, found a JSON {Describe(property.Value.ValueKind)}");
                else if (property.Name.Equals("mnemonic", StringComparison.OrdinalIgnoreCase))
                    mnemonic = property.Value.ValueKind switch
                    {
                        JsonValueKind.String => property.Value.GetString(),
                        JsonValueKind.Null => null,
                        // A non-string mnemonic makes the node's parser fail, and the node then replaces the key.
                        var kind => throw new InvalidKeyException($"{source}: mnemonic must be a string, found a JSON {Describe(kind)}"),
                    };
            }
            if (encoded is null) throw new InvalidKeyException($"{source}: no privateKeyBase64 field");
            return new NodeKey(DecodePrivateKey(encoded, source), string.IsNullOrEmpty(mnemonic) ? null : mnemonic);
        }
    }

    /// <summary>A key given as its base64 text (86 characters unpadded, 88 padded), e.g. pasted by the user.</summary>
    public static NodeKey FromBase64(string encoded, string source) => new(DecodePrivateKey(encoded, source), null);

    static byte[] DecodePrivateKey(string encoded, string source)
    {
        if (encoded.Length == 0) throw new InvalidKeyException($"{source}: privateKeyBase64 is empty");
        foreach (var c in encoded)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '='))
                throw new InvalidKeyException($"{source}: privateKeyBase64 contains a character that is not standard base64");
        var body = encoded.TrimEnd('=');
        int padding = encoded.Length - body.Length;
        if (body.Contains('=') || padding > 2 || (padding > 0 && encoded.Length % 4 != 0) || body.Length % 4 == 1)
            throw new InvalidKeyException($"{source}: privateKeyBase64 is not valid base64 (bad length or padding; truncated?)");
        var bytes = new byte[body.Length * 3 / 4];
        var status = Base64.DecodeFromUtf8(Encoding.ASCII.GetBytes(body.PadRight((body.Length + 3) / 4 * 4, '=')), bytes, out _, out int written);
        if (status != System.Buffers.OperationStatus.Done)
            throw new InvalidKeyException($"{source}: privateKeyBase64 is not valid base64");
        if (written != Length)
            throw new InvalidKeyException(
                $"{source}: privateKeyBase64 holds {written} bytes, expected {Length} (a 32-byte seed and a 32-byte public key){(written < Length ? "; truncated?" : "")}");
        return bytes[..Length];
    }

    static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => "value",
    };

    /// <summary>Never print the secret by accident (string interpolation, debugger, logs).</summary>
    public override string ToString() => $"NodeKey(proxy id {ProxyId})";
}
