using System.Text.RegularExpressions;
using ConsoleAppFramework;

namespace Conduit.Cli;

/// <summary>One option of a command as its help lists it: every spelling, and whether a value follows.</summary>
internal sealed record OptionSpec(string[] Names, bool TakesValue, bool Required, string Description)
{
    public string Name => Names[^1];
}

/// <summary>One positional argument: its type as the help writes it (`int`, `string?`, `string[]`).</summary>
internal sealed record ArgumentSpec(string Type, string Description)
{
    public bool Variadic => Type.EndsWith("[]", StringComparison.Ordinal);
    /// <summary>Positional parameters with a default are nullable (a convention test keeps it so), so the type says it.</summary>
    public bool Required => !Variadic && !Type.EndsWith('?');
    public bool IsText => Type.StartsWith("string", StringComparison.Ordinal);
}

/// <summary>What one command accepts, read from the help ConsoleAppFramework generates for it.</summary>
internal sealed partial record CommandSpec(string Path, IReadOnlyList<ArgumentSpec> Arguments, IReadOnlyList<OptionSpec> Options)
{
    public OptionSpec? Option(string token)
    {
        foreach (var o in Options)
            foreach (var n in o.Names)
                if (string.Equals(n, token, StringComparison.OrdinalIgnoreCase)) return o;
        return null;
    }

    /// <summary>Parses "Usage: scale [arguments...]" ... "Arguments:" ... "Options:" of one command's help.</summary>
    public static CommandSpec FromHelp(string path, string help)
    {
        var arguments = new List<ArgumentSpec>();
        var options = new List<OptionSpec>();
        string section = "";
        foreach (var raw in help.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line is "Arguments:" or "Options:") { section = line; continue; }
            if (!line.StartsWith("  ", StringComparison.Ordinal)) { if (line.Length == 0) section = ""; continue; }
            if (section == "Arguments:" && ArgumentLine().Match(line) is { Success: true } a)
                arguments.Add(new ArgumentSpec(a.Groups[1].Value, a.Groups[2].Value.Trim()));
            else if (section == "Options:" && OptionLine().Match(line) is { Success: true } o)
            {
                var description = o.Groups[3].Value.Trim();
                bool required = description.EndsWith("[Required]", StringComparison.Ordinal);
                if (required) description = description[..^"[Required]".Length].TrimEnd();
                options.Add(new OptionSpec(o.Groups[1].Value.Split(", "), o.Groups[2].Success, required, description));
            }
        }
        return new CommandSpec(path, arguments, options);
    }

    [GeneratedRegex(@"^  \[\d+\] <([^>]+)>(.*)$")]
    private static partial Regex ArgumentLine();

    [GeneratedRegex(@"^  (-{1,2}[A-Za-z0-9][A-Za-z0-9-]*(?:, -{1,2}[A-Za-z0-9][A-Za-z0-9-]*)*)( <[^>]+>)?(.*)$")]
    private static partial Regex OptionLine();
}

/// <summary>
/// Reads the command line before ConsoleAppFramework dispatches it, and hands the framework only input it parses
/// as meant. The framework shows help and exits 0 on a missing argument or an unknown subcommand, takes a global
/// option only after the command, stops a params list at nothing (`geoip lookup 8.8.8.8 --json` looked up
/// "--json"), and has no `--opt=value`. Here: every mistake is one line and exit 2 (with "did you mean" for a
/// near miss), `--home` goes anywhere, `--opt=value` is split, and after `--` every word is a positional value
/// even when it starts with '-'. What each command accepts is taken from the framework's own generated help, so
/// there is no second list to keep in step.
/// </summary>
internal static partial class CommandLine
{
    public const string GlobalOption = "--home";

    /// <summary>Marks a positional value that starts with '-' so the framework does not read it as an option
    /// (argv never holds NUL); <see cref="VerbatimAttribute"/> takes it off again.</summary>
    public const char Escape = '\0';

