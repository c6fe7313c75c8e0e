using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Conduit.Tracking.Packets;

public enum ParseResult : byte
{
    /// <summary>An IP packet: addresses, length and (when present) ports are filled in.</summary>
    Ok,
    /// <summary>A well-formed frame that carries no IP (ARP, LLDP...): not counted anywhere but `other`.</summary>
    NotIp,
    /// <summary>Truncated headers, wrong versions, impossible lengths: counted as malformed and skipped.</summary>
    Malformed,
}

/// <summary>What the tracker needs from one packet. Filled in place by <see cref="PacketParser"/>.</summary>
public struct PacketInfo
{
    public IpKey Source;
    public IpKey Destination;
    /// <summary>The IP packet's length on the wire: IPv4 total length, IPv6 40 + payload length.</summary>
    public int IpLength;
    /// <summary>The transport protocol (6 TCP, 17 UDP, ...), after IPv6 extension headers.</summary>
    public byte Protocol;
    public bool IsV6;
    /// <summary>True for every IPv4/IPv6 fragment but the first: they carry no ports.</summary>
    public bool IsLaterFragment;
    public ushort SourcePort;
    public ushort DestinationPort;
}

/// <summary>
/// Hand-written header parser over a span: link layer (Ethernet + 802.1Q/802.1ad, Linux cooked v1/v2, raw IP),
/// IPv4 (options, fragments), IPv6 (hop-by-hop, routing, fragment, destination options, AH), TCP and UDP ports.
/// Every read is bounds-checked against the captured bytes; it never throws and never allocates.
/// </summary>
public static class PacketParser
{
    const ushort EtherIpv4 = 0x0800, EtherIpv6 = 0x86DD, EtherVlan = 0x8100, EtherQinQ = 0x88A8, EtherQinQOld = 0x9100;
    const int MaxVlanTags = 4;

