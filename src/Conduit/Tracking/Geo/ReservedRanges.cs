using Conduit.Tracking.Packets;

namespace Conduit.Tracking.Geo;

/// <summary>
/// Addresses that belong to no country: private (RFC 1918, ULA), loopback, link-local, CGNAT, multicast,
/// broadcast, documentation/benchmark and other special-purpose ranges (IANA registries). Checked once per new IP.
/// </summary>
public static class ReservedRanges
{
    // (network, prefix length) in host order.
    static readonly (uint Net, int Bits)[] V4 =
    [
        (0x00000000, 8),   // 0.0.0.0/8 "this network"
        (0x0A000000, 8),   // 10/8 private
        (0x64400000, 10),  // 100.64/10 CGNAT
        (0x7F000000, 8),   // 127/8 loopback
        (0xA9FE0000, 16),  // 169.254/16 link-local
        (0xAC100000, 12),  // 172.16/12 private
        (0xC0000000, 24),  // 192.0.0/24 IETF protocol assignments
        (0xC0000200, 24),  // 192.0.2/24 TEST-NET-1
        (0xC0586300, 24),  // 192.88.99/24 6to4 relay anycast (deprecated)
        (0xC0A80000, 16),  // 192.168/16 private
        (0xC6120000, 15),  // 198.18/15 benchmarking
        (0xC6336400, 24),  // 198.51.100/24 TEST-NET-2
        (0xCB007100, 24),  // 203.0.113/24 TEST-NET-3
        (0xE0000000, 4),   // 224/4 multicast
        (0xF0000000, 4),   // 240/4 reserved, includes 255.255.255.255
    ];

    // (first 64 bits, prefix length <= 64) for IPv6.
    static readonly (ulong Net, int Bits)[] V6 =
    [
        (0xFC00_0000_0000_0000, 7),   // fc00::/7 unique local
        (0xFE80_0000_0000_0000, 10),  // fe80::/10 link-local
        (0xFEC0_0000_0000_0000, 10),  // fec0::/10 site-local (deprecated)
        (0xFF00_0000_0000_0000, 8),   // ff00::/8 multicast
        (0x2001_0DB8_0000_0000, 32),  // 2001:db8::/32 documentation
        (0x3FFF_0000_0000_0000, 20),  // 3fff::/20 documentation
        (0x2001_0000_0000_0000, 23),  // 2001::/23 IETF protocol assignments (Teredo, benchmarking, ORCHID)
        (0x0100_0000_0000_0000, 64),  // 100::/64 discard-only
    ];

    public static bool Contains(IpKey ip)
    {
        if (ip.IsV4)
        {
            uint a = ip.V4;
            foreach (var (net, bits) in V4)
                if ((a >> (32 - bits)) == (net >> (32 - bits))) return true;
            return false;
        }
        if (ip.Hi == 0) return true; // ::/64 holds ::, ::1, IPv4-compatible and other special forms
        foreach (var (net, bits) in V6)
            if ((ip.Hi >> (64 - bits)) == (net >> (64 - bits))) return true;
        return false;
    }
}
