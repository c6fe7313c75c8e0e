using System.Globalization;
using Conduit.Cluster;
using Conduit.Host.Health;
using Conduit.NodeStats;
using Conduit.Platform;
using Conduit.Settings;

namespace Conduit.DataCap;

/// <summary>The cap as configured and as counted: what `cap show`, `status` and the reports print.</summary>
public sealed record CapStatus(
    bool Enabled,
    long CapBytes,
    long UsedBytes,
    CapLevel Applied,
    CapLevel Due,
    string Action,
    string Source,
    string? Interface,
    double ThrottleMbps,
    int ResetDay,
    DateTimeOffset? PeriodStart,
    DateTimeOffset? NextReset,
    int? DaysToReset,
    DateTimeOffset? LastReading)
{
    public double Percent => CapBytes > 0 ? 100.0 * UsedBytes / CapBytes : 0;
}

/// <summary>What one enforcement pass saw and did.</summary>
public sealed record CapCheckResult(CapStatus Status, IReadOnlyList<string> Events, IReadOnlyList<NodeOutcome> Nodes)
{
    public bool Failed => Nodes.Any(n => n.IsFailure);
}

/// <summary>
/// The data cap, for every front end (CLI, menu, Telegram) and the services: configure it, and
/// <see cref="CheckAsync"/>, one enforcement pass: read the counter, add its growth to the persisted usage, and act
/// on the nodes: at 90% (action throttle) recreate the running nodes with half the clients and
/// DATA_CAP_THROTTLE_MBPS per client, at 100% stop them and raise the flag every start path refuses on
/// (<see cref="StartGuard"/>); a new period (DATA_CAP_RESET_DAY) or a raised cap brings them back to their normal
/// spec. Keys and volumes are never touched: only the start path and stop are used.
/// </summary>
public sealed class DataCapOperations(ConduitPaths paths, Func<DateTimeOffset> now, string sysClassNet = "/sys/class/net", string procRoot = "/proc")
{
    public const double ThrottleShare = 0.9;
    static readonly int[] AlertThresholds = [80, 90, 100];
    static readonly TimeSpan LockWait = TimeSpan.FromSeconds(60);

    ConduitSettings LoadSettings() => ConduitSettings.Load(paths.SettingsFile);

    // ---------------- configuration ----------------

    /// <summary>
    /// Sets the cap (and optionally reset day, action, source). Every value is checked before anything is written;
    /// an existing count is kept (a changed reset day re-anchors the period, usage stays).
    /// </summary>
    public void Set(string size, int? resetDay, string? action, string? source, HostFacts host)
    {
        var gb = CapSize.ParseGb(size);
        if (resetDay is < 0 or > 28) throw new UsageException($"cap set: --reset-day must be 1-28 (the provider's billing day) or 0 for never, got {resetDay}");
        if (action is not (null or "throttle" or "stop")) throw new UsageException($"cap set: --action must be throttle or stop, got '{SafeText.Excerpt(action)}'");
        if (source is not (null or "interface" or "nodes")) throw new UsageException($"cap set: --source must be interface or nodes, got '{SafeText.Excerpt(source)}'");
        var before = LoadSettings(); // refuse to rewrite a broken file before the first key is written
        var values = new List<(string Key, string Value)> { ("DATA_CAP_GB", CapSize.Format(gb)) };
        if (resetDay is int d) values.Add(("DATA_CAP_RESET_DAY", d.ToString(CultureInfo.InvariantCulture)));
        if (action is not null) values.Add(("DATA_CAP_ACTION", action));
        if (source is not null) values.Add(("DATA_CAP_SOURCE", source));
        using var _ = Lock();
        foreach (var (key, value) in values) ConduitSettings.SetValue(paths.SettingsFile, key, value, null, host);
        if (resetDay is int day && day != int.Parse(before["DATA_CAP_RESET_DAY"], CultureInfo.InvariantCulture) && CapState.Load(paths) is { } state)
            (state with { PeriodStart = day > 0 ? CapPeriod.Start(now(), day) : now() }).Save(paths);
    }

    /// <summary>Starts a new count now (the nodes come back at the next pass, which the caller runs).</summary>
    public async Task ResetAsync(CancellationToken ct)
    {
        var settings = LoadSettings();
        if (settings.DataCapGb <= 0) throw new UsageException("cap reset: no data cap is set (`conduit cap set SIZE`)");
        using var _ = Lock();
        var (key, counter) = ReadCounter(settings);
        counter ??= await ReadNodesAsync(settings, ct);
        var at = now();
        var day = ResetDay(settings);
        var applied = CapState.Load(paths)?.Applied ?? CapLevel.Normal;
        new CapState(key, counter ?? 0, 0, day > 0 ? CapPeriod.Start(at, day) : at, applied, 0, at, ImportedLegacy: true).Save(paths);
    }

