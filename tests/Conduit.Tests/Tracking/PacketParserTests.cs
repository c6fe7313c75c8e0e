using Conduit.Tracking.Packets;

namespace Conduit.Tests.Tracking;

public class PacketParserTests
{
    static ParseResult Parse(int linkType, byte[] frame, out PacketInfo info, int? wire = null)
    {
        info = default;
        return PacketParser.Parse(linkType, frame, wire ?? frame.Length, ref info);
    }

    [Fact]
    public void Ethernet_ipv4_tcp_gives_addresses_ports_and_ip_length()
    {
        var ip = Frames.Ipv4("203.0.113.5", "8.8.8.8", Frames.Tcp, 100, 51000, 443);
        Assert.Equal(ParseResult.Ok, Parse(1, Frames.Ethernet(ip), out var info));
        Assert.Equal(IpKey.From(System.Net.IPAddress.Parse("203.0.113.5")), info.Source);
        Assert.Equal(IpKey.From(System.Net.IPAddress.Parse("8.8.8.8")), info.Destination);
        Assert.Equal(140, info.IpLength);
        Assert.Equal(6, info.Protocol);
        Assert.Equal((ushort)51000, info.SourcePort);
        Assert.Equal((ushort)443, info.DestinationPort);
        Assert.False(info.IsV6);
    }

    [Theory]
    [InlineData(new ushort[] { 0x8100 })]
    [InlineData(new ushort[] { 0x88A8, 0x8100 })]
    [InlineData(new ushort[] { 0x9100, 0x8100, 0x8100 })]
    public void Vlan_tags_are_skipped(ushort[] tags)
    {
        var ip = Frames.Ipv6("2001:4860::1", "2a00:1450::2", Frames.Udp, 10, 53, 5353);
        Assert.Equal(ParseResult.Ok, Parse(1, Frames.Ethernet(ip, tags), out var info));
        Assert.True(info.IsV6);
        Assert.Equal(58, info.IpLength);
        Assert.Equal((ushort)53, info.SourcePort);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(9)]
    public void More_than_four_vlan_tags_are_ip_too(int count)
    {
        var ip = Frames.Ipv4("1.1.1.1", "2.2.2.2", Frames.Udp, 0, 53, 5353);
        var frame = Frames.Ethernet(ip, Enumerable.Repeat((ushort)0x8100, count).ToArray());
        Assert.Equal(ParseResult.Ok, Parse(1, frame, out var info));
        Assert.Equal(28, info.IpLength);
        Assert.Equal((ushort)53, info.SourcePort);
        Assert.Equal(ParseResult.Malformed, Parse(1, frame[..(14 + 4 * count - 2)], out _)); // cut inside the tags
    }

    [Fact]
    public void Pppoe_session_frames_carry_ipv4_and_ipv6()
    {
        var v4 = Frames.Ipv4("5.1.1.1", "8.8.4.4", Frames.Tcp, 100, 1234, 443);
        Assert.Equal(ParseResult.Ok, Parse(1, Frames.Pppoe(v4), out var a));
        Assert.Equal(140, a.IpLength);
        Assert.Equal((ushort)443, a.DestinationPort);
        var v6 = Frames.Ipv6("2001:4860::1", "2a00:1450::2", Frames.Udp, 10, 53, 5353);
        Assert.Equal(ParseResult.Ok, Parse(1, Frames.Pppoe(v6, 0x8100), out var b));
        Assert.True(b.IsV6);
        Assert.Equal(58, b.IpLength);
        var lcp = Frames.Pppoe(v4);
        lcp[14 + 6] = 0xC0; lcp[14 + 7] = 0x21; // PPP LCP: not IP
        Assert.Equal(ParseResult.NotIp, Parse(1, lcp, out _));
        Assert.Equal(ParseResult.Malformed, Parse(1, Frames.Pppoe(v4)[..20], out _));
    }

