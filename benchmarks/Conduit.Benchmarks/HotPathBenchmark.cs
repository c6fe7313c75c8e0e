using BenchmarkDotNet.Attributes;
using Conduit.Tests.Tracking;
using Conduit.Tracking.Geo;
using Conduit.Tracking.Model;
using Conduit.Tracking.Packets;

namespace Conduit.Benchmarks;

/// <summary>
/// The per-packet path of `conduit track`: parse (Ethernet/VLAN, IPv4/IPv6, TCP/UDP) + remote-IP table update
/// + country counters, over a realistic mix (70% IPv4 TCP, 20% UDP, 10% IPv6, 5% VLAN, both directions).
/// DistinctIps is the working set: 1k (the old manager's default 2 nodes x 200 clients, with churn), 10k (10 nodes
/// at the 1,000-client maximum), 100k (far beyond any VPS; the table no longer fits in L2).
/// </summary>
[MemoryDiagnoser]
public class HotPathBenchmark
{
    const int Frames = 65536;
    HotPathMix _mix = null!;
    TrafficAccountant _accountant = null!;

    [Params(1_000, 10_000, 100_000)]
    public int DistinctIps { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _mix = HotPathMix.Create(Frames, DistinctIps, "203.0.113.10");
        var local = new LocalAddresses([IpKey.From(System.Net.IPAddress.Parse("203.0.113.10")), IpKey.From(System.Net.IPAddress.Parse(HotPathMix.LocalV6))]);
        _accountant = new TrafficAccountant(CountryDatabase.OpenEmbedded(), local, 1_000_000);
        Packet(); // warm: every address is in the table, as in steady state
    }

    [Benchmark(OperationsPerInvoke = Frames)]
    public void Packet()
    {
        var a = _accountant;
        var mix = _mix;
        byte[] buffer = mix.Buffer;
        int[] offsets = mix.Offsets, lengths = mix.Lengths, wire = mix.WireLengths;
        for (int i = 0; i < offsets.Length; i++) a.AddFrame(1, buffer.AsSpan(offsets[i], lengths[i]), wire[i], 1_700_000_000);
    }
}

/// <summary>The header parser alone, same mix.</summary>
[MemoryDiagnoser]
public class ParserBenchmark
{
    const int Frames = 65536;
    HotPathMix _mix = null!;
    PacketInfo _info;

    [GlobalSetup]
    public void Setup() => _mix = HotPathMix.Create(Frames, 10_000, "203.0.113.10");

    [Benchmark(OperationsPerInvoke = Frames)]
    public int Parse()
    {
        int ok = 0;
        byte[] buffer = _mix.Buffer;
        int[] offsets = _mix.Offsets, lengths = _mix.Lengths, wire = _mix.WireLengths;
        for (int i = 0; i < offsets.Length; i++)
            if (PacketParser.Parse(1, buffer.AsSpan(offsets[i], lengths[i]), wire[i], ref _info) == ParseResult.Ok) ok++;
        return ok;
    }
}
