using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Conduit.Tracking.Packets;

public enum ParseResult : byte
{
    /// <summary>An IP packet: addresses, length and (when present) ports are filled in.</summary>
    Ok,
    /// <summary>A well-formed frame that carries no IP (ARP, LLDP...): not counted anywhere but `other`.</summary>
    NotIp,
    /// <summary>A link or IP header that is cut short, wrong versions, impossible lengths: counted as malformed
    /// and skipped. A packet whose IP header is complete is never malformed because of its transport header.</summary>
    Malformed,
}

/// <summary>What the tracker needs from one packet. Filled in place by <see cref="PacketParser"/>.</summary>
public struct PacketInfo
{
    public IpKey Source;
    public IpKey Destination;
    /// <summary>The IP packet's length on the wire: IPv4 total length, IPv6 40 + payload length.</summary>
    public int IpLength;
    /// <summary>The transport protocol (6 TCP, 17 UDP, ...), after IPv6 extension headers;
    /// <see cref="PacketParser.ProtocolCut"/> when the capture ends inside the extension-header chain.</summary>
    public byte Protocol;
    public bool IsV6;
    /// <summary>True for every IPv4/IPv6 fragment but the first: they carry no ports.</summary>
    public bool IsLaterFragment;
    /// <summary>TCP/UDP ports; 0 when there are none or the capture ends before them (port 0 is never excluded).</summary>
    public ushort SourcePort;
    public ushort DestinationPort;
}

/// <summary>
/// Hand-written header parser over a span: link layer (Ethernet + any number of 802.1Q/802.1ad tags, PPPoE
/// session, Linux cooked v1/v2, raw IP), IPv4 (options, fragments), IPv6 (hop-by-hop, routing, fragment,
/// destination options, AH), TCP and UDP ports. A packet counts once its IP header is complete: its bytes crossed
/// the wire even when a snap length or a first fragment cuts the transport header (then its ports read as 0).
/// It never throws and never allocates. Each header's length is checked once against the captured bytes and
/// the fields inside it are then read without per-read bounds checks (this is the tracker's hot path).
/// </summary>
public static class PacketParser
{
    const ushort EtherIpv4 = 0x0800, EtherIpv6 = 0x86DD, EtherVlan = 0x8100, EtherQinQ = 0x88A8, EtherQinQOld = 0x9100;
    const ushort EtherPppoeSession = 0x8864, PppIpv4 = 0x0021, PppIpv6 = 0x0057;
    /// <summary>The protocol of an IPv6 packet whose extension-header chain the capture cut: unknown, so no
    /// protocol filter excludes it (255 is reserved by IANA, never on the wire).</summary>
    public const byte ProtocolCut = 255;

    /// <param name="linkType">the capture's DLT (see <see cref="LinkType"/>)</param>
    /// <param name="frame">the captured bytes (may be cut short by the snap length)</param>
    /// <param name="wireLength">the frame's length on the wire, to reject IP length fields larger than the frame</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ParseResult Parse(int linkType, ReadOnlySpan<byte> frame, int wireLength, ref PacketInfo info)
    {
        ref byte f = ref MemoryMarshal.GetReference(frame);
        int captured = frame.Length, offset;
        ushort etherType;
        if (linkType == (int)LinkType.Ethernet) // the common case, tested first
        {
            if (captured < 14) return ParseResult.Malformed;
            etherType = Be16(ref f, 12);
            offset = 14;
            // Any number of tags: each one is checked against the captured bytes and advances, so the loop ends.
            while (etherType is EtherVlan or EtherQinQ or EtherQinQOld)
            {
                if (captured < offset + 4) return ParseResult.Malformed;
                etherType = Be16(ref f, offset + 2);
                offset += 4;
            }
            if (etherType == EtherPppoeSession)
            {
                // PPPoE session header (6 bytes) then the PPP protocol (2 bytes): IPv4 0x0021, IPv6 0x0057.
                if (captured < offset + 8) return ParseResult.Malformed;
                ushort ppp = Be16(ref f, offset + 6);
                offset += 8;
                etherType = ppp switch { PppIpv4 => EtherIpv4, PppIpv6 => EtherIpv6, _ => 0 };
            }
        }
        else
        {
            var link = OtherLinkHeader(linkType, frame, out offset, out etherType);
            if (link != ParseResult.Ok) return link;
        }

        ref byte ip = ref Unsafe.Add(ref f, offset);
        int ipCaptured = captured - offset, ipRoom = wireLength - offset; // room: what the wire frame holds after the link header
        if (etherType == EtherIpv4) return ParseIpv4(ref ip, ipCaptured, ipRoom, ref info);
        if (etherType == EtherIpv6) return ParseIpv6(ref ip, ipCaptured, ipRoom, ref info);
        return ParseResult.NotIp;
    }