    [Fact]
    public void A_cut_transport_header_still_counts_the_ip_packet()
    {
        // A first fragment carrying only 8 bytes of a TCP header: ports known, the packet counts.
        var first = Frames.Ipv4("5.1.1.1", "8.8.4.4", Frames.Tcp, 0, 1234, 22, fragmentField: 0x2000)[..28];
        first[3] = 28;
        Assert.Equal(ParseResult.Ok, Parse(12, first, out var a));
        Assert.Equal(28, a.IpLength);
        Assert.Equal((ushort)22, a.DestinationPort);
        // A snap length of 64 on Ethernet + IPv6 + TCP: 10 bytes of the TCP header were captured.
        var v6 = Frames.Ethernet(Frames.Ipv6("2001:4860::1", "2a00:1450::2", Frames.Tcp, 1000, 443, 50000));
        Assert.Equal(ParseResult.Ok, Parse(1, v6[..64], out var b, v6.Length));
        Assert.Equal(1060, b.IpLength);
        Assert.Equal((ushort)443, b.SourcePort);
        // Only 2 bytes of the transport header: counted, ports unknown (0: never excluded by a port filter).
        var v4 = Frames.Ethernet(Frames.Ipv4("1.1.1.1", "2.2.2.2", Frames.Udp, 500, 22, 22));
        Assert.Equal(ParseResult.Ok, Parse(1, v4[..36], out var c, v4.Length));
        Assert.Equal(528, c.IpLength);
        Assert.Equal((0, 0), (c.SourcePort, c.DestinationPort));
        // An IPv6 extension chain cut by the snap length: counted, protocol unknown.
        var chain = Frames.Ipv6("2001:4860::1", "2a00:1450::2", Frames.Udp, 4, extensions: [0, 60]);
        Assert.Equal(ParseResult.Ok, Parse(229, chain[..45], out var d, chain.Length));
        Assert.Equal(PacketParser.ProtocolCut, d.Protocol);
        Assert.Equal(chain.Length, d.IpLength);
    }

    [Fact]
    public void Linux_cooked_v1_and_v2_and_raw_ip()
    {
        var v4 = Frames.Ipv4("1.1.1.1", "9.9.9.9", Frames.Udp, 30, 1000, 2000);
        var v6 = Frames.Ipv6("2606:4700::1111", "2620:fe::fe", Frames.Tcp, 0, 3000, 4000);
        foreach (var (dlt, frame, len) in new[]
        {
            (113, Frames.Sll(v4), 58), (113, Frames.Sll(v6), 60),
            (276, Frames.Sll2(v4), 58), (276, Frames.Sll2(v6), 60),
            (12, v4, 58), (101, v6, 60), (14, v4, 58), (228, v4, 58), (229, v6, 60),
        })
        {
            Assert.Equal(ParseResult.Ok, Parse(dlt, frame, out var info));
            Assert.Equal(len, info.IpLength);
            Assert.True(info.SourcePort is 1000 or 3000, $"dlt {dlt}");
        }
    }

    [Fact]
    public void Ipv4_options_are_skipped_to_the_ports()
    {
        var ip = Frames.Ipv4("5.1.1.1", "8.8.4.4", Frames.Tcp, 5, 1234, 80, optionWords: 3);
        Assert.Equal(ParseResult.Ok, Parse(12, ip, out var info));
        Assert.Equal(20 + 12 + 20 + 5, info.IpLength);
        Assert.Equal((ushort)1234, info.SourcePort);
        Assert.Equal((ushort)80, info.DestinationPort);
    }

    [Fact]
    public void Only_the_first_ipv4_fragment_has_ports()
    {
        var first = Frames.Ipv4("5.1.1.1", "8.8.4.4", Frames.Udp, 100, 7, 9, fragmentField: 0x2000); // MF, offset 0
        Assert.Equal(ParseResult.Ok, Parse(12, first, out var a));
        Assert.False(a.IsLaterFragment);
        Assert.Equal((ushort)7, a.SourcePort);
        var later = Frames.Ipv4("5.1.1.1", "8.8.4.4", Frames.Udp, 100, fragmentField: 0x000E); // offset 14*8
        Assert.Equal(ParseResult.Ok, Parse(12, later, out var b));
        Assert.True(b.IsLaterFragment);
        Assert.Equal((ushort)0, b.SourcePort);
        Assert.Equal(120, b.IpLength);
    }

    [Fact]
    public void Ipv6_extension_chain_is_walked()
    {
        var ip = Frames.Ipv6("2001:4860::1", "2a00:1450::2", Frames.Tcp, 7, 1111, 2222, extensions: [0, 43, 60, 44]);
        Assert.Equal(ParseResult.Ok, Parse(229, ip, out var info));
        Assert.Equal(6, info.Protocol);
        Assert.Equal((ushort)1111, info.SourcePort);
        Assert.Equal(40 + 32 + 20 + 7, info.IpLength);

        var later = Frames.Ipv6("2001:4860::1", "2a00:1450::2", Frames.Udp, 64, extensions: [44], fragmentOffset: 100);
        Assert.Equal(ParseResult.Ok, Parse(229, later, out var frag));
        Assert.True(frag.IsLaterFragment);
        Assert.Equal((ushort)0, frag.SourcePort);
    }

    [Fact]
    public void Non_ip_frames_are_not_ip() =>
        Assert.Equal(ParseResult.NotIp, Parse(1, Frames.EthernetOther(0x0806, 28), out _)); // ARP

