using System.Diagnostics;
using Conduit.Tests.Tracking;
using Conduit.Tracking.Geo;
using Conduit.Tracking.Model;
using Conduit.Tracking.Packets;

namespace Conduit.Benchmarks;

static class Pieces
{
    public static void Run()
    {
        var mix = HotPathMix.Create(65536, 1000, "203.0.113.10");
        var src = new IpKey[mix.Count]; var dst = new IpKey[mix.Count]; var len = new uint[mix.Count];
        var info = default(PacketInfo);
        for (int i = 0; i < mix.Count; i++) { PacketParser.Parse(1, mix.Frame(i), mix.WireLengths[i], ref info); src[i] = info.Source; dst[i] = info.Destination; len[i] = (uint)info.IpLength; }
        var local = new LocalAddresses([IpKey.From(System.Net.IPAddress.Parse("203.0.113.10")), IpKey.From(System.Net.IPAddress.Parse(HotPathMix.LocalV6))]);
        var a = new TrafficAccountant(CountryDatabase.OpenEmbedded(), local, 1_000_000);
        var table = new RemoteIpTable(1_000_000);
        Time("AddPacket (no parse)", () => { for (int i = 0; i < src.Length; i++) a.AddPacket(src[i], dst[i], len[i], 1); });
        Time("table GetOrAdd only", () => { for (int i = 0; i < src.Length; i++) table.GetOrAdd(src[i], out _).BytesIn += len[i]; });
        int hits = 0;
        Time("local Contains x2", () => { for (int i = 0; i < src.Length; i++) if (local.Contains(src[i]) | local.Contains(dst[i])) hits++; });
    }

    static void Time(string name, Action body)
    {
        double best = double.MaxValue;
        for (int r = 0; r < 300; r++) { var sw = Stopwatch.StartNew(); body(); best = Math.Min(best, sw.Elapsed.TotalNanoseconds / 65536); }
        Console.WriteLine($"{name}: {best:0.0} ns");
    }
}
