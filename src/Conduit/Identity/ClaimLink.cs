using System.Globalization;
using System.Text;

namespace Conduit.Identity;

/// <summary>
/// The Ryve app's claim link. It CONTAINS THE PRIVATE KEY: callers show it only after a warning and
/// confirmation, and never log it.
/// </summary>
public static class ClaimLink
{
    /// <summary>Said before a claim link or its QR code is shown, by every front end.</summary>
    public const string PrivateKeyWarning =
        "WARNING: the claim link and its QR code contain the node's PRIVATE KEY. Whoever sees or photographs them can " +
        "run a node with this identity and take its reputation. Scan them only with your own Ryve app; do not share, " +
        "screenshot or paste them anywhere.";

    public const string Prefix = "network.ryve.app://(app)/conduits?claim=";

    /// <summary>
    /// Prefix + base64url (with padding) of the compact JSON
    /// <c>{"data":{"key":"...","name":"..."},"version":1}</c>, keys in that order, escaped as Go's encoding/json does.
    /// </summary>
    public static string For(NodeKey key, string stationName)
    {
        var json = new StringBuilder(160);
        json.Append("{\"data\":{\"key\":");
        AppendJsonString(json, key.PrivateKeyBase64);
        json.Append(",\"name\":");
        AppendJsonString(json, stationName);
        json.Append("},\"version\":1}");
        var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(json.ToString()));
        return Prefix + base64.Replace('+', '-').Replace('/', '_');
    }

    /// <summary>Go's escaping: quote, backslash, control characters, and &lt; &gt; &amp; U+2028 U+2029 as \u00XX.</summary>
    internal static void AppendJsonString(StringBuilder sb, string value)
    {
        sb.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case < ' ' or '<' or '>' or '&' or '\u2028' or '\u2029':
                    sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default: sb.Append(c); break;
            }
        }
        sb.Append('"');
    }
}
