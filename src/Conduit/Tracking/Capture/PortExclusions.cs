using System.Globalization;

namespace Conduit.Tracking.Capture;

/// <summary>
/// The ports whose TCP/UDP traffic is not counted: SSH (the default filter, <see cref="PcapBackend.DefaultFilter"/>) plus
/// `--exclude-port`. One rule for every backend: libpcap gets it as its filter, the eBPF program and the pcap
/// file reader apply it to what they parse.
/// </summary>
public static class PortExclusions
{
    public const ushort Ssh = 22;

    /// <summary>The comma-separated `--exclude-port` list, validated; empty when none.</summary>
    public static ushort[] Parse(string? list)
    {
        var ports = new List<ushort>();
        if (string.IsNullOrWhiteSpace(list)) return [];
        foreach (var part in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!ushort.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port == 0)
                throw new UsageException($"--exclude-port: '{part}' is not a port (1..65535)");
            if (!ports.Contains(port)) ports.Add(port);
        }
        return [.. ports];
    }

    /// <summary>What the default filter excludes plus <paramref name="list"/>.</summary>
    public static ushort[] WithDefault(string? list) => [Ssh, .. Parse(list).Where(p => p != Ssh)];
}