    /// <summary>Turns the cap off (DATA_CAP_GB=0); the next pass, which the caller runs, restores the nodes.</summary>
    public void Remove(HostFacts host)
    {
        using var _ = Lock();
        ConduitSettings.SetValue(paths.SettingsFile, "DATA_CAP_GB", "0", null, host);
    }

    // ---------------- status ----------------

    public CapStatus Status() => Status(LoadSettings(), CapState.Load(paths));

    CapStatus Status(ConduitSettings s, CapState? state)
    {
        var capBytes = CapSize.Bytes(s.DataCapGb);
        var day = ResetDay(s);
        var at = now();
        var used = state?.UsedBytes ?? 0;
        var next = state is null ? null : CapPeriod.NextReset(state.PeriodStart, at, day);
        int? days = next is { } n ? (int)Math.Ceiling(Math.Max(0, (n - at).TotalDays)) : null;
        return new CapStatus(capBytes > 0, capBytes, used, state?.Applied ?? CapLevel.Normal, Due(s, capBytes, used),
            s["DATA_CAP_ACTION"], s["DATA_CAP_SOURCE"], s["DATA_CAP_SOURCE"] == "interface" ? InterfaceName(s) : null,
            double.Parse(s["DATA_CAP_THROTTLE_MBPS"], CultureInfo.InvariantCulture), day, state?.PeriodStart, next, days, state?.Updated);
    }

    /// <summary>The persisted count as the status views show it; null when no count exists yet.</summary>
    internal DataCapState? ViewState()
    {
        var s = Status();
        if (!s.Enabled || s.LastReading is null) return null;
        return new DataCapState(s.CapBytes, s.UsedBytes, s.Source == "nodes" ? "the nodes' counters" : s.Interface,
            s.Applied.ToString().ToLowerInvariant(), s.NextReset, s.DaysToReset);
    }

    static CapLevel Due(ConduitSettings s, long capBytes, long used) =>
        capBytes <= 0 ? CapLevel.Normal
        : used >= capBytes ? CapLevel.Stopped
        : s["DATA_CAP_ACTION"] == "throttle" && used >= capBytes * ThrottleShare ? CapLevel.Throttled
        : CapLevel.Normal;

    static int ResetDay(ConduitSettings s) => int.Parse(s["DATA_CAP_RESET_DAY"], CultureInfo.InvariantCulture);

    string? InterfaceName(ConduitSettings s) =>
        s.IsSet("DATA_CAP_IFACE") ? s["DATA_CAP_IFACE"] : new HostResources(procRoot).DefaultInterface();

    // ---------------- enforcement ----------------

    /// <summary>
    /// One pass: read, persist (atomically, before acting), act. Docker is only contacted when the nodes source is
    /// read or the nodes must change (or stay stopped).
    /// </summary>
    public async Task<CapCheckResult> CheckAsync(IAlertNotifier notifier, CancellationToken ct)
    {
        using var _ = Lock();
        var settings = LoadSettings();
        var capBytes = CapSize.Bytes(settings.DataCapGb);
        var events = new List<string>();
        var state = CapState.Load(paths);
        if (capBytes <= 0)
        {
            // Off: undo whatever an earlier cap did, then forget the count.
            var nodes = state is { Applied: not CapLevel.Normal } ? await ApplyAsync(settings, state.Applied, CapLevel.Normal, events, ct) : [];
            ClearFiles();
            if (!nodes.Any(n => n.IsFailure)) Delete(CapState.PathIn(paths));
            return new CapCheckResult(Status(settings, null), events, nodes);
        }

        var at = now();
        var day = ResetDay(settings);
        var (key, counter) = ReadCounter(settings);
        var reading = counter ?? await ReadNodesAsync(settings, ct);
        if (state is null)
        {
            var imported = LegacyUsage(settings, key);
            state = new CapState(key, reading, imported, day > 0 ? CapPeriod.Start(at, day) : at, CapLevel.Normal, 0, at, ImportedLegacy: true);
            events.Add(imported > 0
                ? $"count started at {Units.Binary(imported)} (imported from DATA_CAP_PRIOR_USAGE and DATA_CAP_BASELINE_RX/TX)"
                : "count started");
        }
        else
        {
            if (day > 0 && state.PeriodStart < CapPeriod.Start(at, day))
            {
                var start = CapPeriod.Start(at, day);
                events.Add($"new period from {start:yyyy-MM-dd}: {Units.Binary(state.UsedBytes)} used in the last one; count restarted");
                // The counter's growth up to now belongs to the old period; the new one starts at this reading.
                state = state with { CounterKey = key, LastCounter = reading, UsedBytes = 0, PeriodStart = start, Alerted = 0, Updated = at };
            }
            else state = state.Advance(key, reading, at);
        }
        state.Save(paths);

        var percent = 100.0 * state.UsedBytes / capBytes;
        foreach (var t in AlertThresholds)
        {
            if (percent < t || state.Alerted >= t) continue;
            var level = t >= 100 ? HealthLevel.Fail : HealthLevel.Warn;
            notifier.Alert(level, "data cap", $"{t}% of the data cap used: {Units.Binary(state.UsedBytes)} of {Units.Binary(capBytes)}{ResetText(state, at, day)}");
            state = state with { Alerted = t };
        }

        var due = Due(settings, capBytes, state.UsedBytes);
        var outcomes = await ApplyAsync(settings, state.Applied, due, events, ct, CapPeriod.NextReset(state.PeriodStart, at, day));
        if (!outcomes.Any(n => n.IsFailure)) state = state with { Applied = due };
        state.Save(paths);
        return new CapCheckResult(Status(settings, state), events, outcomes);
    }

