namespace Conduit.NodeStats;

/// <summary>Where a node's figures came from; the views say so when it is not the metrics endpoint.</summary>
internal enum ReadingSource
{
    /// <summary>Nothing to read yet: an idle 1.x node prints no [STATS] line (not the same as dead).</summary>
    None,
    Metrics,
    StatsLine,
    StatsFile,
}

/// <summary>
/// Clients and traffic of one country in one scope ("common" or "personal"). From a [STATS] line only
/// <see cref="Connected"/> and the combined <see cref="Traffic"/> are known, so the split fields are null there.
/// </summary>
internal sealed record RegionStats(string Scope, string Region, long Connected, long? Connecting, long? BytesUp, long? BytesDown, long? TrafficOnly = null)
{
    public long Traffic => TrafficOnly ?? (BytesUp ?? 0) + (BytesDown ?? 0);
}

/// <summary>
/// What one node says about itself at one moment. Null means "this source does not report it".
/// Byte counters are since the node process started (they reset on restart); see <see cref="CounterBaselines"/>.
/// </summary>
internal sealed record NodeReading
{
    public static readonly NodeReading Empty = new();

    public ReadingSource Source { get; init; } = ReadingSource.None;
    public long? Announcing { get; init; }
    public long? Connecting { get; init; }
    public long? Connected { get; init; }
    public long? BytesUp { get; init; }
    public long? BytesDown { get; init; }
    /// <summary>True when the byte figures were rounded for display by the node (log lines: "12.1 KB").</summary>
    public bool BytesRounded { get; init; }
    public double? UptimeSeconds { get; init; }
    public double? IdleSeconds { get; init; }
    public bool? IsLive { get; init; }
    public long? MaxCommonClients { get; init; }
    public long? MaxPersonalClients { get; init; }
    public double? BandwidthLimitBytesPerSecond { get; init; }
    public IReadOnlyList<RegionStats> Regions { get; init; } = [];
    /// <summary>Regions a [STATS] line left out ("(+N more...)"): the region list is partial when above 0.</summary>
    public int MoreRegions { get; init; }
    /// <summary>When the node produced the figures, if it said (log line time, stats-file timestamp).</summary>
    public DateTimeOffset? ReportedAt { get; init; }
}
