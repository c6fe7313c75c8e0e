using System.Reflection;

namespace Conduit.Tracking.Geo;

/// <summary>
/// Countries as small integers so per-country counters are a flat array: AA..ZZ map to 0..675, then two
/// buckets that are not countries: unknown (`??`, not in the database) and reserved (private, loopback,
/// link-local, CGNAT, multicast, documentation ranges).
/// </summary>
public static class Countries
{
    public const int Unknown = 26 * 26;
    public const int Reserved = Unknown + 1;
    public const int Count = Reserved + 1;

    public const string UnknownCode = "??";
    public const string ReservedCode = "--";

    static readonly string[] Codes = BuildCodes();
    static readonly string?[] Names = LoadNames();

    /// <summary>The id of a two-letter code (case-insensitive); <see cref="Unknown"/> for anything else.</summary>
    public static int Id(ReadOnlySpan<char> code)
    {
        if (code.Length != 2) return Unknown;
        int a = char.ToUpperInvariant(code[0]) - 'A', b = char.ToUpperInvariant(code[1]) - 'A';
        return a is >= 0 and < 26 && b is >= 0 and < 26 ? a * 26 + b : Unknown;
    }

    public static string Code(int id) => Codes[id];

    /// <summary>The ISO 3166 short name; the code itself for user-assigned codes the table lacks.</summary>
    public static string Name(int id) => id switch
    {
        Unknown => "Unknown",
        Reserved => "Local/reserved",
        _ => Names[id] ?? Codes[id],
    };

    public static bool IsKnownCode(string code) => Id(code) is var id && id < Unknown && Names[id] is not null;

    static string[] BuildCodes()
    {
        var codes = new string[Count];
        for (int i = 0; i < Unknown; i++) codes[i] = string.Create(2, i, (s, v) => { s[0] = (char)('A' + v / 26); s[1] = (char)('A' + v % 26); });
        codes[Unknown] = UnknownCode;
        codes[Reserved] = ReservedCode;
        return codes;
    }

    static string?[] LoadNames()
    {
        var names = new string?[Count];
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("conduit.geo.iso3166.txt")
            ?? throw new InvalidOperationException("the ISO 3166 table is missing from the binary");
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length < 4 || line[0] == '#' || line[2] != '|') continue;
            int id = Id(line.AsSpan(0, 2));
            if (id < Unknown) names[id] = line[3..];
        }
        return names;
    }
}
