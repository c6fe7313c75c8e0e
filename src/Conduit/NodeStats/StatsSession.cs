using Conduit.Cluster;
using Conduit.Settings;

namespace Conduit.NodeStats;

/// <summary>A snapshot collector over the real engine, nodes, host and tracker, as every view needs it (the
/// CLI's views and the menu's live screens).</summary>
internal static class StatsSession
{
    /// <param name="notice">told when the saved node counters were unreadable (kept aside, totals count from now)</param>
    public static async Task WithCollectorAsync(ConduitPaths paths, Func<SnapshotCollector, DockerNodeSource, Task> work, CancellationToken ct, Action<string>? notice = null)
    {
        var settings = ConduitSettings.Load(paths.SettingsFile);
        using var http = NodeScraper.CreateClient(TimeSpan.FromSeconds(2));
        await DockerEngine.RunAsync(async engine =>
        {
            var source = new DockerNodeSource(engine, new ClusterOperations(engine, settings, paths));
            var baselines = CounterBaselines.Load(paths.StateDir);
            if (baselines.Problem is { } problem) notice?.Invoke(problem);
            var collector = new SnapshotCollector(source, settings, baselines,
                new HostResources(), http, TrackerAddress(settings), () => DateTimeOffset.UtcNow, () => BalancerState(paths, settings),
                () => new DataCap.DataCapOperations(paths, DataCap.CapClock.From(Environment.GetEnvironmentVariable)).ViewState());
            await work(collector, source);
            return 0;
        }, ct);
    }

    /// <summary>The nginx layer in bridge mode: running, its config current, how many backends.</summary>
    static string BalancerState(ConduitPaths paths, ConduitSettings settings)
    {
        try { return ReadBalancerState(paths, settings); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return $"state unknown ({e.Message})";
        }
    }

    static string ReadBalancerState(ConduitPaths paths, ConduitSettings settings)
    {
        var layer = new Host.Nginx.NginxLayer(paths, settings);
        var running = layer.Host.RunningPid() is int pid ? $"nginx running (pid {pid})" : "nginx NOT running";
        var file = layer.Host.StreamFile;
        var config = !File.Exists(file) ? "config not installed (`conduit nginx apply`)"
            : File.ReadAllText(file) == layer.Balancer.StreamConfig() ? "config up to date" : "config differs from the settings (`conduit nginx apply`)";
        return $"{running}, {config}, {layer.Balancer.Containers} backends";
    }

    static string TrackerAddress(ConduitSettings settings) => settings["TRACK_STATUS_ADDR"];

    /// <summary>Country names: the tracker's when it runs, else the ISO 3166 table in the binary.</summary>
    public static Func<string, string> CountryNames(ClusterStatsSnapshot s)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var c in s.Tracker.Countries) names[c.Code] = c.Name;
        return code => names.TryGetValue(code, out var name) ? name
            : Tracking.Geo.Countries.IsKnownCode(code) ? Tracking.Geo.Countries.Name(Tracking.Geo.Countries.Id(code)) : code;
    }

}
