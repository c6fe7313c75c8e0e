using System.Text.Json;

namespace Conduit.NodeStats;

/// <summary>
/// Reads the tracker service's latest snapshot from its loopback endpoint (GET /snapshot, the JSON contract of
/// `conduit track --json`). A tracker that is not running is a normal state, not an error.
/// </summary>
internal static class TrackerReader
{
    public static async Task<TrackerState> ReadAsync(HttpClient http, string address, CancellationToken ct)
    {
        try
        {
            var body = await http.GetByteArrayAsync($"http://{address}/snapshot", ct).ConfigureAwait(false);
            return Parse(body);
        }
        catch (HttpRequestException)
        {
            return TrackerState.NotRunning();
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return TrackerState.NotRunning($"tracker not answering on {address}");
        }
        catch (FormatException e)
        {
            return TrackerState.NotRunning($"tracker answered with bad data ({e.Message})");
        }
    }

    public static TrackerState Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("countries", out var countries) || countries.ValueKind != JsonValueKind.Array)
                throw new FormatException("no countries array");
            var list = new List<TrackerCountry>(countries.GetArrayLength());
            long bytesIn = 0, bytesOut = 0, ips = 0;
            foreach (var c in countries.EnumerateArray())
            {
                var row = new TrackerCountry(
                    c.GetProperty("code").GetString() ?? "??",
                    c.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "",
                    Long(c, "bytes_in"), Long(c, "bytes_out"),
                    Double(c, "bytes_in_per_second"), Double(c, "bytes_out_per_second"),
                    Long(c, "ips"));
                list.Add(row);
                bytesIn += row.BytesIn;
                bytesOut += row.BytesOut;
                ips += row.Ips; // countries are disjoint, so distinct IPs add up
            }
            // Totals are what `track` shows: the reserved bucket (private, CGNAT... peers) is traffic too.
            if (root.TryGetProperty("reserved", out var reserved) && reserved.ValueKind == JsonValueKind.Object)
            {
                bytesIn += Long(reserved, "bytes_in");
                bytesOut += Long(reserved, "bytes_out");
                ips += Long(reserved, "ips");
            }
            var uptime = Double(root, "uptime_seconds");
            var detail = uptime > 0 ? $"running for {Ui.Format.Duration(TimeSpan.FromSeconds(uptime))}" : "running";
            return new TrackerState(true, detail, Long(root, "packets"), bytesIn, bytesOut, ips, list);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            throw new FormatException(e.Message);
        }
    }

    static long Long(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number
            ? v.TryGetInt64(out var l) ? l : (long)Math.Min(v.GetDouble(), long.MaxValue)
            : 0;

    static double Double(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : 0;
}