    /// <summary>
    /// Returns the arguments to run, in the framework's canonical form: command path, --home, options, then
    /// positionals. <paramref name="help"/> renders the framework's help for a command path ([] = top level).
    /// Throws <see cref="UsageException"/> for anything the command does not accept.
    /// </summary>
    public static string[] Normalize(string[] args, Func<string[], string> help)
    {
        if (args.Length == 0) return args;
        var paths = CommandPaths(help([]));
        string? home = null;
        int i = 0;
        // Before the command: --home and the top-level flags only.
        var leading = new List<string>();
        for (; i < args.Length && args[i].StartsWith('-') && args[i] != "--"; i++)
        {
            var (name, inline) = SplitInline(args[i]);
            if (string.Equals(name, GlobalOption, StringComparison.OrdinalIgnoreCase))
            {
                home = inline ?? (i + 1 < args.Length ? args[++i] : throw new UsageException($"{GlobalOption} needs a value (the install root)"));
                continue;
            }
            if (inline is null && name is "-h" or "--help" or "--version") { leading.Add(name); continue; }
            throw new UsageException($"unknown option '{Shown(args[i])}'; run `conduit help` for the commands and their options");
        }
        if (i < args.Length && args[i] == "--") i++;
        if (i == args.Length)
        {
            if (leading.Count > 0) return [.. leading];
            throw new UsageException("no command given; run `conduit help` for the list");
        }
        if (leading.Count > 0) return [.. leading]; // `conduit --help status` asks for the tool's help

        var path = ResolvePath(args, ref i, paths);
        var spec = CommandSpec.FromHelp(path, help(path.Split(' ')));
        return Arguments(spec, args.AsSpan(i), home);
    }

    /// <summary>Finds the command path that starts at args[i] ("settings show"), advancing i past it.</summary>
    public static string ResolvePath(string[] args, ref int i, IReadOnlyCollection<string> paths)
    {
        var first = args[i];
        var top = paths.Select(p => p.Split(' ')[0]).Distinct().ToList();
        if (!top.Contains(first))
        {
            var near = Nearest(first, top);
            throw new UsageException(near is null
                ? $"unknown command '{Shown(first)}'; run `conduit help` for the list"
                : $"unknown command '{Shown(first)}'; did you mean '{near}'?");
        }
        i++;
        var subcommands = paths.Where(p => p.StartsWith(first + " ", StringComparison.Ordinal)).Select(p => p[(first.Length + 1)..]).ToList();
        if (subcommands.Count == 0) return first;
        bool runsAlone = paths.Contains(first);
        if (i < args.Length && subcommands.Contains(args[i])) return $"{first} {args[i++]}";
        if (runsAlone) return first;
        var list = string.Join(", ", subcommands);
        if (i == args.Length || args[i].StartsWith('-'))
        {
            if (i < args.Length && args[i] is "-h" or "--help") return first; // the framework lists the group
            throw new UsageException($"{first}: which one? {list} (see `conduit help`)");
        }
        var nearSub = Nearest(args[i], subcommands);
        throw new UsageException(nearSub is null
            ? $"unknown command '{first} {Shown(args[i])}'; {first} has: {list}"
            : $"unknown command '{first} {Shown(args[i])}'; did you mean '{first} {nearSub}'?");
    }

