using System.Text.Json;

namespace Conduit.Cluster;

/// <summary>
/// The rule the node applies to conduit_key.json: JSON whose privateKeyBase64 decodes (standard base64,
/// padded or not) to exactly 64 bytes. A file failing it is silently replaced by the node, losing its identity,
/// so nothing may start a node whose existing key fails this check.
/// </summary>
public static class NodeKeyFile
{
    public const int PrivateKeyBytes = 64;

    /// <summary>Null when valid, else what is wrong (never the key material itself).</summary>
    public static string? Problem(ReadOnlySpan<byte> content)
    {
        if (content.IsEmpty) return "the file is empty";
        try
        {
            var reader = new Utf8JsonReader(content, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            using var doc = JsonDocument.ParseValue(ref reader);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return "it is not a JSON object";
            if (!doc.RootElement.TryGetProperty("privateKeyBase64", out var key)) return "it has no privateKeyBase64 field";
            if (key.ValueKind != JsonValueKind.String) return "privateKeyBase64 is not a string";
            var bytes = TryDecode(key.GetString()!);
            if (bytes is null) return "privateKeyBase64 is not valid base64";
            return bytes.Length == PrivateKeyBytes ? null : $"privateKeyBase64 decodes to {bytes.Length} bytes, not {PrivateKeyBytes}";
        }
        catch (JsonException)
        {
            return "it is not valid JSON";
        }
    }

    public static bool IsValid(ReadOnlySpan<byte> content) => Problem(content) is null;

    /// <summary>Standard base64, with or without '=' padding (the node writes it unpadded).</summary>
    public static byte[]? TryDecode(string text)
    {
        var trimmed = text.TrimEnd('=');
        if (trimmed.Length % 4 == 1) return null;
        var padded = trimmed.PadRight(trimmed.Length + (4 - trimmed.Length % 4) % 4, '=');
        var buffer = new byte[padded.Length / 4 * 3];
        return Convert.TryFromBase64String(padded, buffer, out var written) ? buffer[..written] : null;
    }
}
