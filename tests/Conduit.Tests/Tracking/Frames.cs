using System.Buffers.Binary;
using System.Net;

namespace Conduit.Tests.Tracking;

/// <summary>Builds test frames byte by byte: link headers, IPv4/IPv6 (with options and extension headers), TCP/UDP.</summary>
public static class Frames
{
    public const byte Tcp = 6, Udp = 17, Icmp = 1;

    /// <summary>An IPv4 packet with a transport header and <paramref name="payload"/> zero bytes.</summary>
    public static byte[] Ipv4(string src, string dst, byte protocol, int payload, ushort sport = 40000, ushort dport = 443,
        int optionWords = 0, ushort fragmentField = 0)
    {
        int transport = TransportLength(protocol, fragmentField);
        int header = 20 + optionWords * 4;
        var p = new byte[header + transport + payload];
        p[0] = (byte)(0x40 | (5 + optionWords));
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), (ushort)p.Length);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(6), fragmentField);
        p[8] = 64;
        p[9] = protocol;
        IPAddress.Parse(src).GetAddressBytes().CopyTo(p, 12);
        IPAddress.Parse(dst).GetAddressBytes().CopyTo(p, 16);
        for (int i = 20; i < header; i++) p[i] = 1; // NOP options
        if (transport > 0) WriteTransport(p.AsSpan(header), protocol, sport, dport, transport + payload);
        return p;
    }

    /// <summary>An IPv6 packet; <paramref name="extensions"/> are next-header numbers (0, 43, 60: 8 bytes; 44: fragment).</summary>
    public static byte[] Ipv6(string src, string dst, byte protocol, int payload, ushort sport = 40000, ushort dport = 443,
        byte[]? extensions = null, ushort fragmentOffset = 0)
    {
        extensions ??= [];
        bool later = fragmentOffset != 0;
        int transport = later ? 0 : TransportLength(protocol, 0);
        int extLength = extensions.Length * 8;
        var p = new byte[40 + extLength + transport + payload];
        p[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), (ushort)(p.Length - 40));
        p[6] = extensions.Length > 0 ? extensions[0] : protocol;
        p[7] = 64;
        IPAddress.Parse(src).GetAddressBytes().CopyTo(p, 8);
        IPAddress.Parse(dst).GetAddressBytes().CopyTo(p, 24);
        for (int i = 0; i < extensions.Length; i++)
        {
            int o = 40 + i * 8;
            p[o] = i + 1 < extensions.Length ? extensions[i + 1] : protocol;
            p[o + 1] = 0; // (0 + 1) * 8 bytes; for a fragment header this byte is reserved
            if (extensions[i] == 44) BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(o + 2), (ushort)(fragmentOffset << 3));
        }
        if (transport > 0) WriteTransport(p.AsSpan(40 + extLength), protocol, sport, dport, transport + payload);
        return p;
    }

    static int TransportLength(byte protocol, ushort fragmentField) =>
        (fragmentField & 0x1FFF) != 0 ? 0 : protocol switch { Tcp => 20, Udp => 8, _ => 0 };

    static void WriteTransport(Span<byte> t, byte protocol, ushort sport, ushort dport, int length)
    {
        BinaryPrimitives.WriteUInt16BigEndian(t, sport);
        BinaryPrimitives.WriteUInt16BigEndian(t[2..], dport);
        if (protocol == Tcp) t[12] = 0x50;
        else BinaryPrimitives.WriteUInt16BigEndian(t[4..], (ushort)length);
    }

    public static byte[] Ethernet(byte[] ip, params ushort[] vlanTpids)
    {
        var f = new byte[14 + vlanTpids.Length * 4 + ip.Length];
        f[0] = 0x02; f[6] = 0x02; f[11] = 1;
        int o = 12;
        foreach (var tpid in vlanTpids)
        {
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(o), tpid);
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(o + 2), 100); // VLAN id
            o += 4;
        }
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(o), EtherTypeOf(ip));
        ip.CopyTo(f, o + 2);
        return f;
    }

    /// <summary>Ethernet (optionally VLAN-tagged), PPPoE session header, PPP protocol 0x0021/0x0057, IP.</summary>
    public static byte[] Pppoe(byte[] ip, params ushort[] vlanTpids)
    {
        var inner = new byte[8 + ip.Length];
        inner[0] = 0x11; // version 1, type 1; code 0 (session data)
        BinaryPrimitives.WriteUInt16BigEndian(inner.AsSpan(2), 0x1234); // session id
        BinaryPrimitives.WriteUInt16BigEndian(inner.AsSpan(4), (ushort)(2 + ip.Length));
        BinaryPrimitives.WriteUInt16BigEndian(inner.AsSpan(6), (ip[0] >> 4) == 6 ? (ushort)0x0057 : (ushort)0x0021);
        ip.CopyTo(inner, 8);
        var f = Ethernet(inner, vlanTpids);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12 + vlanTpids.Length * 4), 0x8864);
        return f;
    }

    public static byte[] EthernetOther(ushort etherType, int length)
    {
        var f = new byte[14 + length];
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), etherType);
        return f;
    }

    /// <summary>Linux cooked capture v1 (DLT 113): 16 bytes, protocol last.</summary>
    public static byte[] Sll(byte[] ip)
    {
        var f = new byte[16 + ip.Length];
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(2), 1); // ARPHRD_ETHER
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(4), 6);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(14), EtherTypeOf(ip));
        ip.CopyTo(f, 16);
        return f;
    }

    /// <summary>Linux cooked capture v2 (DLT 276): 20 bytes, protocol first.</summary>
    public static byte[] Sll2(byte[] ip)
    {
        var f = new byte[20 + ip.Length];
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(0), EtherTypeOf(ip));
        BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(4), 2); // interface index
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(8), 1);
        f[11] = 6;
        ip.CopyTo(f, 20);
        return f;
    }

    static ushort EtherTypeOf(byte[] ip) => (ip[0] >> 4) == 6 ? (ushort)0x86DD : (ushort)0x0800;
}

/// <summary>Writes classic pcap files (one link type per file), microsecond timestamps.</summary>
public sealed class PcapWriter : IDisposable
{
    readonly BinaryWriter _w;

    public PcapWriter(string path, int linkType, int snapLength = 65535)
    {
        _w = new BinaryWriter(File.Create(path));
        _w.Write(0xA1B2C3D4u);
        _w.Write((ushort)2);
        _w.Write((ushort)4);
        _w.Write(0);
        _w.Write(0u);
        _w.Write((uint)snapLength);
        _w.Write((uint)linkType);
    }

    /// <summary>Writes a record; <paramref name="wireLength"/> defaults to the frame length (set it larger for snapped frames).</summary>
    public void Write(ReadOnlySpan<byte> frame, uint seconds = 1_700_000_000, int? wireLength = null)
    {
        _w.Write(seconds);
        _w.Write(0u);
        _w.Write((uint)frame.Length);
        _w.Write((uint)(wireLength ?? frame.Length));
        _w.Write(frame);
    }

    public void Dispose() => _w.Dispose();
}