    /// <summary>" (resets 2026-12-05)" or " (no reset day: `conduit cap reset` starts a new count)".</summary>
    static string ResetText(CapState state, DateTimeOffset at, int day) =>
        CapPeriod.NextReset(state.PeriodStart, at, day) is { } next
            ? $" (resets {next:yyyy-MM-dd})"
            : " (no reset day: `conduit cap reset` starts a new count)";

    /// <summary>Moves the nodes from <paramref name="from"/> to <paramref name="to"/>; flag and throttle files first, so
    /// every start path already obeys while Docker works.</summary>
    async Task<IReadOnlyList<NodeOutcome>> ApplyAsync(ConduitSettings settings, CapLevel from, CapLevel to, List<string> events, CancellationToken ct, DateTimeOffset? next = null)
    {
        var flag = StartGuard.DataCapFlag(paths);
        var throttle = StartGuard.ThrottleFile(paths);
        switch (to)
        {
            case CapLevel.Stopped:
                // StartGuard puts this in its refusal: "nodes stay stopped until <this> or DATA_CAP_GB is raised".
                AtomicFile.WriteAllText(flag, next is { } n0 ? $"the cap resets on {n0:yyyy-MM-dd} (00:00 UTC)" : "`conduit cap reset` starts a new count", AtomicFile.Public);
                Delete(throttle);
                // Every pass while stopped: nodes started behind conduit's back (docker start) are stopped again.
                var stopped = await WithClusterAsync(settings, ops => ops.StopAsync(ct), ct);
                if (from != CapLevel.Stopped)
                    events.Add($"data cap reached: {Count(stopped, NodeAction.Stopped)} nodes stopped" + (next is { } n1 ? $" until {n1:yyyy-MM-dd}" : ""));
                else if (Count(stopped, NodeAction.Stopped) is > 0 and var n) events.Add($"{n} nodes started while the cap is reached were stopped again");
                return stopped.Nodes;
            case CapLevel.Throttled:
                AtomicFile.WriteAllText(throttle, settings["DATA_CAP_THROTTLE_MBPS"], AtomicFile.Public);
                Delete(flag);
                if (from == CapLevel.Throttled) return [];
                var throttled = await WithClusterAsync(settings, ops => from == CapLevel.Stopped ? ops.StartAsync(ct) : RecreateRunningAsync(ops, ct), ct);
                events.Add($"{ThrottleShare * 100:0}% of the data cap used: {Count(throttled, NodeAction.Recreated) + Count(throttled, NodeAction.Created)} nodes " +
                           $"{(from == CapLevel.Stopped ? "started" : "recreated")} with half the clients and {settings["DATA_CAP_THROTTLE_MBPS"]} Mbps per client");
                return throttled.Nodes;
            default:
                ClearFiles();
                if (from == CapLevel.Normal) return [];
                var restored = await WithClusterAsync(settings, ops => from == CapLevel.Stopped ? ops.StartAsync(ct) : RecreateRunningAsync(ops, ct), ct);
                events.Add($"nodes back to their normal spec: {restored.Nodes.Count(n => !n.IsFailure)} of {restored.Nodes.Count}");
                return restored.Nodes;
        }
    }

