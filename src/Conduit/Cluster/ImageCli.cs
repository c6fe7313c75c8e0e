using System.Text.RegularExpressions;
using Conduit.Settings;

namespace Conduit.Cluster;

/// <summary>Which flag generation a node image's CLI speaks.</summary>
public enum NodeCliGeneration { V1, V2 }

/// <summary>
/// What the configured image's `conduit start` accepts, read from its `start --help` (<see cref="FromHelp"/>) or,
/// when the help names neither flag generation, taken from NODE_FLAGS (<see cref="FromSettings"/>).
/// </summary>
public sealed partial record ImageCli(string Image, NodeCliGeneration Generation, bool Personal, bool Set, bool Detected)
{
    /// <summary>From NODE_FLAGS: 2 assumes the full 2.x flag set, 1 the 1.x one.</summary>
    public static ImageCli FromSettings(ConduitSettings settings) =>
        settings.NodeFlags == 1
            ? new(settings.Image, NodeCliGeneration.V1, Personal: false, Set: false, Detected: false)
            : new(settings.Image, NodeCliGeneration.V2, Personal: true, Set: true, Detected: false);

    /// <summary>The long flags a help text lists.</summary>
    public static IReadOnlySet<string> Flags(string help) =>
        LongFlag().Matches(help).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

    /// <summary>Null when the help names neither --max-common-clients (2.x) nor --max-clients (1.x).</summary>
    public static ImageCli? FromHelp(string image, string help)
    {
        var flags = Flags(help);
        if (flags.Contains("max-common-clients"))
            return new(image, NodeCliGeneration.V2,
                Personal: flags.Contains("max-personal-clients") && flags.Contains("compartment-id"),
                Set: flags.Contains("set"), Detected: true);
        if (flags.Contains("max-clients"))
            return new(image, NodeCliGeneration.V1, Personal: false, Set: false, Detected: true);
        return null;
    }

    /// <summary>"2.x (personal clients, --set)" for status and errors.</summary>
    public string Describe()
    {
        var what = Generation == NodeCliGeneration.V1 ? "1.x (--max-clients, --stats-file)"
            : "2.x (--max-common-clients" + (Personal ? ", personal clients" : "") + (Set ? ", --set" : "") + ")";
        return what + (Detected ? ", detected from its start --help" : ", from NODE_FLAGS (its start --help names neither flag set)");
    }

    [GeneratedRegex(@"(?<![A-Za-z0-9-])--([a-z0-9][a-z0-9-]*)")]
    private static partial Regex LongFlag();
}
