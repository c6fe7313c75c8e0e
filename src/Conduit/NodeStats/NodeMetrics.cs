namespace Conduit.NodeStats;

/// <summary>Maps a node's Prometheus exposition (metric names from the 2.0 node) to a <see cref="NodeReading"/>.</summary>
internal static class NodeMetrics
{
    public static NodeReading Parse(string exposition) => FromDocument(PrometheusText.Parse(exposition));

    public static NodeReading FromDocument(MetricsDocument doc)
    {
        var regions = new Dictionary<(string Scope, string Region), RegionAccumulator>();
        foreach (var s in doc.Samples)
        {
            if (!s.Name.StartsWith("conduit_region_", StringComparison.Ordinal)) continue;
            var region = s.Label("region");
            if (region is null) continue;
            var key = (s.Label("scope") ?? "common", region);
            if (!regions.TryGetValue(key, out var acc)) regions[key] = acc = new RegionAccumulator();
            var v = Count(s.Value);
            switch (s.Name)
            {
                case "conduit_region_connected_clients": acc.Connected += v; break;
                case "conduit_region_connecting_clients": acc.Connecting += v; break;
                case "conduit_region_bytes_uploaded": acc.Up += v; break;
                case "conduit_region_bytes_downloaded": acc.Down += v; break;
            }
        }
        var list = new List<RegionStats>(regions.Count);
        foreach (var ((scope, region), a) in regions)
            list.Add(new RegionStats(scope, region, a.Connected, a.Connecting, a.Up, a.Down));
        list.Sort(static (a, b) => b.Connected != a.Connected ? b.Connected.CompareTo(a.Connected)
            : b.Traffic != a.Traffic ? b.Traffic.CompareTo(a.Traffic) : string.CompareOrdinal(a.Region, b.Region));

        return new NodeReading
        {
            Source = ReadingSource.Metrics,
            Announcing = Long(doc, "conduit_announcing"),
            Connecting = Long(doc, "conduit_connecting_clients"),
            Connected = Long(doc, "conduit_connected_clients"),
            BytesUp = Long(doc, "conduit_bytes_uploaded"),
            BytesDown = Long(doc, "conduit_bytes_downloaded"),
            UptimeSeconds = Finite(doc.Value("conduit_uptime_seconds")),
            IdleSeconds = Finite(doc.Value("conduit_idle_seconds")),
            IsLive = doc.Value("conduit_is_live") is { } live && !double.IsNaN(live) ? live != 0 : null,
            MaxCommonClients = Long(doc, "conduit_max_common_clients"),
            MaxPersonalClients = Long(doc, "conduit_max_personal_clients"),
            BandwidthLimitBytesPerSecond = Finite(doc.Value("conduit_bandwidth_limit_bytes_per_second")),
            Regions = list,
        };
    }

    sealed class RegionAccumulator
    {
        public long Connected, Connecting, Up, Down;
    }

    static long? Long(MetricsDocument doc, string name) => doc.Value(name) is { } v && double.IsFinite(v) ? Count(v) : null;

    static double? Finite(double? v) => v is { } d && double.IsFinite(d) ? d : null;

    /// <summary>Counts and byte totals are whole numbers; NaN/Inf or negatives (never sent by a sane node) count as 0.</summary>
    static long Count(double v) => double.IsFinite(v) && v > 0 ? (long)Math.Min(v, long.MaxValue) : 0;
}
