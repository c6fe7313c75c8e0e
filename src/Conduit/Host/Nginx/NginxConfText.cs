using System.Text;

namespace Conduit.Host.Nginx;

/// <summary>One directive of an nginx config: name, arguments, enclosing block, where its text is.</summary>
public sealed record NginxDirective(string Name, IReadOnlyList<string> Args, string Parent, int Start, int End, bool IsBlock)
{
    /// <summary>For a block, the offset just after its '{'.</summary>
    public int BodyStart => End;
}

/// <summary>
/// A just-enough nginx config reader: directives with their block and byte positions, so the tool can change
/// one directive or insert one line without rewriting (or reformatting) the user's nginx.conf.
/// </summary>
public static class NginxConfText
{
    public static List<NginxDirective> Parse(string text)
    {
        var result = new List<NginxDirective>();
        var stack = new Stack<string>();
        var words = new List<string>();
        int start = -1;
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c == '#')
            {
                while (i < text.Length && text[i] != '\n') i++;
                continue;
            }
            if (c == ';' || c == '{')
            {
                if (words.Count > 0)
                    result.Add(new NginxDirective(words[0], words.Skip(1).ToArray(), stack.Count > 0 ? stack.Peek() : "", start, i + 1, c == '{'));
                if (c == '{') stack.Push(words.Count > 0 ? words[0] : "");
                words.Clear();
                start = -1;
                i++;
                continue;
            }
            if (c == '}')
            {
                if (stack.Count > 0) stack.Pop();
                words.Clear();
                start = -1;
                i++;
                continue;
            }
            if (start < 0) start = i;
            var word = new StringBuilder();
            if (c is '"' or '\'')
            {
                char quote = c;
                i++;
                while (i < text.Length && text[i] != quote)
                {
                    if (text[i] == '\\' && i + 1 < text.Length) i++;
                    word.Append(text[i++]);
                }
                i++;
            }
            else
            {
                while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not (';' or '{' or '}' or '#'))
                    word.Append(text[i++]);
            }
            words.Add(word.ToString());
        }
        return result;
    }

    /// <summary>Offset of the start of the line holding <paramref name="offset"/>.</summary>
    public static int LineStart(string text, int offset)
    {
        int i = text.LastIndexOf('\n', Math.Max(0, offset - 1));
        return i < 0 ? 0 : i + 1;
    }
}
