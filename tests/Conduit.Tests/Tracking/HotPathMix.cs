namespace Conduit.Tests.Tracking;

/// <summary>A realistic frame mix: 70% IPv4 TCP, 20% IPv4 UDP, 10% IPv6; both directions; some VLAN tags.</summary>
public static class HotPathMix
{
    public const string LocalV6 = "2001:4860:1::10";

    public static byte[][] Frames(int count, int distinctIps, string local)
    {
        var rng = new Random(12345);
        var result = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            int n = rng.Next(distinctIps);
            string remote4 = $"{1 + n % 200}.{n / 200 % 250}.{n % 7}.{1 + n % 250}";
            string remote6 = $"2a00:{n:x}::{n % 97 + 1:x}";
            bool inbound = rng.Next(2) == 0;
            int payload = rng.Next(10) < 4 ? 0 : rng.Next(40, 1400);
            int kind = rng.Next(10);
            byte[] ip = kind switch
            {
                < 7 => inbound ? Tracking.Frames.Ipv4(remote4, local, Tracking.Frames.Tcp, payload) : Tracking.Frames.Ipv4(local, remote4, Tracking.Frames.Tcp, payload),
                < 9 => inbound ? Tracking.Frames.Ipv4(remote4, local, Tracking.Frames.Udp, payload) : Tracking.Frames.Ipv4(local, remote4, Tracking.Frames.Udp, payload),
                _ => inbound ? Tracking.Frames.Ipv6(remote6, LocalV6, Tracking.Frames.Tcp, payload) : Tracking.Frames.Ipv6(LocalV6, remote6, Tracking.Frames.Tcp, payload),
            };
            result[i] = rng.Next(20) == 0 ? Tracking.Frames.Ethernet(ip, 0x8100) : Tracking.Frames.Ethernet(ip);
        }
        return result;
    }
}
