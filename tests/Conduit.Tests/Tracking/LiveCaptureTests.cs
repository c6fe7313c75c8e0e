using System.Diagnostics;
using System.Text.Json;
using Conduit.Tests.Support;

namespace Conduit.Tests.Tracking;

/// <summary>
/// Real captures on a veth between two namespaces: the tracker's per-address counts must equal the kernel's
/// (iptables counters in the local namespace) exactly, and a 10 s burst at the sender's top speed must not drop.
/// </summary>
public class LiveCaptureTests
{
    static readonly string[] Remotes = ["8.8.8.8", "1.1.1.1", "5.1.1.1", "77.88.8.8", "41.63.64.1"];
    const int SigInt = 2;

    static JsonElement Parse(string line) => JsonDocument.Parse(line).RootElement;

    static ulong KernelPackets(NetnsPair net) => net.KernelCounters().Values.Aggregate(0UL, (s, c) => s + c.PacketsIn + c.PacketsOut);

    /// <summary>Waits until the tracker has seen exactly what the kernel counted, then stops it and returns the last snapshot.</summary>
    static JsonElement SettleAndStop(NetnsPair net, TrackProcess track)
    {
        ulong target = KernelPackets(net);
        track.WaitForLine(l => Parse(l).GetProperty("packets").GetUInt64() >= target, TimeSpan.FromSeconds(60));
        track.Signal(SigInt);
        var (code, rest) = track.WaitForExit(TimeSpan.FromSeconds(20));
        Assert.True(code == 0, $"exit {code}: {track.Stderr}");
        return Parse(rest.Count > 0 ? rest[^1] : track.LastLine!);
    }

    static void AssertMatchesKernel(NetnsPair net, JsonElement snapshot)
    {
        var kernel = net.KernelCounters();
        var byIp = snapshot.GetProperty("top_ips").EnumerateArray().ToDictionary(e => e.GetProperty("ip").GetString()!);
        ulong total = 0;
        foreach (var (ip, k) in kernel)
        {
            Assert.True(k.PacketsIn > 0 && k.PacketsOut + k.PacketsIn > 0, $"no traffic from {ip}");
            Assert.True(byIp.TryGetValue(ip, out var e), $"{ip} missing from {snapshot}");
            Assert.Equal((k.PacketsIn, k.BytesIn, k.PacketsOut, k.BytesOut),
                (e.GetProperty("packets_in").GetUInt64(), e.GetProperty("bytes_in").GetUInt64(),
                 e.GetProperty("packets_out").GetUInt64(), e.GetProperty("bytes_out").GetUInt64()));
            Assert.Equal(Geo.CodeOf(ip), e.GetProperty("code").GetString());
            total += k.PacketsIn + k.PacketsOut;
            // Each remote is the only one of its country here: its country's counters are its own.
            var country = snapshot.GetProperty("countries").EnumerateArray().Single(c => c.GetProperty("code").GetString() == Geo.CodeOf(ip));
            Assert.Equal(k.BytesIn, country.GetProperty("bytes_in").GetUInt64());
            Assert.Equal(k.BytesOut, country.GetProperty("bytes_out").GetUInt64());
            Assert.Equal(1UL, country.GetProperty("ips").GetUInt64());
        }
        Assert.Equal(total, snapshot.GetProperty("packets").GetUInt64());
        Assert.Equal(0UL, snapshot.GetProperty("dropped").GetUInt64());
        Assert.Equal(0UL, snapshot.GetProperty("malformed").GetUInt64());
    }

