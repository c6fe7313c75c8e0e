using System.Globalization;

namespace Conduit.NodeStats;

/// <summary>Raw host counters at one instant (from /proc and /sys).</summary>
internal sealed record HostSample(
    DateTimeOffset At, long CpuBusyTicks, long CpuTotalTicks, int Cores, long MemTotalBytes, long MemAvailableBytes,
    string? Interface, long RxBytes, long TxBytes);

/// <summary>Host figures over an interval: CPU %, RAM, network rates on the default interface.</summary>
internal sealed record HostUsage(double CpuPercent, int Cores, long MemUsedBytes, long MemTotalBytes, string? Interface, double RxBytesPerSecond, double TxBytesPerSecond, long RxBytes, long TxBytes)
{
    public double MemPercent => MemTotalBytes > 0 ? 100.0 * MemUsedBytes / MemTotalBytes : 0;

    public static HostUsage Between(HostSample a, HostSample b)
    {
        var busy = b.CpuBusyTicks - a.CpuBusyTicks;
        var total = b.CpuTotalTicks - a.CpuTotalTicks;
        var seconds = (b.At - a.At).TotalSeconds;
        var sameIface = a.Interface == b.Interface;
        return new HostUsage(
            total > 0 ? Math.Clamp(100.0 * busy / total, 0, 100) : 0,
            b.Cores,
            Math.Max(0, b.MemTotalBytes - b.MemAvailableBytes),
            b.MemTotalBytes,
            b.Interface,
            seconds > 0 && sameIface ? Math.Max(0, b.RxBytes - a.RxBytes) / seconds : 0,
            seconds > 0 && sameIface ? Math.Max(0, b.TxBytes - a.TxBytes) / seconds : 0,
            b.RxBytes, b.TxBytes);
    }
}

/// <summary>
/// Reads host CPU, memory and network counters. Roots are configurable so tests can point it at a fixture tree
/// laid out like /proc and /sys.
/// </summary>
internal sealed class HostResources(string procRoot = "/proc", string sysRoot = "/sys")
{
    /// <summary>Takes one sample; <paramref name="iface"/> null means the default route's interface.</summary>
    public HostSample Sample(DateTimeOffset at, string? iface = null)
    {
        var (busy, total, cores) = ReadCpu();
        var (memTotal, memAvailable) = ReadMemory();
        iface ??= DefaultInterface();
        var (rx, tx) = InterfaceCounters(iface);
        return new HostSample(at, busy, total, cores, memTotal, memAvailable, iface, rx, tx);
    }

    /// <summary>Received and sent byte counters of one interface (0 when it does not exist).</summary>
    public (long Rx, long Tx) InterfaceCounters(string? iface) => iface is null ? (0, 0) :
        (ReadLong(Path.Combine(sysRoot, "class", "net", iface, "statistics", "rx_bytes")),
         ReadLong(Path.Combine(sysRoot, "class", "net", iface, "statistics", "tx_bytes")));

    /// <summary>The interface of the IPv4 default route (/proc/net/route), if any.</summary>
    public string? DefaultInterface()
    {
        foreach (var line in ReadLines(Path.Combine(procRoot, "net", "route")))
        {
            var f = line.Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            if (f.Length > 2 && f[1] == "00000000" && f[0] != "Iface") return f[0];
        }
        return null;
    }

    (long Busy, long Total, int Cores) ReadCpu()
    {
        long busy = 0, total = 0;
        var cores = 0;
        foreach (var line in ReadLines(Path.Combine(procRoot, "stat")))
        {
            if (line.StartsWith("cpu ", StringComparison.Ordinal))
            {
                // user nice system idle iowait irq softirq steal [guest guest_nice: already in user/nice]
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                for (var i = 1; i < f.Length && i <= 8; i++)
                {
                    var v = long.Parse(f[i], CultureInfo.InvariantCulture);
                    total += v;
                    if (i is not (4 or 5)) busy += v; // idle and iowait are not busy
                }
            }
            else if (line.StartsWith("cpu", StringComparison.Ordinal) && line.Length > 3 && char.IsAsciiDigit(line[3]))
            {
                cores++;
            }
        }
        return (busy, total, Math.Max(cores, 1));
    }

    (long Total, long Available) ReadMemory()
    {
        long total = 0, available = -1, free = 0, buffers = 0, cached = 0;
        foreach (var line in ReadLines(Path.Combine(procRoot, "meminfo")))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 2 || !long.TryParse(f[1], CultureInfo.InvariantCulture, out var kb)) continue;
            switch (f[0])
            {
                case "MemTotal:": total = kb * 1024; break;
                case "MemAvailable:": available = kb * 1024; break;
                case "MemFree:": free = kb * 1024; break;
                case "Buffers:": buffers = kb * 1024; break;
                case "Cached:": cached = kb * 1024; break;
            }
        }
        // Old kernels lack MemAvailable: free + buffers + cache is the classic estimate.
        return (total, available >= 0 ? available : free + buffers + cached);
    }

    static IEnumerable<string> ReadLines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    static long ReadLong(string path)
    {
        try
        {
            return long.TryParse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture, out var v) ? v : 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
