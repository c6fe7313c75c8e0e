using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Conduit.Tests.Support;

namespace Conduit.Tests.Tracking;

/// <summary>`conduit track --service`: state survives kill -9 (up to the last flush) and SIGTERM flushes.</summary>
public class ServiceModeTests
{
    static readonly string[] Remotes = ["8.8.8.8", "5.1.1.1"];

    static JsonElement? ReadState(string file)
    {
        try { return JsonDocument.Parse(File.ReadAllBytes(file)).RootElement; }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
    }

    static JsonElement WaitForState(string file, Func<JsonElement, bool> condition, TrackProcess track)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonElement? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = ReadState(file);
            if (last is { } s && condition(s)) return s;
            Thread.Sleep(100); // polling a file another process writes: there is no event to wait on
        }
        throw new TimeoutException($"state never matched; last {last}; stderr {track.Stderr}");
    }

    static string HttpGet(string ns, string path) => NetnsPair.InNamespace(ns, () =>
    {
        using var client = new TcpClient("127.0.0.1", 9479);
        var stream = client.GetStream();
        stream.Write(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.0\r\nHost: x\r\n\r\n"));
        return new StreamReader(stream).ReadToEnd();
    });

    static ulong Packets(JsonElement s) => s.GetProperty("packets").GetUInt64();

    static ulong CountryBytesIn(JsonElement s, string code) =>
        s.GetProperty("countries").EnumerateArray().Where(c => c.GetProperty("code").GetString() == code)
         .Select(c => c.GetProperty("bytes_in").GetUInt64()).FirstOrDefault();

    [Fact]
    public void Kill_9_then_restart_continues_from_the_last_flush_and_sigterm_flushes()
    {
        using var net = new NetnsPair(Remotes);
        using var home = new TempRoot();
        using var udp = Traffic.UdpSink(net.LocalNs, 5004);
        string state = Path.Combine(home.Path, "traffic_stats", "tracker.json");
        string[] args = ["track", "--service", "--interface", net.LocalInterface, "--flush-seconds", "1", "--interval", "0.5"];

        // First run: 300 + 200 datagrams, wait until a flush holds all of them, then kill -9.
        using (var first = new TrackProcess(net.LocalNs, home.Path, args))
        {
            WaitForState(state, _ => true, first); // capturing and flushing
            Traffic.Udp(net.RemoteNs, Remotes[0], 5004, 300, 100);
            Traffic.Udp(net.RemoteNs, Remotes[1], 5004, 200, 50);
            WaitForState(state, s => Packets(s) == 500, first);
            var body = HttpGet(net.LocalNs, "/snapshot");
            Assert.StartsWith("HTTP/1.0 200", body);
            Assert.Contains("\"backend\":\"ebpf\"", body); // TRACK_BACKEND=auto picks eBPF on a capable host
            var metrics = HttpGet(net.LocalNs, "/metrics");
            Assert.Contains($"conduit_tracker_bytes_total{{country=\"{Geo.CodeOf(Remotes[0])}\",direction=\"in\"}} {300 * 128}", metrics);
            first.Signal(9);
            first.WaitForExit(TimeSpan.FromSeconds(10));
        }
        var afterKill = ReadState(state)!.Value;
        Assert.Equal(500UL, Packets(afterKill));

        // Second run: restores, counts 100 more, and SIGTERM writes the final totals.
        using var second = new TrackProcess(net.LocalNs, home.Path, args);
        WaitForState(state, s => s.GetProperty("time").GetDateTime() > afterKill.GetProperty("time").GetDateTime(), second); // flushed by the new run
        Traffic.Udp(net.RemoteNs, Remotes[0], 5004, 100, 100);
        WaitForState(state, s => Packets(s) == 600, second);
        second.Signal(15);
        var (code, _) = second.WaitForExit(TimeSpan.FromSeconds(20));
        Assert.Equal(0, code);
        var final = ReadState(state)!.Value;
        Assert.Equal(600UL, Packets(final));
        Assert.Equal(400UL * 128, CountryBytesIn(final, Geo.CodeOf(Remotes[0])));
        Assert.Equal(200UL * 78, CountryBytesIn(final, Geo.CodeOf(Remotes[1])));
        Assert.Equal(0UL, final.GetProperty("dropped").GetUInt64());
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(state)!, ".*.tmp"));
    }
}
