using System.Text.Json;
using Conduit.Tracking.Model;

namespace Conduit.Tracking.Views;

/// <summary>
/// The JSON contract of `conduit track --json` (one object per interval), also the service-mode state file
/// and the loopback endpoint's body: {"packets","bytes","malformed","dropped","countries":[...],"reserved":{...}}
/// with countries sorted by bytes_in + bytes_out descending. Extra fields are additions, never renames.
/// </summary>
public static class SnapshotJson
{
    public static void Write(Utf8JsonWriter w, TrafficSnapshot s)
    {
        w.WriteStartObject();
        w.WriteString("time", s.Time);
        w.WriteNumber("uptime_seconds", Math.Round(s.Uptime.TotalSeconds, 3));
        w.WriteString("backend", s.Backend);
        w.WriteString("source", s.Source);
        w.WriteNumber("packets", s.Counters.Packets);
        w.WriteNumber("bytes", s.Counters.Bytes);
        w.WriteNumber("malformed", s.Counters.Malformed);
        w.WriteNumber("dropped", s.Counters.Dropped);
        w.WriteNumber("not_ip", s.Counters.NotIp);
        w.WriteStartObject("unattributed");
        w.WriteNumber("packets", s.Counters.UnattributedPackets);
        w.WriteNumber("bytes", s.Counters.UnattributedBytes);
        w.WriteEndObject();
        w.WriteNumber("packets_per_second", Math.Round(s.PacketsPerSecond, 1));
        w.WriteNumber("bytes_in_per_second", Math.Round(s.BytesInPerSecond, 1));
        w.WriteNumber("bytes_out_per_second", Math.Round(s.BytesOutPerSecond, 1));
        w.WriteNumber("ips_held", s.IpsHeld);
        w.WriteNumber("ips_folded", s.IpsFolded);
        w.WriteStartArray("countries");
        foreach (var row in s.Countries) WriteRow(w, row);
        w.WriteEndArray();
        w.WritePropertyName("reserved");
        WriteRow(w, s.Reserved);
        w.WriteStartArray("top_ips");
        foreach (var ip in s.TopIps)
        {
            w.WriteStartObject();
            w.WriteString("ip", ip.Address);
            w.WriteString("code", ip.Code);
            w.WriteNumber("bytes_in", ip.BytesIn);
            w.WriteNumber("bytes_out", ip.BytesOut);
            w.WriteNumber("packets_in", ip.PacketsIn);
            w.WriteNumber("packets_out", ip.PacketsOut);
            w.WriteString("first_seen", ip.FirstSeen);
            w.WriteString("last_seen", ip.LastSeen);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    static void WriteRow(Utf8JsonWriter w, CountryRow row)
    {
        var t = row.Totals;
        w.WriteStartObject();
        w.WriteString("code", row.Code);
        w.WriteString("name", row.Name);
        w.WriteNumber("bytes_in", t.BytesIn);
        w.WriteNumber("bytes_out", t.BytesOut);
        w.WriteNumber("packets_in", t.PacketsIn);
        w.WriteNumber("packets_out", t.PacketsOut);
        w.WriteNumber("ips", t.Ips);
        w.WriteNumber("active_ips", t.ActiveIps);
        w.WriteNumber("bytes_in_per_second", Math.Round(row.BytesInPerSecond, 1));
        w.WriteNumber("bytes_out_per_second", Math.Round(row.BytesOutPerSecond, 1));
        w.WriteEndObject();
    }

    public static byte[] ToUtf8(TrafficSnapshot s, bool indented = false)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
            Write(w, s);
        return buffer.WrittenSpan.ToArray();
    }
}
