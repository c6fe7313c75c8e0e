using System.Text;
using Conduit.Platform;

namespace Conduit.Settings;

/// <summary>
/// The old bash manager's settings.conf, parsed as data (never sourced or executed). Keeps every line as it
/// was, so a rewrite changes only the lines whose values changed and keeps comments and unknown keys.
/// Accepted syntax: blank lines, <c># comments</c>, optional <c>export</c>, <c>KEY=value</c> with the value
/// unquoted, 'single quoted' (literal) or "double quoted" (backslash escapes), and a trailing <c># comment</c>.
/// Anything a shell would expand ($VAR, $(...), `...`) outside single quotes is refused, not guessed at.
/// </summary>
public sealed class SettingsFile
{
    readonly List<Line> _lines;
    readonly string _newline;
    readonly bool _bom;

    SettingsFile(string path, List<Line> lines, string newline, bool bom)
    {
        Path = path;
        _lines = lines;
        _newline = newline;
        _bom = bom;
    }

    public string Path { get; }

    /// <summary>The assignments in file order.</summary>
    public IEnumerable<(string Key, string Value, int LineNumber)> Entries =>
        _lines.Where(l => l.Key is not null).Select(l => (l.Key!, l.Value!, l.Number));

    public string? Get(string key) => _lines.FirstOrDefault(l => l.Key == key)?.Value;

    public bool Contains(string key) => _lines.Any(l => l.Key == key);

    /// <summary>Sets a value in place (same line, same quoting when possible) or appends it.</summary>
    public void Set(string key, string value)
    {
        var line = _lines.FirstOrDefault(l => l.Key == key);
        if (line is null)
        {
            _lines.Add(new Line(_lines.Count + 1, $"{key}={Quote(value)}", key, value));
            return;
        }
        line.Value = value;
        line.Text = line.Prefix + key + "=" + Quote(value) + line.Suffix;
    }

    public bool Remove(string key) => _lines.RemoveAll(l => l.Key == key) > 0;

    public static SettingsFile Empty(string path) => new(path, [], "\n", bom: false);

    /// <summary>settings.conf is a few kilobytes; anything above this is not one.</summary>
    public const int MaxBytes = 1024 * 1024;