    static string[] Arguments(CommandSpec spec, ReadOnlySpan<string> rest, string? home)
    {
        var options = new List<string>();
        var positionals = new List<string>();
        var seen = new HashSet<OptionSpec>();
        bool escaped = false;
        for (int i = 0; i < rest.Length; i++)
        {
            var token = rest[i];
            if (escaped || !LooksLikeOption(token)) { positionals.Add(token); continue; }
            if (token == "--") { escaped = true; continue; }
            if (token is "-h" or "--help") return [.. spec.Path.Split(' '), "--help"];
            var (name, inline) = SplitInline(token);
            if (string.Equals(name, GlobalOption, StringComparison.OrdinalIgnoreCase))
            {
                home = inline ?? (i + 1 < rest.Length ? rest[++i] : throw new UsageException($"{GlobalOption} needs a value (the install root)"));
                continue;
            }
            var option = spec.Option(name);
            if (option is null)
            {
                if (spec.Arguments.Count == 0 && spec.Options.All(o => o.Name == GlobalOption))
                    throw new UsageException($"{spec.Path} takes no arguments, got '{Shown(token)}'");
                var near = Nearest(name, spec.Options.SelectMany(o => o.Names).Where(n => n.StartsWith("--", StringComparison.Ordinal) && n != GlobalOption).ToList());
                throw new UsageException($"{spec.Path}: unknown option '{Shown(name)}'" + (near is null ? $"; see `conduit {spec.Path} --help`" : $"; did you mean '{near}'?"));
            }
            seen.Add(option);
            if (!option.TakesValue)
            {
                if (inline is not null) throw new UsageException($"{spec.Path}: {option.Name} takes no value, got '{Shown(token)}'");
                options.Add(option.Name);
                continue;
            }
            string value = inline ?? (i + 1 < rest.Length ? rest[++i] : throw new UsageException($"{spec.Path}: {option.Name} needs a value ({option.Description})"));
            options.Add(option.Name);
            options.Add(value);
        }

        var result = new List<string>(spec.Path.Split(' '));
        if (home is not null) { result.Add(GlobalOption); result.Add(home); }
        result.AddRange(options);
        int slot = 0;
        foreach (var value in positionals)
        {
            var argument = slot < spec.Arguments.Count ? spec.Arguments[slot] : null;
            if (argument is null)
            {
                if (spec.Arguments.Count == 0 && spec.Options.All(o => o.Name == GlobalOption))
                    throw new UsageException($"{spec.Path} takes no arguments, got '{Shown(value)}'");
                throw new UsageException($"{spec.Path}: unexpected argument '{Shown(value)}'; see `conduit {spec.Path} --help`");
            }
            if (!argument.Variadic) slot++;
            if (!argument.Variadic && LooksLikeOption(value))
            {
                if (!argument.IsText) throw new UsageException($"{spec.Path}: '{Shown(value)}' is not a valid {argument.Type.TrimEnd('?')}");
                result.Add(Escape + value);
            }
            else result.Add(value);
        }
        for (int s = slot; s < spec.Arguments.Count; s++)
            if (spec.Arguments[s].Required)
                throw new UsageException($"{spec.Path}: missing the {spec.Arguments[s].Description}; see `conduit {spec.Path} --help`");
        foreach (var option in spec.Options)
            if (option.Required && !seen.Contains(option))
                throw new UsageException($"{spec.Path}: {option.Name} is required ({option.Description})");
        return [.. result];
    }

    /// <summary>What the framework reads as an option: '-' then anything but a digit ("-1" is a value).</summary>
    static bool LooksLikeOption(string token) => token.Length > 1 && token[0] == '-' && !char.IsAsciiDigit(token[1]);

    static (string Name, string? Value) SplitInline(string token)
    {
        int eq = token.IndexOf('=');
        return eq > 1 && token[0] == '-' ? (token[..eq], token[(eq + 1)..]) : (token, null);
    }

    /// <summary>Command paths from the top-level help's "Commands:" list.</summary>
    public static IReadOnlyCollection<string> CommandPaths(string topHelp)
    {
        var paths = new List<string>();
        bool inList = false;
        foreach (var raw in topHelp.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line == "Commands:") { inList = true; continue; }
            if (inList && CommandLineEntry().Match(line) is { Success: true } m) paths.Add(m.Groups[1].Value);
        }
        return paths;
    }

    [GeneratedRegex(@"^  (\S+(?: \S+)?)(?:\s{2,}|$)")]
    private static partial Regex CommandLineEntry();

    /// <summary>The candidates within a small edit distance of <paramref name="typed"/>, the closest ones, as
    /// "'a'" or "'a' or 'b'"; null when none is close.</summary>
    public static string? Nearest(string typed, IEnumerable<string> candidates)
    {
        int limit = typed.TrimStart('-').Length <= 4 ? 1 : 2;
        var best = new List<string>();
        int bestDistance = int.MaxValue;
        foreach (var c in candidates)
        {
            int d = EditDistance(typed, c);
            if (d < bestDistance) { best.Clear(); bestDistance = d; }
            if (d == bestDistance && !best.Contains(c)) best.Add(c);
        }
        return bestDistance <= limit && best.Count is > 0 and <= 3 ? string.Join("' or '", best) : null;
    }

    /// <summary>Levenshtein distance, an adjacent swap counting one ("sotp" is one from "stop").</summary>
    public static int EditDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }

    /// <summary>User text inside a message: escaped and cut short (it may hold control characters).</summary>
    static string Shown(string text) => SafeText.Excerpt(text);
}

/// <summary>A positional text value, exactly as typed: also one that starts with '-' (given after `--`). Every
/// string positional carries it (a convention test keeps it so).</summary>
[AttributeUsage(AttributeTargets.Parameter)]
internal sealed class VerbatimAttribute : Attribute, IArgumentParser<string>
{
    public static bool TryParse(ReadOnlySpan<char> s, out string result)
    {
        result = s.Length > 0 && s[0] == CommandLine.Escape ? s[1..].ToString() : s.ToString();
        return true;
    }
}
