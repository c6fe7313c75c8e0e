using Conduit.Settings;

namespace Conduit.NodeStats;

/// <summary>A node container as the engine reports it: what the collector needs to read the node.</summary>
internal sealed record NodeTarget(
    int Index, string Name, string? ContainerId, string State, bool Running, DateTimeOffset? StartedAt, int Restarts,
    string? MetricsAddress, string? Problem, ContainerConfig? Config = null);

/// <summary>Cumulative CPU and memory of one container at one instant (Engine stats API, one-shot).</summary>
internal sealed record ContainerUsageSample(DateTimeOffset At, ulong CpuTotalNs, ulong SystemCpuNs, int OnlineCpus, long MemoryBytes, long? MemoryLimitBytes);

/// <summary>The seam to the container engine: list the nodes, sample their resource use, read their logs.</summary>
internal interface INodeSource
{
    Task<IReadOnlyList<NodeTarget>> ListAsync(CancellationToken ct);
    /// <summary>The containers the settings call for, by name, before listing (lets a first sample start early).</summary>
    IReadOnlyList<NodeTarget> Expected();
    Task<ContainerUsageSample?> UsageAsync(NodeTarget node, CancellationToken ct);
    /// <summary>The last <paramref name="lines"/> lines of the node's log (stdout and stderr), oldest first.</summary>
    Task<IReadOnlyList<string>> TailAsync(NodeTarget node, int lines, CancellationToken ct);
    /// <summary>The 1.x node's stats file content, or null when the node writes none.</summary>
    Task<byte[]?> StatsFileAsync(NodeTarget node, CancellationToken ct);
}