    /// <summary>Reads and parses the file; a missing file is an empty document. Only a regular file of at most
    /// <see cref="MaxBytes"/> is read: a directory, FIFO or device there (a link to /dev/zero) is an error saying so.</summary>
    public static SettingsFile Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = RegularFile.ReadAll(path, MaxBytes, "settings.conf");
        }
        catch (FileNotFoundException)
        {
            return Empty(path);
        }
        catch (UnauthorizedAccessException)
        {
            throw new ConduitException($"{path}: permission denied (run as root?)");
        }
        return Parse(path, bytes);
    }

    public static SettingsFile Parse(string path, ReadOnlySpan<byte> bytes)
    {
        bool bom = bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]);
        if (bom) bytes = bytes[3..];
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new UsageException($"{path}: not valid UTF-8 text");
        }
        if (text.Contains('\0'))
            throw new UsageException($"{path}: contains NUL bytes; this is not a settings file");

        string newline = text.Contains("\r\n") ? "\r\n" : "\n";
        var rawLines = text.Split('\n');
        // A trailing newline yields one empty last element that is not a line of the file.
        int count = rawLines.Length > 0 && rawLines[^1].Length == 0 ? rawLines.Length - 1 : rawLines.Length;
        var lines = new List<Line>(count);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            var raw = rawLines[i].EndsWith('\r') ? rawLines[i][..^1] : rawLines[i];
            var line = ParseLine(path, i + 1, raw);
            if (line.Key is not null)
            {
                if (seen.TryGetValue(line.Key, out var first))
                    throw new UsageException(
                        $"{path}:{i + 1}: {line.Key} is set twice (also on line {first}); keep one of them");
                seen[line.Key] = i + 1;
            }
            lines.Add(line);
        }
        return new SettingsFile(path, lines, newline, bom);
    }

    static Line ParseLine(string path, int number, string raw)
    {
        var span = raw.AsSpan();
        int pos = 0;
        while (pos < span.Length && (span[pos] == ' ' || span[pos] == '\t')) pos++;
        if (pos == span.Length || span[pos] == '#') return new Line(number, raw, null, null);

        if (span[pos..].StartsWith("export ") || span[pos..].StartsWith("export\t"))
        {
            pos += 7;
            while (pos < span.Length && (span[pos] == ' ' || span[pos] == '\t')) pos++;
        }
        int keyStart = pos;
        while (pos < span.Length && (char.IsAsciiLetterOrDigit(span[pos]) || span[pos] == '_')) pos++;
        var key = raw[keyStart..pos];
        if (key.Length == 0 || char.IsAsciiDigit(key[0]) || pos >= span.Length || span[pos] != '=')
            throw new UsageException($"{path}:{number}: expected KEY=value, found \"{Quoted(raw)}\"");
        string prefix = raw[..keyStart];
        pos++; // '='

        var value = new StringBuilder();
        while (pos < span.Length && span[pos] != ' ' && span[pos] != '\t')
        {
            char c = span[pos];
            if (c == '\'')
            {
                int end = raw.IndexOf('\'', pos + 1);
                if (end < 0) throw new UsageException($"{path}:{number}: {key}: unterminated single quote");
                value.Append(raw, pos + 1, end - pos - 1);
                pos = end + 1;
            }
            else if (c == '"')
            {
                pos++;
                bool closed = false;
                while (pos < span.Length)
                {
                    char d = span[pos];
                    if (d == '"') { closed = true; pos++; break; }
                    if (d == '\\' && pos + 1 < span.Length && span[pos + 1] is '"' or '\\' or '$' or '`')
                    {
                        value.Append(span[pos + 1]);
                        pos += 2;
                        continue;
                    }
                    if (d == '$' || d == '`') throw Expansion(path, number, key);
                    value.Append(d);
                    pos++;
                }
                if (!closed) throw new UsageException($"{path}:{number}: {key}: unterminated double quote");
            }
            else if (c == '\\' && pos + 1 < span.Length)
            {
                value.Append(span[pos + 1]);
                pos += 2;
            }
            else if (c == '$' || c == '`')
            {
                throw Expansion(path, number, key);
            }
            else if (c is ';' or '&' or '|' or '<' or '>' or '(' or ')')
            {
                throw new UsageException(
                    $"{path}:{number}: {key}: shell syntax '{c}' in a value is not allowed; quote the value");
            }
            else
            {
                value.Append(c);
                pos++;
            }
        }
        int suffixStart = pos;
        while (pos < span.Length && (span[pos] == ' ' || span[pos] == '\t')) pos++;
        if (pos < span.Length && span[pos] != '#')
            throw new UsageException(
                $"{path}:{number}: {key}: unexpected text after the value; quote values that contain spaces");
        return new Line(number, raw, key, value.ToString()) { Prefix = prefix, Suffix = raw[suffixStart..] };
    }

    static UsageException Expansion(string path, int number, string key) =>
        new($"{path}:{number}: {key}: shell expansion ($, `) is not allowed in settings; use single quotes for a literal value");

    /// <summary>What an unparsable line is quoted as: its start up to the first character that could begin a value
    /// (so `root:$y$...` from a file linked to /etc/shadow shows as "root..."), at most a short excerpt, and
    /// "KEY ***" when the line starts with a secret key (TELEGRAM_BOT_TOKEN 123456:SECRET lacks its '=').</summary>
    static string Quoted(string raw)
    {
        var line = raw.TrimStart(' ', '\t');
        int word = 0;
        while (word < line.Length && (char.IsAsciiLetterOrDigit(line[word]) || line[word] == '_')) word++;
        if (word > 0 && SettingsSchema.TryResolve(line[..word], out var def, out _) && def.Secret && word < line.Length)
            return line[..word] + " ***";
        // Only letters, digits and a little punctuation are shown: nothing that needs escaping, nothing of a value.
        int plain = 0;
        while (plain < line.Length && plain < SafeText.ExcerptLength
               && (char.IsAsciiLetterOrDigit(line[plain]) || line[plain] is '_' or ' ' or '-' or '.')) plain++;
        return plain == line.Length ? line : line[..plain].TrimEnd() + "...";
    }

    /// <summary>Quotes a value the way the old tool wrote them, so bash can still read the file.</summary>
    public static string Quote(string value)
    {
        if (value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '/' or ':' or '+' or ',' or '@'))
            return value;
        return "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("$", "\\$").Replace("`", "\\`") + "\"";
    }

    public string Render()
    {
        var sb = new StringBuilder();
        foreach (var line in _lines) sb.Append(line.Text).Append(_newline);
        return sb.ToString();
    }

    /// <summary>Writes the document atomically with mode 0600. A settings.conf that is a symbolic link (kept in a
    /// config repository, say) stays one: the file it points to is replaced, not the link.</summary>
    public void Save()
    {
        var text = Render();
        var bytes = Encoding.UTF8.GetBytes(text);
        if (_bom) bytes = [0xEF, 0xBB, 0xBF, .. bytes];
        var file = new FileInfo(Path);
        var target = file.LinkTarget is null ? Path : file.ResolveLinkTarget(returnFinalTarget: true)!.FullName;
        AtomicFile.WriteAllBytes(target, bytes, AtomicFile.Private);
    }

    sealed class Line(int number, string text, string? key, string? value)
    {
        public int Number { get; } = number;
        public string Text { get; set; } = text;
        public string? Key { get; } = key;
        public string? Value { get; set; } = value;
        public string Prefix { get; init; } = "";
        public string Suffix { get; init; } = "";
    }
}
