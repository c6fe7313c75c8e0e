using Conduit.Platform;

namespace Conduit.Lifecycle;

/// <summary>Signs of the old bash manager at the install root: its script and its traffic statistics.</summary>
public sealed record LegacyInstall(string Evidence)
{
    public static LegacyInstall? Detect(ConduitPaths paths)
    {
        var script = Path.Combine(paths.Home, "conduit");
        if (File.Exists(script)) return new LegacyInstall($"script {script}");
        var stats = Path.Combine(paths.TrafficStatsDir, "cumulative_data");
        if (File.Exists(stats)) return new LegacyInstall($"traffic statistics {stats}");
        return null;
    }
}
