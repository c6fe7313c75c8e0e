using System.Buffers.Binary;
using System.Net;

namespace Conduit.Tests.Ebpf;

/// <summary>Hand-built Ethernet frames for the parser paths real sockets cannot produce here (VLAN tags: this
/// kernel has no 8021q driver; IPv6 extension headers; fragments; truncated headers).</summary>
public static class Frames
{
    public enum Tagging { None, Dot1Q, QinQ }

    public const int Udp = 17, Tcp = 6, Icmp = 1;

    static byte[] Ethernet(Tagging tagging, ushort ethertype, byte[] payload)
    {
        var head = new List<byte>();
        head.AddRange(Enumerable.Repeat((byte)0xff, 6));          // broadcast: no MAC needed
        head.AddRange(new byte[] { 0x02, 0, 0, 0, 0, 0x01 });
        if (tagging == Tagging.QinQ) head.AddRange(new byte[] { 0x88, 0xa8, 0x00, 200 });
        if (tagging != Tagging.None) head.AddRange(new byte[] { 0x81, 0x00, 0x00, 100 });
        head.Add((byte)(ethertype >> 8));
        head.Add((byte)ethertype);
        return [.. head, .. payload];
    }

    static byte[] Ports(int protocol, ushort source, ushort destination, int payload)
    {
        var header = new byte[protocol == Tcp ? 20 : 8];
        BinaryPrimitives.WriteUInt16BigEndian(header, source);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), destination);
        if (protocol == Tcp) header[12] = 5 << 4;
        else BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(4), (ushort)(8 + payload));
        return [.. header, .. new byte[payload]];
    }

    /// <summary>An IPv4 frame; <paramref name="fragmentOffset"/> in 8-byte units (non-zero: no transport header).</summary>
    public static byte[] V4(Tagging tagging, string source, string destination, int protocol, ushort sport, ushort dport, int payload, int fragmentOffset = 0)
    {
        var l4 = fragmentOffset == 0 && protocol != Icmp ? Ports(protocol, sport, dport, payload) : new byte[payload];
        var ip = new byte[20 + l4.Length];
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(2), (ushort)ip.Length);
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(6), (ushort)fragmentOffset);
        ip[8] = 64;
        ip[9] = (byte)protocol;
        IPAddress.Parse(source).TryWriteBytes(ip.AsSpan(12), out _);
        IPAddress.Parse(destination).TryWriteBytes(ip.AsSpan(16), out _);
        l4.CopyTo(ip, 20);
        return Ethernet(tagging, 0x0800, ip);
    }

    /// <summary>An IPv6 frame, optionally behind hop-by-hop and fragment headers (fragment offset in 8-byte units).</summary>
    public static byte[] V6(Tagging tagging, string source, string destination, int protocol, ushort sport, ushort dport, int payload,
        bool hopByHop = false, int? fragmentOffset = null)
    {
        var l4 = fragmentOffset is null or 0 ? Ports(protocol, sport, dport, payload) : new byte[payload];
        var ext = new List<byte>();
        var next = (byte)protocol;
        if (fragmentOffset is { } off)
        {
            var frag = new byte[8];
            frag[0] = next;
            BinaryPrimitives.WriteUInt16BigEndian(frag.AsSpan(2), (ushort)((off << 3) | 1));
            ext.InsertRange(0, frag);
            next = 44;
        }
        if (hopByHop)
        {
            var hbh = new byte[16]; // 2 x 8 bytes: length field 1
            hbh[0] = next;
            hbh[1] = 1;
            hbh[2] = 1; // PadN option covering the rest
            hbh[3] = 12;
            ext.InsertRange(0, hbh);
            next = 0;
        }
        var ip = new byte[40 + ext.Count + l4.Length];
        ip[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(4), (ushort)(ext.Count + l4.Length));
        ip[6] = next;
        ip[7] = 64;
        IPAddress.Parse(source).TryWriteBytes(ip.AsSpan(8), out _);
        IPAddress.Parse(destination).TryWriteBytes(ip.AsSpan(24), out _);
        ext.CopyTo(ip, 40);
        l4.CopyTo(ip, 40 + ext.Count);
        return Ethernet(tagging, 0x86dd, ip);
    }

    /// <summary>The IP length the counters must add for a frame built here.</summary>
    public static int IpLength(byte[] frame, Tagging tagging) => frame.Length - 14 - tagging switch { Tagging.None => 0, Tagging.Dot1Q => 4, _ => 8 };

    /// <summary>Cut short inside the IPv4 header: must count as malformed.</summary>
    public static byte[] TruncatedV4(Tagging tagging) => V4(tagging, "203.0.113.250", "198.51.100.250", Udp, 1, 2, 0)[..^18];

    /// <summary>An ARP-typed frame: must count as non-IP.</summary>
    public static byte[] NonIp(Tagging tagging) => Ethernet(tagging, 0x0806, new byte[28]);
}