/// <summary>
/// Builds <see cref="ClusterStatsSnapshot"/>s: reads every node in parallel (metrics endpoint, else the last
/// [STATS] log line, else the 1.x stats file), container and host resource use, the tracker, the data cap,
/// and applies the restart-proof counter baselines. Keeps the previous samples so each refresh yields rates.
/// </summary>
internal sealed class SnapshotCollector(
    INodeSource source, ConduitSettings settings, CounterBaselines baselines, HostResources host, HttpClient http,
    string trackerAddress, Func<DateTimeOffset> clock, Func<string>? bridgeBalancer = null, Func<DataCapState?>? dataCap = null)
{
    /// <summary>Shortest window over which a first CPU figure is computed (a one-shot `status`).</summary>
    public static readonly TimeSpan MinimumSampleWindow = TimeSpan.FromMilliseconds(120);
    const int LogTailLines = 200;

    HostSample? _lastHost;
    Dictionary<string, ContainerUsageSample> _lastUsage = new(StringComparer.Ordinal);

    public async Task<ClusterStatsSnapshot> CollectAsync(CancellationToken ct)
    {
        var first = _lastHost is null;
        var hostBefore = _lastHost ?? host.Sample(clock());
        // A one-shot run takes its first resource sample (by expected name) while the cluster is being listed.
        var firstUsage = first ? SampleUsageAsync(source.Expected(), ct) : null;
        var nodes = await source.ListAsync(ct).ConfigureAwait(false);
        var readingsTask = Task.WhenAll(nodes.Select(n => ReadNodeAsync(n, ct)));
        var trackerTask = TrackerReader.ReadAsync(http, trackerAddress, ct);
        if (firstUsage is not null) _lastUsage = await firstUsage.ConfigureAwait(false);
        var readings = await readingsTask.ConfigureAwait(false);
        var tracker = await trackerTask.ConfigureAwait(false);

        // A one-shot run needs a measuring window for CPU and network rates; later refreshes use the last one.
        if (first && clock() - hostBefore.At is var elapsed && elapsed < MinimumSampleWindow)
            await Task.Delay(MinimumSampleWindow - elapsed, ct).ConfigureAwait(false);
        var hostNow = host.Sample(clock());
        var usageNow = await SampleUsageAsync(nodes, ct).ConfigureAwait(false);

        var containers = new List<ContainerStats>(nodes.Count);
        for (var i = 0; i < nodes.Count; i++)
        {
            var n = nodes[i];
            var (reading, problem) = readings[i];
            (long Up, long Down) bytes = n.Running && reading.BytesUp is { } up && reading.BytesDown is { } down
                ? baselines.Observe(n.Name, up, down, reading.UptimeSeconds)
                : baselines.Known(n.Name) ?? (0, 0);
            double? cpu = null;
            long? mem = null, memLimit = null;
            if (usageNow.TryGetValue(n.Name, out var u))
            {
                mem = u.MemoryBytes;
                memLimit = u.MemoryLimitBytes;
                if (_lastUsage.TryGetValue(n.Name, out var before)) cpu = CpuPercent(before, u);
            }
            containers.Add(new ContainerStats(n.Index, n.Name, n.State, n.Running, n.StartedAt, n.Restarts, reading,
                bytes.Up, bytes.Down, cpu, mem, memLimit, n.Problem ?? problem, n.Config));
        }
        var hostUsage = HostUsage.Between(hostBefore, hostNow);
        _lastHost = hostNow;
        _lastUsage = usageNow;
        try { baselines.Save(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* read-only state: figures still shown */ }

        return new ClusterStatsSnapshot(clock(), Summary(settings), containers, ClusterTotals.Of(containers), hostUsage,
            dataCap?.Invoke() ?? DataCap(settings, host, hostNow), tracker, LoadBalancer());
    }

    Task<(NodeReading Reading, string? Problem)> ReadNodeAsync(NodeTarget node, CancellationToken ct) => ReadNodeAsync(source, http, node, ct);

    /// <summary>
    /// The nodes' cumulative bytes (up + down) through the restart-proof baselines, summed over every node the
    /// baselines know (stopped ones keep their last totals): what the data cap's `nodes` source counts.
    /// </summary>
    internal static async Task<long> CumulativeBytesAsync(INodeSource source, HttpClient http, CounterBaselines baselines, CancellationToken ct)
    {
        var nodes = await source.ListAsync(ct).ConfigureAwait(false);
        var readings = await Task.WhenAll(nodes.Select(n => ReadNodeAsync(source, http, n, ct))).ConfigureAwait(false);
        for (var i = 0; i < nodes.Count; i++)
            if (nodes[i].Running && readings[i].Reading is { BytesUp: { } up, BytesDown: { } down } r)
                baselines.Observe(nodes[i].Name, up, down, r.UptimeSeconds);
        baselines.Save();
        long total = 0;
        foreach (var e in baselines.Nodes.Values) total += e.TotalUp + e.TotalDown;
        return total;
    }

    /// <summary>One node's counters: metrics endpoint, else the 1.x stats file, else the last [STATS] log line.</summary>
    static async Task<(NodeReading Reading, string? Problem)> ReadNodeAsync(INodeSource source, HttpClient http, NodeTarget node, CancellationToken ct)
    {
        if (!node.Running) return (NodeReading.Empty, null);
        string? why = null;
        if (node.MetricsAddress is { } address)
        {
            var (reading, error) = await NodeScraper.ScrapeAsync(http, address, ct).ConfigureAwait(false);
            if (reading is not null) return (reading, null);
            why = error;
        }
        // 1.x images have no metrics endpoint: their stats file, else their last [STATS] line.
        try
        {
            if (await source.StatsFileAsync(node, ct).ConfigureAwait(false) is { } file)
                return (StatsFile.Parse(file), null);
        }
        catch (FormatException e) { why = e.Message; }
        var lines = await source.TailAsync(node, LogTailLines, ct).ConfigureAwait(false);
        if (StatsLine.Last(lines) is { } line) return (line, null);
        return (NodeReading.Empty, why);
    }

    async Task<Dictionary<string, ContainerUsageSample>> SampleUsageAsync(IReadOnlyList<NodeTarget> nodes, CancellationToken ct)
    {
        var running = nodes.Where(n => n.Running).ToArray();
        var samples = await Task.WhenAll(running.Select(n => source.UsageAsync(n, ct))).ConfigureAwait(false);
        var result = new Dictionary<string, ContainerUsageSample>(StringComparer.Ordinal);
        for (var i = 0; i < running.Length; i++)
            if (samples[i] is { } s) result[running[i].Name] = s;
        return result;
    }

    /// <summary>Docker's formula: share of the host's CPU time over the window, times online CPUs (100% = one core).</summary>
    internal static double? CpuPercent(ContainerUsageSample a, ContainerUsageSample b)
    {
        if (b.CpuTotalNs < a.CpuTotalNs || b.SystemCpuNs <= a.SystemCpuNs) return null;
        return (double)(b.CpuTotalNs - a.CpuTotalNs) / (b.SystemCpuNs - a.SystemCpuNs) * Math.Max(1, b.OnlineCpus) * 100;
    }

    internal static SettingsSummary Summary(ConduitSettings s) => new(
        s.ContainerCount, s.MaxClients, s.Bandwidth, s.NetworkMode, s.Image,
        s["CONTAINER_CPU_LIMIT"] is { Length: > 0 } cpu ? cpu : "none",
        s["CONTAINER_MEM_LIMIT"] is { Length: > 0 } mem ? mem : "none");

    /// <summary>v1 semantics: (rx - baseline) + (tx - baseline) + prior usage on DATA_CAP_IFACE (default route's).</summary>
    internal static DataCapState DataCap(ConduitSettings s, HostResources host, HostSample sample)
    {
        var cap = (long)(s.DataCapGb * (1L << 30));
        if (cap <= 0) return new DataCapState(0, 0, null);
        var iface = s.IsSet("DATA_CAP_IFACE") ? s["DATA_CAP_IFACE"] : sample.Interface;
        var (rx, tx) = iface == sample.Interface ? (sample.RxBytes, sample.TxBytes) : host.InterfaceCounters(iface);
        var used = Math.Max(0, rx - long.Parse(s["DATA_CAP_BASELINE_RX"], System.Globalization.CultureInfo.InvariantCulture))
            + Math.Max(0, tx - long.Parse(s["DATA_CAP_BASELINE_TX"], System.Globalization.CultureInfo.InvariantCulture))
            + long.Parse(s["DATA_CAP_PRIOR_USAGE"], System.Globalization.CultureInfo.InvariantCulture);
        return new DataCapState(cap, used, iface);
    }

    string LoadBalancer() => !settings.BridgeMode ? "not used in host mode" : bridgeBalancer?.Invoke() ?? "not available";
}
