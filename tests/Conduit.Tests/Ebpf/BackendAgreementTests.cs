using System.Text.Json;
using Conduit.Tests.Support;
using Conduit.Tests.Tracking;

namespace Conduit.Tests.Ebpf;

/// <summary>`conduit track` with the pcap and the eBPF backend side by side on the same interface and the same
/// traffic: per-address and per-country numbers must be identical, and equal to the kernel's own counters.</summary>
public sealed class BackendAgreementTests
{
    static readonly string[] Remotes = ["8.8.8.8", "1.1.1.1", "5.1.1.1", "77.88.8.8"];
    const int SigInt = 2;

    [Fact]
    public void PcapAndEbpfShowTheSameNumbersForTheSameTraffic()
    {
        using var net = new NetnsPair(Remotes);
        using var pcapHome = new TempRoot();
        using var ebpfHome = new TempRoot();
        using var tcp = Traffic.StartTcpSink(net.LocalNs, 5101);
        using var udp = Traffic.UdpSink(net.LocalNs, 5102);
        string[] common = ["--interface", net.LocalInterface, "--json", "--interval", "0.2", "--top", "50"];
        using var pcap = new TrackProcess(net.LocalNs, pcapHome.Path, ["track", "--backend", "pcap", .. common]);
        using var ebpf = new TrackProcess(net.LocalNs, ebpfHome.Path, ["track", "--backend", "ebpf", .. common]);
        pcap.WaitForLine(_ => true, TimeSpan.FromSeconds(30));
        ebpf.WaitForLine(_ => true, TimeSpan.FromSeconds(30));

        for (var i = 0; i < Remotes.Length; i++)
        {
            Traffic.Udp(net.RemoteNs, Remotes[i], 5102, datagrams: 50 + 13 * i, payload: 100 + 150 * i);
            Traffic.Tcp(net.RemoteNs, Remotes[i], 5101, bytes: 30_000 + 7_000 * i);
        }
        var kernel = net.KernelCounters();
        var target = kernel.Values.Aggregate(0UL, (s, c) => s + c.PacketsIn + c.PacketsOut);
        var fromPcap = SettleAndStop(pcap, target);
        var fromEbpf = SettleAndStop(ebpf, target);

        Assert.Equal("pcap", fromPcap.GetProperty("backend").GetString());
        Assert.Equal("ebpf", fromEbpf.GetProperty("backend").GetString());
        Assert.Equal(Numbers(fromPcap), Numbers(fromEbpf));
        var byIp = fromEbpf.GetProperty("top_ips").EnumerateArray().ToDictionary(e => e.GetProperty("ip").GetString()!);
        foreach (var (ip, k) in kernel)
            Assert.Equal((k.PacketsIn, k.BytesIn, k.PacketsOut, k.BytesOut),
                (byIp[ip].GetProperty("packets_in").GetUInt64(), byIp[ip].GetProperty("bytes_in").GetUInt64(),
                 byIp[ip].GetProperty("packets_out").GetUInt64(), byIp[ip].GetProperty("bytes_out").GetUInt64()));
        Assert.Contains($"backend ebpf on {net.LocalInterface}", ebpf.Stderr);
    }

    /// <summary>Waits until the tracker has counted <paramref name="packets"/>, stops it, returns its last snapshot.</summary>
    static JsonElement SettleAndStop(TrackProcess track, ulong packets)
    {
        track.WaitForLine(l => JsonDocument.Parse(l).RootElement.GetProperty("packets").GetUInt64() >= packets, TimeSpan.FromSeconds(60));
        track.Signal(SigInt);
        var (code, rest) = track.WaitForExit(TimeSpan.FromSeconds(20));
        Assert.True(code == 0, $"exit {code}: {track.Stderr}");
        return JsonDocument.Parse(rest.Count > 0 ? rest[^1] : track.LastLine!).RootElement.Clone();
    }

    /// <summary>Everything that is counted (not rates, times or the backend's name), as comparable text.</summary>
    static string Numbers(JsonElement s)
    {
        static string Row(JsonElement r) => string.Join(',', new[] { "code", "bytes_in", "bytes_out", "packets_in", "packets_out" }
            .Select(k => r.GetProperty(k).ToString())) + (r.TryGetProperty("ips", out var ips) ? $",ips={ips}" : "");
        return string.Join('\n', [
            $"packets={s.GetProperty("packets")} bytes={s.GetProperty("bytes")} malformed={s.GetProperty("malformed")} dropped={s.GetProperty("dropped")}",
            .. s.GetProperty("countries").EnumerateArray().Select(Row),
            "reserved " + Row(s.GetProperty("reserved")),
            .. s.GetProperty("top_ips").EnumerateArray().Select(r => r.GetProperty("ip") + " " + Row(r)).Order(StringComparer.Ordinal),
        ]);
    }
}