    /// <param name="linkType">the capture's DLT (see <see cref="LinkType"/>)</param>
    /// <param name="frame">the captured bytes (may be cut short by the snap length)</param>
    /// <param name="wireLength">the frame's length on the wire, to reject IP length fields larger than the frame</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ParseResult Parse(int linkType, ReadOnlySpan<byte> frame, int wireLength, ref PacketInfo info)
    {
        int offset;
        ushort etherType;
        switch (linkType)
        {
            case (int)LinkType.Ethernet:
                if (frame.Length < 14) return ParseResult.Malformed;
                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame.Slice(12));
                offset = 14;
                for (int tags = 0; etherType is EtherVlan or EtherQinQ or EtherQinQOld; tags++)
                {
                    if (tags == MaxVlanTags || frame.Length < offset + 4) return ParseResult.Malformed;
                    etherType = BinaryPrimitives.ReadUInt16BigEndian(frame.Slice(offset + 2));
                    offset += 4;
                }
                break;
            case (int)LinkType.LinuxSll:
                if (frame.Length < 16) return ParseResult.Malformed;
                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame.Slice(14));
                offset = 16;
                break;
            case (int)LinkType.LinuxSll2:
                if (frame.Length < 20) return ParseResult.Malformed;
                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame);
                offset = 20;
                break;
            case (int)LinkType.Raw or (int)LinkType.RawBsd or (int)LinkType.RawFile:
                if (frame.Length < 1) return ParseResult.Malformed;
                etherType = (frame[0] >> 4) switch { 4 => EtherIpv4, 6 => EtherIpv6, _ => 0 };
                if (etherType == 0) return ParseResult.Malformed;
                offset = 0;
                break;
            case (int)LinkType.Ipv4:
                etherType = EtherIpv4;
                offset = 0;
                break;
            case (int)LinkType.Ipv6:
                etherType = EtherIpv6;
                offset = 0;
                break;
            default:
                return ParseResult.NotIp;
        }

        var ip = frame.Slice(offset);
        int ipRoom = wireLength - offset; // what the wire frame can hold after the link header
        return etherType switch
        {
            EtherIpv4 => ParseIpv4(ip, ipRoom, ref info),
            EtherIpv6 => ParseIpv6(ip, ipRoom, ref info),
            _ => ParseResult.NotIp,
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ParseResult ParseIpv4(ReadOnlySpan<byte> ip, int room, ref PacketInfo info)
    {
        if (ip.Length < 20) return ParseResult.Malformed;
        int versionIhl = ip[0];
        int headerLength = (versionIhl & 0x0F) << 2;
        if ((versionIhl >> 4) != 4 || headerLength < 20 || ip.Length < headerLength) return ParseResult.Malformed;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(ip.Slice(2));
        if (totalLength < headerLength || totalLength > room) return ParseResult.Malformed;
        ushort fragment = BinaryPrimitives.ReadUInt16BigEndian(ip.Slice(6));

        info.IsV6 = false;
        info.IpLength = totalLength;
        info.Protocol = ip[9];
        info.Source = IpKey.FromV4(ip.Slice(12));
        info.Destination = IpKey.FromV4(ip.Slice(16));
        info.IsLaterFragment = (fragment & 0x1FFF) != 0;
        return ParsePorts(ip.Slice(headerLength), totalLength - headerLength, ref info);
    }

    static ParseResult ParseIpv6(ReadOnlySpan<byte> ip, int room, ref PacketInfo info)
    {
        if (ip.Length < 40) return ParseResult.Malformed;
        if ((ip[0] >> 4) != 6) return ParseResult.Malformed;
        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(ip.Slice(4));
        // Payload length 0 means a jumbogram (hop-by-hop option): not seen on real links here; treat as malformed.
        if (payloadLength == 0 && ip[6] != 59) return ParseResult.Malformed;
        int total = 40 + payloadLength;
        if (total > room) return ParseResult.Malformed;

        info.IsV6 = true;
        info.IpLength = total;
        info.Source = IpKey.FromV6(ip.Slice(8));
        info.Destination = IpKey.FromV6(ip.Slice(24));
        info.IsLaterFragment = false;

        byte next = ip[6];
        int offset = 40;
        // Walk the extension-header chain; each step is bounds-checked and advances, so it terminates.
        while (true)
        {
            switch (next)
            {
                case 0 or 43 or 60: // hop-by-hop, routing, destination options: (len + 1) * 8 bytes
                    if (ip.Length < offset + 2) return ParseResult.Malformed;
                    next = ip[offset];
                    offset += (ip[offset + 1] + 1) << 3;
                    break;
                case 51: // authentication header: (len + 2) * 4 bytes
                    if (ip.Length < offset + 2) return ParseResult.Malformed;
                    next = ip[offset];
                    offset += (ip[offset + 1] + 2) << 2;
                    break;
                case 44: // fragment: 8 bytes; only the first fragment carries the transport header
                    if (ip.Length < offset + 8) return ParseResult.Malformed;
                    next = ip[offset];
                    if ((BinaryPrimitives.ReadUInt16BigEndian(ip.Slice(offset + 2)) & 0xFFF8) != 0) info.IsLaterFragment = true;
                    offset += 8;
                    break;
                default:
                    if (offset > total) return ParseResult.Malformed;
                    info.Protocol = next;
                    if (offset > ip.Length) return ParseResult.Malformed;
                    return ParsePorts(ip.Slice(offset), total - offset, ref info);
            }
            if (offset > total) return ParseResult.Malformed;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ParseResult ParsePorts(ReadOnlySpan<byte> transport, int transportLength, ref PacketInfo info)
    {
        info.SourcePort = 0;
        info.DestinationPort = 0;
        if (info.IsLaterFragment) return ParseResult.Ok;
        switch (info.Protocol)
        {
            case 6: // TCP: ports, and a data offset of at least 5 words
                if (transportLength < 20 || transport.Length < 13) return ParseResult.Malformed;
                if ((transport[12] >> 4) < 5) return ParseResult.Malformed;
                break;
            case 17: // UDP
                if (transportLength < 8 || transport.Length < 4) return ParseResult.Malformed;
                break;
            default:
                return ParseResult.Ok;
        }
        info.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(transport);
        info.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(transport.Slice(2));
        return ParseResult.Ok;
    }
}