    /// <summary>Throttling must not start nodes the operator stopped: only running ones are recreated.</summary>
    static async Task<ClusterReport> RecreateRunningAsync(ClusterOperations ops, CancellationToken ct)
    {
        var snapshot = await ops.SnapshotAsync(ct);
        var running = snapshot.Containers.Where(c => c.Running && c.Index <= ops.Settings.ContainerCount).Select(c => c.Index).ToArray();
        return await ops.StartNodesAsync(running, restart: false, ct);
    }

    Task<ClusterReport> WithClusterAsync(ConduitSettings settings, Func<ClusterOperations, Task<ClusterReport>> work, CancellationToken ct) =>
        DockerEngine.RunAsync(engine => work(new ClusterOperations(engine, settings, paths)), ct);

    static int Count(ClusterReport r, NodeAction a) => r.Nodes.Count(n => n.Action == a);

    void ClearFiles()
    {
        Delete(StartGuard.DataCapFlag(paths));
        Delete(StartGuard.ThrottleFile(paths));
    }

    static void Delete(string path)
    {
        if (File.Exists(path)) File.Delete(path);
    }

    // ---------------- counters ----------------

    /// <summary>(what counter, its value): the interface's rx+tx now, or for the nodes source a null value that
    /// <see cref="ReadNodesAsync"/> fills (it needs Docker).</summary>
    (string Key, long? Value) ReadCounter(ConduitSettings settings)
    {
        if (settings["DATA_CAP_SOURCE"] == "nodes") return ("nodes", null);
        var iface = InterfaceName(settings)
            ?? throw new ConduitException("data cap: no default route, so no interface to count; set DATA_CAP_IFACE (`conduit settings set DATA_CAP_IFACE eth0`)");
        var dir = Path.Combine(sysClassNet, iface, "statistics");
        if (!Directory.Exists(dir))
            throw new ConduitException($"data cap: interface {iface} does not exist ({dir}); usage is unchanged. Set DATA_CAP_IFACE to the interface the provider bills");
        try
        {
            return ("interface:" + iface, ReadLong(Path.Combine(dir, "rx_bytes")) + ReadLong(Path.Combine(dir, "tx_bytes")));
        }
        catch (Exception e) when (e is IOException or FormatException or OverflowException)
        {
            throw new ConduitException($"data cap: cannot read the counters of {iface} ({e.Message}); usage is unchanged");
        }
    }

    static long ReadLong(string path) => long.Parse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture);

    async Task<long> ReadNodesAsync(ConduitSettings settings, CancellationToken ct)
    {
        using var http = NodeScraper.CreateClient(TimeSpan.FromSeconds(2));
        return await DockerEngine.RunAsync(engine =>
        {
            var source = new DockerNodeSource(engine, new ClusterOperations(engine, settings, paths));
            return SnapshotCollector.CumulativeBytesAsync(source, http, CounterBaselines.Load(paths.StateDir), ct);
        }, ct);
    }

    /// <summary>The old tool's count, v1's formula: (rx - baseline) + (tx - baseline) + prior usage, on the interface.</summary>
    long LegacyUsage(ConduitSettings s, string key)
    {
        long prior = long.Parse(s["DATA_CAP_PRIOR_USAGE"], CultureInfo.InvariantCulture);
        long brx = long.Parse(s["DATA_CAP_BASELINE_RX"], CultureInfo.InvariantCulture);
        long btx = long.Parse(s["DATA_CAP_BASELINE_TX"], CultureInfo.InvariantCulture);
        if (brx == 0 && btx == 0 || !key.StartsWith("interface:", StringComparison.Ordinal)) return prior;
        var dir = Path.Combine(sysClassNet, key["interface:".Length..], "statistics");
        long rx = ReadLong(Path.Combine(dir, "rx_bytes")), tx = ReadLong(Path.Combine(dir, "tx_bytes"));
        // A reboot since the old tool took its baseline leaves counters below it: only the prior usage is known.
        return prior + Math.Max(0, rx - brx) + Math.Max(0, tx - btx);
    }

    /// <summary>Passes never overlap (the timer's, a manual one, set/reset/remove): an exclusive lock on state/data_cap.lock.</summary>
    FileStream Lock()
    {
        Directory.CreateDirectory(paths.StateDir);
        var path = Path.Combine(paths.StateDir, "data_cap.lock");
        var deadline = DateTime.UtcNow + LockWait;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline && File.Exists(path))
            {
                Thread.Sleep(200);
            }
        }
    }
}
