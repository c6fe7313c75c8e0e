using System.Globalization;
using System.Text;
using Conduit.Tracking.Model;

namespace Conduit.Tracking.Views;

/// <summary>Prometheus text exposition (format 0.0.4) of a snapshot: counters end in _total, units in names.</summary>
public static class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static string Render(TrafficSnapshot s)
    {
        var b = new StringBuilder(8192);
        Header(b, "conduit_tracker_bytes_total", "counter", "IP bytes exchanged with remote addresses, by country and direction (in = received).");
        foreach (var row in Rows(s))
        {
            Sample(b, "conduit_tracker_bytes_total", row.Code, "in", row.Totals.BytesIn);
            Sample(b, "conduit_tracker_bytes_total", row.Code, "out", row.Totals.BytesOut);
        }
        Header(b, "conduit_tracker_packets_total", "counter", "IP packets exchanged with remote addresses, by country and direction.");
        foreach (var row in Rows(s))
        {
            Sample(b, "conduit_tracker_packets_total", row.Code, "in", row.Totals.PacketsIn);
            Sample(b, "conduit_tracker_packets_total", row.Code, "out", row.Totals.PacketsOut);
        }
        Header(b, "conduit_tracker_remote_ips", "gauge", "Distinct remote addresses seen since start, by country.");
        foreach (var row in Rows(s)) Sample(b, "conduit_tracker_remote_ips", row.Code, null, row.Totals.Ips);
        Header(b, "conduit_tracker_active_remote_ips", "gauge", "Distinct remote addresses seen in the last interval, by country.");
        foreach (var row in Rows(s)) Sample(b, "conduit_tracker_active_remote_ips", row.Code, null, row.Totals.ActiveIps);
        Single(b, "conduit_tracker_capture_packets_total", "counter", "Packets the capture delivered.", s.Counters.Packets);
        Single(b, "conduit_tracker_capture_bytes_total", "counter", "IP bytes the capture delivered.", s.Counters.Bytes);
        Single(b, "conduit_tracker_capture_dropped_packets_total", "counter", "Packets the kernel dropped before the tracker saw them.", s.Counters.Dropped);
        Single(b, "conduit_tracker_capture_malformed_packets_total", "counter", "Truncated or malformed frames skipped.", s.Counters.Malformed);
        Single(b, "conduit_tracker_unattributed_packets_total", "counter", "Packets with no local end (not counted per country).", s.Counters.UnattributedPackets);
        Single(b, "conduit_tracker_remote_ips_held", "gauge", "Remote addresses held individually in memory.", (ulong)s.IpsHeld);
        Single(b, "conduit_tracker_uptime_seconds", "gauge", "Seconds since the tracker started.", s.Uptime.TotalSeconds);
        return b.ToString();
    }

    static IEnumerable<CountryRow> Rows(TrafficSnapshot s)
    {
        foreach (var row in s.Countries) yield return row;
        yield return s.Reserved;
    }

    static void Header(StringBuilder b, string name, string type, string help) =>
        b.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
         .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    static void Sample(StringBuilder b, string name, string country, string? direction, ulong value)
    {
        b.Append(name).Append("{country=\"").Append(country).Append('"');
        if (direction is not null) b.Append(",direction=\"").Append(direction).Append('"');
        b.Append("} ").Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    static void Single(StringBuilder b, string name, string type, string help, double value)
    {
        Header(b, name, type, help);
        b.Append(name).Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
    }
}
