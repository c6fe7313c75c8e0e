using System.Globalization;
using Conduit.Platform;
using Conduit.Settings;

namespace Conduit.Cluster;

/// <summary>
/// The check every start path runs first (CLI, menu, Telegram, boot): nodes stay down while the data cap says
/// so. The data cap job (another capability) raises the flag file; this only reads it.
/// </summary>
public static class StartGuard
{
    public static string DataCapFlag(ConduitPaths paths) => Path.Combine(paths.StateDir, "data_cap_exceeded");

    /// <summary>Null when starting is allowed, else why not.</summary>
    public static string? Refusal(ConduitSettings settings, ConduitPaths paths)
    {
        if (settings.DataCapGb <= 0) return null;
        var flag = DataCapFlag(paths);
        if (!File.Exists(flag)) return null;
        return $"data cap of {settings.DataCapGb.ToString("0.##", CultureInfo.InvariantCulture)} GB reached ({flag}): " +
               "nodes stay stopped until the cap resets or DATA_CAP_GB is raised";
    }

    public static void EnsureStartAllowed(ConduitSettings settings, ConduitPaths paths)
    {
        if (Refusal(settings, paths) is string why) throw new ConduitException($"refusing to start: {why}");
    }
}
