using System.Text;

namespace Conduit.Platform;

/// <summary>
/// Text from files, arguments and other programs on its way into a message for a terminal: control characters
/// (ESC, OSC, BEL, CR, C1, bidi overrides) are written as visible escapes (\e, \x07, \u202E) so nothing the input
/// holds can move the cursor, retitle the window or hide text. Every error renderer goes through here.
/// </summary>
public static class SafeText
{
    /// <summary>The longest piece of a bad line or value a message quotes.</summary>
    public const int ExcerptLength = 40;

    public static string Escape(string text)
    {
        int first = 0;
        while (first < text.Length && !NeedsEscape(text[first])) first++;
        if (first == text.Length) return text;
        var sb = new StringBuilder(text.Length + 8);
        sb.Append(text, 0, first);
        for (int i = first; i < text.Length; i++)
        {
            char c = text[i];
            if (!NeedsEscape(c)) { sb.Append(c); continue; }
            sb.Append(c switch
            {
                '\x1b' => "\\e",
                '\t' => "\\t",
                '\n' => "\\n",
                '\r' => "\\r",
                < '\x100' => $"\\x{(int)c:x2}",
                _ => $"\\u{(int)c:X4}",
            });
        }
        return sb.ToString();
    }

    /// <summary>At most <see cref="ExcerptLength"/> characters of <paramref name="text"/>, escaped, "..." when cut.</summary>
    public static string Excerpt(string text, int max = ExcerptLength)
    {
        bool cut = text.Length > max;
        var head = cut ? text[..(max - 3)] : text;
        if (cut && head.Length > 0 && char.IsHighSurrogate(head[^1])) head = head[..^1];
        return Escape(head) + (cut ? "..." : "");
    }

    static bool NeedsEscape(char c) =>
        char.IsControl(c) // C0, DEL, C1 (0x80-0x9F: 0x9B is CSI, 0x9D is OSC on some terminals)
        || c is '\u2028' or '\u2029' // line and paragraph separators
        || c is >= '\u202A' and <= '\u202E' || c is >= '\u2066' and <= '\u2069' || c is '\u200E' or '\u200F' || c == '\u061C'; // bidi controls
}
