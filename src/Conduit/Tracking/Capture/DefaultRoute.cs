using System.Globalization;

namespace Conduit.Tracking.Capture;

/// <summary>The primary interface: the device of the IPv4 default route, else of the IPv6 one.</summary>
public static class DefaultRoute
{
    public static string? Interface(string procNet = "/proc/net")
    {
        // /proc/net/route: Iface Destination Gateway Flags ... (hex, destination 00000000 = default)
        foreach (var line in ReadLines(Path.Combine(procNet, "route")).Skip(1))
        {
            var f = line.Split('\t', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (f.Length > 7 && f[1] == "00000000" && f[7] == "00000000" && IsUp(f[3])) return f[0];
        }
        // /proc/net/ipv6_route: dest destlen src srclen nexthop metric refcnt use flags iface
        foreach (var line in ReadLines(Path.Combine(procNet, "ipv6_route")))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length >= 10 && f[0] == new string('0', 32) && f[1] == "00" && f[9] != "lo") return f[9];
        }
        return null;
    }

    static bool IsUp(string hexFlags) =>
        int.TryParse(hexFlags, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var flags) && (flags & 1) != 0;

    static IEnumerable<string> ReadLines(string path)
    {
        try { return File.ReadAllLines(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
    }
}
