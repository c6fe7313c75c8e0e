using System.Text;

namespace Conduit.Menu;

/// <summary>One entry of a menu: the key shown beside it and what it says.</summary>
internal sealed record MenuEntry(char Key, string Label, Func<Task>? Run = null);

/// <summary>
/// A menu screen as data: title, lines above the entries (status, a table), the entries, a footer. Rendering is
/// a pure function of it and the terminal size, so every screen can be compared with an expected text file.
/// </summary>
internal sealed record MenuPage(string Title, IReadOnlyList<string> Header, IReadOnlyList<MenuEntry> Entries, string Footer = MenuPage.DefaultFooter)
{
    public const string DefaultFooter = "key or arrows+Enter to choose · Esc/0 back · q quit";

    /// <summary>The screen as text lines (no trailing blanks), at most <paramref name="rows"/> lines of at most
    /// <paramref name="columns"/> characters; the selected entry is marked with '>' (and reverse video in colour).</summary>
    public string Render(int columns, int rows, int selected, bool color)
    {
        var rule = new string('─', Math.Min(columns, 78));
        // Entries first: one column, or two when they do not fit under the header; the header gets what is left.
        var room = rows - 4;
        var twoColumns = Entries.Count > Math.Max(room - Header.Count - 1, 1) && columns >= 60;
        var perColumn = twoColumns ? (Entries.Count + 1) / 2 : Entries.Count;
        var width = twoColumns ? columns / 2 : columns;
        var entryLines = new string[perColumn];
        for (var i = 0; i < Entries.Count; i++)
        {
            var e = Entries[i];
            var plain = Fit($"{(i == selected ? ">" : " ")} [{e.Key}] {e.Label}", width - 1);
            var text = !color ? plain : i == selected ? $"\e[7m{plain}\e[0m" : plain.Replace($"[{e.Key}]", $"[\e[1;33m{e.Key}\e[0m]");
            var row = i % Math.Max(perColumn, 1);
            entryLines[row] = entryLines[row] is null ? text : entryLines[row] + new string(' ', Math.Max(0, width - Visible(entryLines[row]))) + text;
        }
        var headerRoom = Math.Max(room - perColumn - 1, 0);
        var header = Header.Select(h => Fit(h, columns)).ToList();
        if (header.Count > headerRoom)
        {
            var cut = header.Count - headerRoom + 1;
            header = [.. header.Take(Math.Max(headerRoom - 1, 0)), $"  … {cut} more lines (a larger window shows them)"];
        }
        var lines = new List<string> { Styled(Fit($" {Title}", columns), "1;36", color), rule };
        lines.AddRange(header);
        if (header.Count > 0) lines.Add("");
        lines.AddRange(entryLines.Select(l => l ?? ""));
        lines.Add(rule);
        lines.Add(Styled(Fit(Footer, columns), "2", color));
        return Join(lines);
    }

    /// <summary>A page of text (info pages, results): title, wrapped body from line <paramref name="top"/>, footer.</summary>
    public static string RenderText(string title, IReadOnlyList<string> body, int columns, int rows, int top, bool color, string footer)
    {
        var rule = new string('─', Math.Min(columns, 78));
        var room = rows - 4;
        var lines = new List<string> { Styled(Fit($" {title}", columns), "1;36", color), rule };
        lines.AddRange(body.Skip(top).Take(room).Select(l => Fit(l, columns)));
        lines.Add(rule);
        var more = body.Count > room ? $"lines {top + 1}-{Math.Min(top + room, body.Count)} of {body.Count}, arrows scroll · " : "";
        lines.Add(Styled(Fit(more + footer, columns), "2", color));
        return Join(lines);
    }

    public static string Join(IEnumerable<string> lines)
    {
        var sb = new StringBuilder();
        foreach (var l in lines) sb.Append(l.TrimEnd()).Append('\n');
        return sb.ToString();
    }

    public static string Fit(string text, int columns) => text.Length <= columns ? text : text[..Math.Max(columns - 1, 0)] + "…";

    static string Styled(string text, string sgr, bool color) => color && text.Length > 0 ? $"\e[{sgr}m{text}\e[0m" : text;

    static int Visible(string text)
    {
        int n = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\e') { while (i < text.Length && text[i] != 'm') i++; continue; }
            n++;
        }
        return n;
    }

    /// <summary>Word-wraps paragraphs (separated by blank lines; lines starting with "- " or two spaces keep their
    /// breaks) to <paramref name="columns"/>.</summary>
    public static List<string> Wrap(string text, int columns)
    {
        var result = new List<string>();
        foreach (var raw in text.Split('\n'))
        {
            var indent = raw.StartsWith("- ", StringComparison.Ordinal) ? "  " : raw.StartsWith("  ", StringComparison.Ordinal) ? "    " : "";
            var line = new StringBuilder();
            foreach (var word in raw.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (line.Length > 0 && line.Length + 1 + word.Length > columns)
                {
                    result.Add(line.ToString());
                    line.Clear().Append(indent);
                }
                if (line.Length > 0 && line.ToString() != indent) line.Append(' ');
                line.Append(word);
            }
            result.Add(line.ToString());
        }
        return result;
    }
}
