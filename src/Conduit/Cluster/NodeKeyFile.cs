using Conduit.Identity;

namespace Conduit.Cluster;

/// <summary>
/// The start-path question "would the node accept this conduit_key.json?". A file failing it is silently
/// replaced by the node, losing its identity, so nothing may start a node whose existing key fails. The rule
/// itself lives in one place, <see cref="NodeKey.Parse"/>.
/// </summary>
public static class NodeKeyFile
{
    const string Source = "key";

    /// <summary>Null when valid, else what is wrong (never the key material itself).</summary>
    public static string? Problem(ReadOnlySpan<byte> content)
    {
        try
        {
            NodeKey.Parse(content, Source);
            return null;
        }
        catch (InvalidKeyException e)
        {
            return e.Message.StartsWith(Source + ": ", StringComparison.Ordinal) ? e.Message[(Source.Length + 2)..] : e.Message;
        }
    }

    public static bool IsValid(ReadOnlySpan<byte> content) => Problem(content) is null;
}
