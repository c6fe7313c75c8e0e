namespace Conduit.NodeStats;

/// <summary>How a container was set up (from the engine): limits, image, published ports, settings drift.</summary>
internal sealed record ContainerConfig(string Health, string? Image, double? Cpus, long? MemoryBytes, long? Nofile, IReadOnlyList<string> Ports, bool SpecCurrent)
{
    public static readonly ContainerConfig Unknown = new("down", null, null, null, null, [], true);
}

/// <summary>One node container as the views see it: engine state, the node's own figures, resource use.</summary>
internal sealed record ContainerStats(
    int Index,
    string Name,
    string State,
    bool Running,
    DateTimeOffset? StartedAt,
    int Restarts,
    NodeReading Reading,
    long BytesUpTotal,
    long BytesDownTotal,
    double? CpuPercent = null,
    long? MemoryBytes = null,
    long? MemoryLimitBytes = null,
    string? Problem = null,
    ContainerConfig? Config = null);

/// <summary>Cluster-wide sums. Byte totals are cumulative across node restarts (see <see cref="CounterBaselines"/>).</summary>
internal sealed record ClusterTotals(
    int Containers, int Running, long Connected, long Connecting, long Announcing,
    long BytesUp, long BytesDown, long SessionBytesUp, long SessionBytesDown,
    double CpuPercent, long MemoryBytes, bool Complete)
{
    public static ClusterTotals Of(IReadOnlyList<ContainerStats> containers)
    {
        int running = 0, existing = 0;
        long connected = 0, connecting = 0, announcing = 0, up = 0, down = 0, sUp = 0, sDown = 0, mem = 0;
        double cpu = 0;
        var complete = true;
        foreach (var c in containers)
        {
            // "missing" (configured, not created) and "foreign" (our name, not ours) are listed but not counted.
            if (c.State is not ("missing" or "foreign")) existing++;
            up += c.BytesUpTotal;
            down += c.BytesDownTotal;
            cpu += c.CpuPercent ?? 0;
            mem += c.MemoryBytes ?? 0;
            if (!c.Running) continue;
            running++;
            var r = c.Reading;
            if (r.Source == ReadingSource.None) complete = false;
            connected += r.Connected ?? 0;
            connecting += r.Connecting ?? 0;
            announcing += r.Announcing ?? 0;
            sUp += r.BytesUp ?? 0;
            sDown += r.BytesDown ?? 0;
        }
        return new ClusterTotals(existing, running, connected, connecting, announcing, up, down, sUp, sDown, cpu, mem, complete);
    }
}

/// <summary>Clients from one country across the cluster (region gauges: the authoritative per-country count).</summary>
internal sealed record CountryClients(string Code, string Name, long Connected, long Connecting, long BytesUp, long BytesDown);

/// <summary>One country in the tracker's snapshot. In = received from peers, out = sent to peers.</summary>
internal sealed record TrackerCountry(string Code, string Name, long BytesIn, long BytesOut, double BytesInPerSecond, double BytesOutPerSecond, long Ips)
{
    public long Bytes => BytesIn + BytesOut;
}

/// <summary>The tracker service's state as read from its loopback endpoint; <see cref="Running"/> false when absent.</summary>
internal sealed record TrackerState(bool Running, string Detail, long Packets, long BytesIn, long BytesOut, long UniqueIps, IReadOnlyList<TrackerCountry> Countries)
{
    public static TrackerState NotRunning(string detail = "tracker not running") => new(false, detail, 0, 0, 0, 0, []);
}

/// <summary>Data cap (DATA_CAP_GB counts GiB, 2^30 bytes): <see cref="CapBytes"/> 0 means no cap.
/// <see cref="Level"/> (normal, throttled, stopped) and the reset fields come from the data cap job's persisted count.</summary>
internal sealed record DataCapState(long CapBytes, long UsedBytes, string? Interface, string? Level = null, DateTimeOffset? NextReset = null, int? DaysToReset = null)
{
    public bool Enabled => CapBytes > 0;
    public double Percent => CapBytes > 0 ? 100.0 * UsedBytes / CapBytes : 0;
    public bool Exceeded => Enabled && UsedBytes >= CapBytes;
}

/// <summary>The configured values shown in the header of the screens.</summary>
internal sealed record SettingsSummary(int ContainerCount, int MaxClients, double BandwidthMbps, string NetworkMode, string Image, string CpuLimit, string MemoryLimit);

/// <summary>
/// Everything a view shows, captured at one moment. Views are pure functions of this record; the collector
/// (<see cref="SnapshotCollector"/>) is the only thing that reads Docker, the nodes, /proc and the tracker.
/// </summary>
internal sealed record ClusterStatsSnapshot(
    DateTimeOffset At,
    SettingsSummary Settings,
    IReadOnlyList<ContainerStats> Containers,
    ClusterTotals Totals,
    HostUsage? Host,
    DataCapState DataCap,
    TrackerState Tracker,
    string LoadBalancer)
{
    /// <summary>Connected/connecting clients per country over every running node, most connected first.</summary>
    public IReadOnlyList<CountryClients> ClientsByCountry(Func<string, string> countryName)
    {
        var byCode = new Dictionary<string, (long Conn, long Connecting, long Up, long Down)>(StringComparer.Ordinal);
        foreach (var c in Containers)
        {
            if (!c.Running) continue;
            foreach (var r in c.Reading.Regions)
            {
                var t = byCode.GetValueOrDefault(r.Region);
                byCode[r.Region] = (t.Conn + r.Connected, t.Connecting + (r.Connecting ?? 0), t.Up + (r.BytesUp ?? 0), t.Down + (r.BytesDown ?? 0));
            }
        }
        var list = new List<CountryClients>(byCode.Count);
        foreach (var (code, t) in byCode)
            list.Add(new CountryClients(code, countryName(code), t.Conn, t.Connecting, t.Up, t.Down));
        list.Sort(static (a, b) => a.Connected != b.Connected ? b.Connected.CompareTo(a.Connected) : string.CompareOrdinal(a.Code, b.Code));
        return list;
    }

    /// <summary>True when some running node reported regions only partially ([STATS] lines show the top 3).</summary>
    public bool RegionsPartial
    {
        get
        {
            foreach (var c in Containers)
                if (c.Running && (c.Reading.MoreRegions > 0 || c.Reading.Source is ReadingSource.StatsLine))
                    return true;
            return false;
        }
    }

    /// <summary>Uptime of the longest-running node (the cluster has been serving at least that long).</summary>
    public TimeSpan? LongestUptime
    {
        get
        {
            double best = -1;
            foreach (var c in Containers)
                if (c.Running && c.Reading.UptimeSeconds is { } u && u > best) best = u;
            if (best >= 0) return TimeSpan.FromSeconds(best);
            DateTimeOffset? earliest = null;
            foreach (var c in Containers)
                if (c.Running && c.StartedAt is { } s && (earliest is null || s < earliest)) earliest = s;
            return earliest is { } e ? At - e : null;
        }
    }
}
