using System.Globalization;
using Conduit.Platform;
using Conduit.Settings;

namespace Conduit.Cluster;

/// <summary>
/// Reduced node limits while the data cap is near its limit: half the clients (at least 1), bandwidth per client at
/// most <see cref="BandwidthMbps"/>. Every spec built while it is in force carries it, so the spec hash changes and
/// the start path recreates the nodes with it (and again without it once it is lifted).
/// </summary>
public sealed record NodeThrottle(double BandwidthMbps)
{
    public ContainerSettings Apply(ContainerSettings node) => node with
    {
        MaxClients = Math.Max(1, node.MaxClients / 2),
        Bandwidth = node.Bandwidth < 0 ? BandwidthMbps : Math.Min(node.Bandwidth, BandwidthMbps),
    };
}

/// <summary>
/// The check every start path runs first (CLI, menu, Telegram, boot): nodes stay down while the data cap says
/// so. The data cap job (Conduit.DataCap) raises the flag file and writes the throttle file; this only reads them.
/// </summary>
public static class StartGuard
{
    public static string DataCapFlag(ConduitPaths paths) => Path.Combine(paths.StateDir, "data_cap_exceeded");

    /// <summary>Present while the data cap throttles the nodes; holds the bandwidth cap in Mbps.</summary>
    public static string ThrottleFile(ConduitPaths paths) => Path.Combine(paths.StateDir, "data_cap_throttled");

    /// <summary>Null when starting is allowed, else why not (with when the cap resets, which the flag file holds).</summary>
    public static string? Refusal(ConduitSettings settings, ConduitPaths paths)
    {
        if (settings.DataCapGb <= 0) return null;
        var flag = DataCapFlag(paths);
        if (!File.Exists(flag)) return null;
        string when;
        try { when = File.ReadAllText(flag).Trim(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { when = ""; }
        if (when.Length == 0 || when.Length > 200 || when.Any(char.IsControl)) when = "the cap resets";
        return $"data cap of {settings.DataCapGb.ToString("0.##", CultureInfo.InvariantCulture)} GB reached ({flag}): " +
               $"nodes stay stopped until {when} or DATA_CAP_GB is raised (`conduit cap show`)";
    }

    public static void EnsureStartAllowed(ConduitSettings settings, ConduitPaths paths)
    {
        if (Refusal(settings, paths) is string why) throw new ConduitException($"refusing to start: {why}");
    }

    /// <summary>The throttle in force, or null (no cap, no file, or a file that does not hold a number).</summary>
    public static NodeThrottle? Throttle(ConduitSettings settings, ConduitPaths paths)
    {
        if (settings.DataCapGb <= 0) return null;
        var file = ThrottleFile(paths);
        if (!File.Exists(file)) return null;
        try
        {
            return double.TryParse(File.ReadAllText(file).Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var mbps) && mbps >= 1
                ? new NodeThrottle(mbps)
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
