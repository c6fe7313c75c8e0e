namespace Conduit.Identity;

/// <summary>What one node's key file holds right now: a key, nothing yet, or a problem (never key material).</summary>
/// <param name="Content">the raw file (secret), kept so a restore can save even an unreadable key before replacing it</param>
public sealed record NodeKeyState(int Index, string Container, string Location, NodeKey? Key, string? Problem, byte[]? Content)
{
    /// <summary>No key file yet: the node has never started (it creates its key on first start).</summary>
    public bool Missing => Key is null && Problem is null;

    public static NodeKeyState From(int index, string container, string location, byte[]? content)
    {
        if (content is null) return new(index, container, location, null, null, null);
        try
        {
            return new(index, container, location, NodeKey.Parse(content, location), null, content);
        }
        catch (InvalidKeyException e)
        {
            return new(index, container, location, null, e.Message, content);
        }
    }

    /// <summary>Never print the raw content by accident.</summary>
    public override string ToString() => $"NodeKeyState({Container}, {(Key is not null ? Key.ProxyId : Problem ?? "no key")})";
}