    [Theory]
    [InlineData("pcap")]
    [InlineData("ebpf")]
    public void Udp_and_tcp_from_several_addresses_match_the_kernel_counters_exactly(string backend)
    {
        Assert.Equal(Remotes.Length, Remotes.Select(Geo.CodeOf).Distinct().Count());
        using var net = new NetnsPair(Remotes);
        using var home = new TempRoot();
        using var tcp = Traffic.StartTcpSink(net.LocalNs, 5001);
        using var udp = Traffic.UdpSink(net.LocalNs, 5002);
        using var track = new TrackProcess(net.LocalNs, home.Path, "track", "--backend", backend, "--interface", net.LocalInterface, "--json", "--interval", "0.2", "--top", "50");
        track.WaitForLine(_ => true, TimeSpan.FromSeconds(30)); // capturing

        for (int i = 0; i < Remotes.Length; i++)
        {
            Traffic.Udp(net.RemoteNs, Remotes[i], 5002, datagrams: 100 + 37 * i, payload: 64 + 200 * i);
            Traffic.Tcp(net.RemoteNs, Remotes[i], 5001, bytes: 10_000 * (i + 1));
        }
        var snapshot = SettleAndStop(net, track);
        AssertMatchesKernel(net, snapshot);
        // UDP alone is known in advance: the kernel oracle must at least hold those (sanity of the oracle itself).
        var kernel = net.KernelCounters();
        for (int i = 0; i < Remotes.Length; i++)
            Assert.True(kernel[Remotes[i]].BytesIn >= (ulong)((100 + 37 * i) * (28 + 64 + 200 * i) + 10_000 * (i + 1)));
    }

    [Theory]
    [InlineData("pcap")]
    [InlineData("ebpf")]
    public void Ten_seconds_at_the_senders_top_rate_drop_nothing(string backend)
    {
        using var net = new NetnsPair(Remotes[..2]);
        using var home = new TempRoot();
        using var udp = Traffic.UdpSink(net.LocalNs, 5003);
        using var track = new TrackProcess(net.LocalNs, home.Path, "track", "--backend", backend, "--interface", net.LocalInterface, "--json", "--interval", "0.5", "--top", "10");
        track.WaitForLine(_ => true, TimeSpan.FromSeconds(30));

        long sent = 0;
        var clock = Stopwatch.StartNew();
        var senders = Remotes[..2].Select(source => new Thread(() =>
        {
            long n = NetnsPair.InNamespace(net.RemoteNs, () =>
            {
                using var s = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
                s.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Parse(source), 0));
                s.Connect(new System.Net.IPEndPoint(System.Net.IPAddress.Parse(NetnsPair.LocalAddress), 5003));
                var payload = new byte[18];
                long count = 0;
                var end = Stopwatch.GetTimestamp() + 10 * Stopwatch.Frequency;
                while (Stopwatch.GetTimestamp() < end)
                {
                    for (int i = 0; i < 256; i++) s.Send(payload);
                    count += 256;
                }
                return count;
            });
            Interlocked.Add(ref sent, n);
        })).ToList();
        senders.ForEach(t => t.Start());
        senders.ForEach(t => t.Join());
        double seconds = clock.Elapsed.TotalSeconds;

        var snapshot = SettleAndStop(net, track);
        AssertMatchesKernel(net, snapshot);
        Assert.Equal((ulong)sent, snapshot.GetProperty("packets").GetUInt64());
        // Recorded in the test log: the rate this machine reached.
        Console.WriteLine($"live burst: {sent} packets in {seconds:0.0} s = {sent / seconds:0} packets/s, dropped 0");
    }

    [Fact]
    public void Without_capture_rights_the_error_says_how_to_get_them()
    {
        using var home = new TempRoot();
        Directory.CreateDirectory(home.Path);
        File.SetUnixFileMode(home.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var psi = new ProcessStartInfo("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-net_raw,-net_admin",
            ConduitProcess.Binary, "track", "--interface", "lo", "--json", "--once", "--duration", "1"])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["CONDUIT_HOME"] = home.Path;
        psi.Environment["DOTNET_CLI_HOME"] = home.Path;
        using var p = Process.Start(psi)!;
        string stderr = "";
        var reader = new Thread(() => stderr = p.StandardError.ReadToEnd());
        reader.Start();
        var stdout = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(60_000));
        reader.Join();
        Assert.Equal(1, p.ExitCode);
        var lines = stderr.Trim().Split('\n');
        Assert.Single(lines);
        Assert.Contains("CAP_NET_RAW", lines[0]);
        Assert.Contains("setcap cap_net_raw,cap_net_admin+eip", lines[0]);
        Assert.Equal("", stdout);
    }
}
