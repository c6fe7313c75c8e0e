using Conduit.Tests.Tracking;

namespace Conduit.Benchmarks;

/// <summary>
/// Writes the end-to-end input: an Ethernet pcap of N packets over D distinct public IPv4 remotes talking to
/// 203.0.113.10 (so the old IPv4-only awk pipeline can count them too), TCP and UDP, both directions.
/// Frames are built once per remote and reused, so generating 5M packets takes seconds.
/// </summary>
public static class PcapGenerator
{
    public const string Local = "203.0.113.10";

    public static void Write(string path, int packets, int distinctIps)
    {
        var rng = new Random(5);
        // Only the snapped headers are kept (a few hundred MB for millions of remotes otherwise).
        const int Snap = 96;
        var templates = new byte[distinctIps * 2][];
        var wire = new int[distinctIps * 2];
        for (int i = 0; i < distinctIps; i++)
        {
            // Spread over the public IPv4 space, skipping reserved first octets.
            uint n = (uint)i * 2654435761u;
            int first = 1 + (int)((n >> 24) % 222);
            if (first is 10 or 100 or 127 or 169 or 172 or 192 or 198 or 203) first++;
            // i -> (first octet, 24 bits of i) keeps every remote distinct up to 16M of them.
            string remote = $"{first}.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}";
            byte proto = i % 4 == 0 ? Frames.Udp : Frames.Tcp;
            int payload = rng.Next(10) < 4 ? 0 : rng.Next(64, 1400);
            var inbound = Frames.Ethernet(Frames.Ipv4(remote, Local, proto, payload, 443, 50000));
            var outbound = Frames.Ethernet(Frames.Ipv4(Local, remote, proto, payload / 3, 50000, 443));
            (templates[2 * i], wire[2 * i]) = (inbound[..Math.Min(Snap, inbound.Length)], inbound.Length);
            (templates[2 * i + 1], wire[2 * i + 1]) = (outbound[..Math.Min(Snap, outbound.Length)], outbound.Length);
        }
        using var w = new PcapWriter(path, 1, snapLength: 256);
        for (int p = 0; p < packets; p++)
        {
            // Every remote appears in the first pass; after that a skewed mix (busy peers talk more).
            int i = p < distinctIps ? p : (int)(Math.Pow(rng.NextDouble(), 3) * distinctIps);
            int t = 2 * i + rng.Next(2);
            w.Write(templates[t], (uint)(1_700_000_000 + p / 100_000), wire[t]);
        }
    }
}