    /// <summary>The link header of every type but Ethernet: Ok with the offset and EtherType of the payload,
    /// Malformed when cut short, NotIp for a link type we do not read.</summary>
    static ParseResult OtherLinkHeader(int linkType, ReadOnlySpan<byte> frame, out int offset, out ushort etherType)
    {
        offset = 0;
        etherType = 0;
        switch (linkType)
        {
            case (int)LinkType.LinuxSll:
                if (frame.Length < 16) return ParseResult.Malformed;
                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame.Slice(14));
                offset = 16;
                return ParseResult.Ok;
            case (int)LinkType.LinuxSll2:
                if (frame.Length < 20) return ParseResult.Malformed;
                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame);
                offset = 20;
                return ParseResult.Ok;
            case (int)LinkType.Raw or (int)LinkType.RawBsd or (int)LinkType.RawFile:
                if (frame.Length < 1) return ParseResult.Malformed;
                etherType = (frame[0] >> 4) switch { 4 => EtherIpv4, 6 => EtherIpv6, _ => 0 };
                return etherType == 0 ? ParseResult.Malformed : ParseResult.Ok;
            case (int)LinkType.Ipv4:
                etherType = EtherIpv4;
                return ParseResult.Ok;
            case (int)LinkType.Ipv6:
                etherType = EtherIpv6;
                return ParseResult.Ok;
            default:
                return ParseResult.NotIp;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ParseResult ParseIpv4(ref byte ip, int captured, int room, ref PacketInfo info)
    {
        if (captured < 20) return ParseResult.Malformed;
        int versionIhl = ip;
        int headerLength = (versionIhl & 0x0F) << 2;
        if ((versionIhl >> 4) != 4 || headerLength < 20 || captured < headerLength) return ParseResult.Malformed;
        int totalLength = Be16(ref ip, 2);
        if (totalLength < headerLength || totalLength > room) return ParseResult.Malformed;

        info.IsV6 = false;
        info.IpLength = totalLength;
        info.Protocol = Unsafe.Add(ref ip, 9);
        info.Source = IpKey.FromV4(Be32(ref ip, 12));
        info.Destination = IpKey.FromV4(Be32(ref ip, 16));
        info.IsLaterFragment = (Be16(ref ip, 6) & 0x1FFF) != 0;
        return ParsePorts(ref Unsafe.Add(ref ip, headerLength), captured - headerLength, totalLength - headerLength, ref info);
    }

    static ParseResult ParseIpv6(ref byte ip, int captured, int room, ref PacketInfo info)
    {
        if (captured < 40 || (ip >> 4) != 6) return ParseResult.Malformed;
        int payloadLength = Be16(ref ip, 4);
        byte next = Unsafe.Add(ref ip, 6);
        // Payload length 0 means a jumbogram (hop-by-hop option): not seen on real links here; treat as malformed.
        if (payloadLength == 0 && next != 59) return ParseResult.Malformed;
        int total = 40 + payloadLength;
        if (total > room) return ParseResult.Malformed;

        info.IsV6 = true;
        info.IpLength = total;
        info.Source = new IpKey(Be64(ref ip, 8), Be64(ref ip, 16));
        info.Destination = new IpKey(Be64(ref ip, 24), Be64(ref ip, 32));
        info.IsLaterFragment = false;

        int offset = 40;
        // Walk the extension-header chain; each step is bounds-checked and advances, so it terminates.
        while (true)
        {
            switch (next)
            {
                case 0 or 43 or 60: // hop-by-hop, routing, destination options: (len + 1) * 8 bytes
                    if (captured < offset + 2) return ChainCut(offset, total, ref info);
                    next = Unsafe.Add(ref ip, offset);
                    offset += (Unsafe.Add(ref ip, offset + 1) + 1) << 3;
                    break;
                case 51: // authentication header: (len + 2) * 4 bytes
                    if (captured < offset + 2) return ChainCut(offset, total, ref info);
                    next = Unsafe.Add(ref ip, offset);
                    offset += (Unsafe.Add(ref ip, offset + 1) + 2) << 2;
                    break;
                case 44: // fragment: 8 bytes; only the first fragment carries the transport header
                    if (captured < offset + 8) return ChainCut(offset, total, ref info);
                    next = Unsafe.Add(ref ip, offset);
                    if ((Be16(ref ip, offset + 2) & 0xFFF8) != 0) info.IsLaterFragment = true;
                    offset += 8;
                    break;
                default:
                    if (offset > total) return ParseResult.Malformed;
                    info.Protocol = next;
                    return ParsePorts(ref Unsafe.Add(ref ip, offset), captured - offset, total - offset, ref info);
            }
            if (offset > total) return ParseResult.Malformed;
        }
    }

    /// <summary>The capture ends inside the IPv6 extension chain: the IP header is whole, so the packet counts,
    /// with its protocol and ports unknown. A chain that runs past the packet's own length is malformed.</summary>
    static ParseResult ChainCut(int offset, int total, ref PacketInfo info)
    {
        if (offset > total) return ParseResult.Malformed;
        info.Protocol = ProtocolCut;
        info.SourcePort = 0;
        info.DestinationPort = 0;
        return ParseResult.Ok;
    }

    /// <param name="captured">transport bytes present in the capture (may be negative past a cut chain)</param>
    /// <param name="transportLength">transport bytes the IP header says there are</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ParseResult ParsePorts(ref byte transport, int captured, int transportLength, ref PacketInfo info)
    {
        info.SourcePort = 0;
        info.DestinationPort = 0;
        // Ports of TCP or UDP (both start with them) when their 4 bytes are in the capture and in the packet; a
        // first fragment or a snap length may cut the rest of the header, and the packet still counts.
        if (info.IsLaterFragment || (info.Protocol is not (6 or 17)) || Math.Min(captured, transportLength) < 4) return ParseResult.Ok;
        info.SourcePort = Be16(ref transport, 0);
        info.DestinationPort = Be16(ref transport, 2);
        return ParseResult.Ok;
    }

    // Unchecked big-endian reads: every caller has checked that offset + size is within the captured bytes.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ushort Be16(ref byte at, int offset) => BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref at, offset)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static uint Be32(ref byte at, int offset) => BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref at, offset)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ulong Be64(ref byte at, int offset) => BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref at, offset)));
}