    [Fact]
    public void Unknown_link_type_is_not_ip() =>
        Assert.Equal(ParseResult.NotIp, Parse(147, Frames.Ipv4("1.1.1.1", "2.2.2.2", Frames.Udp, 1), out _));

    [Fact]
    public void Truncated_headers_and_impossible_lengths_are_malformed()
    {
        var ip = Frames.Ipv4("1.1.1.1", "2.2.2.2", Frames.Tcp, 10);
        var eth = Frames.Ethernet(ip);
        Assert.Equal(ParseResult.Malformed, Parse(1, eth[..13], out _));                // no ethertype
        Assert.Equal(ParseResult.Malformed, Parse(1, eth[..30], out _));                // IPv4 header cut
        var lying = (byte[])ip.Clone();
        lying[2] = 0xFF; // total length 65k+ in a 50-byte packet
        Assert.Equal(ParseResult.Malformed, Parse(12, lying, out _));
        var badIhl = (byte[])ip.Clone();
        badIhl[0] = 0x44;
        Assert.Equal(ParseResult.Malformed, Parse(12, badIhl, out _));
        var badVersion = (byte[])ip.Clone();
        badVersion[0] = 0x55;
        Assert.Equal(ParseResult.Malformed, Parse(12, badVersion, out _));
        var v6 = Frames.Ipv6("2001:4860::1", "2a00:1450::2", Frames.Udp, 4, extensions: [0, 60]);
        Assert.Equal(ParseResult.Malformed, Parse(229, v6[..39], out _));               // IPv6 header cut
        var v6long = (byte[])v6.Clone();
        v6long[41] = 200; // hop-by-hop claims 1608 bytes
        Assert.Equal(ParseResult.Malformed, Parse(229, v6long, out _));
    }

    [Fact]
    public void Snapped_frames_count_the_wire_length_not_the_captured_one()
    {
        var ip = Frames.Ipv4("1.1.1.1", "2.2.2.2", Frames.Udp, 1400);
        var eth = Frames.Ethernet(ip);
        Assert.Equal(ParseResult.Ok, Parse(1, eth[..96], out var info, eth.Length));
        Assert.Equal(1428, info.IpLength);
    }

    [Fact]
    public void Random_corruption_never_throws_and_never_claims_more_than_the_frame()
    {
        var rng = new Random(20261126);
        var seeds = new List<(int Dlt, byte[] Frame)>
        {
            (1, Frames.Ethernet(Frames.Ipv4("1.1.1.1", "8.8.8.8", Frames.Tcp, 40, optionWords: 2))),
            (1, Frames.Ethernet(Frames.Ipv6("2001:4860::1", "2a00:1450::2", Frames.Udp, 40, extensions: [0, 43, 44, 60]), 0x8100)),
            (113, Frames.Sll(Frames.Ipv4("1.1.1.1", "8.8.8.8", Frames.Udp, 12))),
            (276, Frames.Sll2(Frames.Ipv6("2001:4860::1", "2a00:1450::2", Frames.Tcp, 3))),
            (12, Frames.Ipv4("1.1.1.1", "8.8.8.8", Frames.Udp, 0, fragmentField: 0x2000)),
            (229, Frames.Ipv6("2001:4860::1", "2a00:1450::2", 51, 30)),
        };
        int ok = 0, malformed = 0;
        for (int i = 0; i < 200_000; i++)
        {
            var (dlt, seed) = seeds[i % seeds.Count];
            var frame = (byte[])seed.Clone();
            switch (rng.Next(4))
            {
                case 0: frame = frame[..rng.Next(frame.Length + 1)]; break;               // truncation
                case 1: for (int f = rng.Next(1, 6); f > 0; f--) frame[rng.Next(frame.Length)] ^= (byte)(1 << rng.Next(8)); break;
                case 2: frame[rng.Next(frame.Length)] = 0xFF; frame[rng.Next(frame.Length)] = 0x00; break; // absurd fields
                default: rng.NextBytes(frame.AsSpan(rng.Next(frame.Length))); break;
            }
            int wire = rng.Next(4) == 0 ? rng.Next(frame.Length + 100) : frame.Length;
            // Copy into an exactly-sized array: any read past the end would throw IndexOutOfRange from the span.
            var exact = frame.ToArray();
            var info = default(PacketInfo);
            var result = PacketParser.Parse(dlt, exact, wire, ref info);
            if (result == ParseResult.Ok)
            {
                ok++;
                Assert.InRange(info.IpLength, 20, wire);
            }
            else if (result == ParseResult.Malformed) malformed++;
        }
        Assert.True(ok > 1000 && malformed > 1000, $"corpus should exercise both outcomes: ok {ok}, malformed {malformed}");
    }
}
