namespace Conduit.Tracking.Model;

/// <summary>One country's line in a snapshot, with rates over the last interval (bytes/s, packets/s).</summary>
public sealed record CountryRow(int Id, string Code, string Name, CountryTotals Totals, double BytesInPerSecond, double BytesOutPerSecond);

/// <summary>One remote address with its counters (the snapshot's top list).</summary>
public sealed record RemoteIpRow(string Address, string Code, ulong BytesIn, ulong BytesOut, ulong PacketsIn, ulong PacketsOut, DateTime FirstSeen, DateTime LastSeen);

/// <summary>Capture-wide counters (cumulative).</summary>
public readonly record struct CaptureCounters(
    ulong Packets, ulong Bytes, ulong Malformed, ulong Dropped, ulong NotIp, ulong UnattributedPackets, ulong UnattributedBytes);

/// <summary>
/// An immutable picture of the tracker at one moment: what every view (TUI, JSON, Prometheus, state files,
/// the loopback endpoint) renders. Built by the accounting thread once per interval.
/// </summary>
public sealed record TrafficSnapshot(
    DateTime Time,
    TimeSpan Uptime,
    string Backend,
    string Source,
    CaptureCounters Counters,
    double PacketsPerSecond,
    double BytesInPerSecond,
    double BytesOutPerSecond,
    int IpsHeld,
    long IpsFolded,
    IReadOnlyList<CountryRow> Countries,
    CountryRow Reserved,
    IReadOnlyList<RemoteIpRow> TopIps)
{
    /// <summary>Countries (not the reserved bucket) by bytes in + out, descending; the JSON order.</summary>
    public static int ByBytesDescending(CountryRow a, CountryRow b)
    {
        int c = b.Totals.Bytes.CompareTo(a.Totals.Bytes);
        return c != 0 ? c : string.CompareOrdinal(a.Code, b.Code);
    }
}
