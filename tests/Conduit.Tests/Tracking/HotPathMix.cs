namespace Conduit.Tests.Tracking;

/// <summary>
/// A realistic capture as libpcap hands it over: frames snapped to <see cref="SnapLength"/> bytes, back to back
/// in one buffer (like the kernel ring), with their wire lengths. Mix: 70% IPv4 TCP, 20% IPv4 UDP, 10% IPv6 TCP,
/// both directions, 5% VLAN-tagged, 40% bare ACK-sized packets.
/// </summary>
public sealed class HotPathMix
{
    public const string LocalV6 = "2001:4860:1::10";
    public const int SnapLength = 128;

    public byte[] Buffer { get; }
    public int[] Offsets { get; }
    public int[] Lengths { get; }
    public int[] WireLengths { get; }
    public int Count => Offsets.Length;

    public ReadOnlySpan<byte> Frame(int i) => Buffer.AsSpan(Offsets[i], Lengths[i]);

    HotPathMix(byte[] buffer, int[] offsets, int[] lengths, int[] wire) => (Buffer, Offsets, Lengths, WireLengths) = (buffer, offsets, lengths, wire);

    public static HotPathMix Create(int count, int distinctIps, string local)
    {
        var rng = new Random(12345);
        var offsets = new int[count];
        var lengths = new int[count];
        var wire = new int[count];
        using var buffer = new MemoryStream();
        for (int i = 0; i < count; i++)
        {
            int n = rng.Next(distinctIps);
            string remote4 = $"{1 + n % 200}.{n / 200 % 250}.{n % 7}.{1 + n % 250}";
            string remote6 = $"2a00:{n >> 16:x}:{n & 0xFFFF:x}::{n % 97 + 1:x}";
            bool inbound = rng.Next(2) == 0;
            int payload = rng.Next(10) < 4 ? 0 : rng.Next(40, 1400);
            int kind = rng.Next(10);
            byte[] ip = kind switch
            {
                < 7 => inbound ? Frames.Ipv4(remote4, local, Frames.Tcp, payload) : Frames.Ipv4(local, remote4, Frames.Tcp, payload),
                < 9 => inbound ? Frames.Ipv4(remote4, local, Frames.Udp, payload) : Frames.Ipv4(local, remote4, Frames.Udp, payload),
                _ => inbound ? Frames.Ipv6(remote6, LocalV6, Frames.Tcp, payload) : Frames.Ipv6(LocalV6, remote6, Frames.Tcp, payload),
            };
            var frame = rng.Next(20) == 0 ? Frames.Ethernet(ip, 0x8100) : Frames.Ethernet(ip);
            offsets[i] = (int)buffer.Position;
            lengths[i] = Math.Min(frame.Length, SnapLength);
            wire[i] = frame.Length;
            buffer.Write(frame, 0, lengths[i]);
        }
        return new HotPathMix(buffer.ToArray(), offsets, lengths, wire);
    }
}
