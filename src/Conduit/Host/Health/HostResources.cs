using System.Globalization;
using System.Runtime.InteropServices;

namespace Conduit.Host.Health;

/// <summary>Host CPU, memory and disk use from /proc and statvfs.</summary>
public static partial class HostResources
{
    /// <summary>Busy share of all CPUs over <paramref name="sample"/>, in percent.</summary>
    public static double CpuPercent(TimeSpan sample, string procStat = "/proc/stat")
    {
        var (idle1, total1) = ReadCpu(procStat);
        Thread.Sleep(sample);
        var (idle2, total2) = ReadCpu(procStat);
        var total = total2 - total1;
        return total <= 0 ? 0 : 100.0 * (total - (idle2 - idle1)) / total;
    }

    static (long Idle, long Total) ReadCpu(string procStat)
    {
        var first = File.ReadLines(procStat).First();
        var f = first.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long total = 0;
        for (int i = 1; i < f.Length && i <= 8; i++) total += long.Parse(f[i], CultureInfo.InvariantCulture);
        long idle = long.Parse(f[4], CultureInfo.InvariantCulture) + long.Parse(f[5], CultureInfo.InvariantCulture); // idle + iowait
        return (idle, total);
    }

    /// <summary>Memory in use (MemTotal - MemAvailable), in percent.</summary>
    public static double MemoryPercent(string meminfo = "/proc/meminfo")
    {
        long total = 0, available = -1;
        foreach (var line in File.ReadLines(meminfo))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2) continue;
            if (parts[0] == "MemTotal:") total = long.Parse(parts[1], CultureInfo.InvariantCulture);
            else if (parts[0] == "MemAvailable:") available = long.Parse(parts[1], CultureInfo.InvariantCulture);
        }
        return total <= 0 || available < 0 ? 0 : 100.0 * (total - available) / total;
    }

    /// <summary>Used share of the filesystem holding <paramref name="path"/> (as df shows it), in percent.</summary>
    public static double DiskPercent(string path)
    {
        while (!Directory.Exists(path) && Path.GetDirectoryName(path) is { } parent) path = parent;
        if (Statvfs(path, out var s) != 0) return 0;
        var used = (double)(s.Blocks - s.Free);
        var denominator = used + s.Available;
        return denominator <= 0 ? 0 : 100.0 * used / denominator;
    }

    /// <summary>struct statvfs on 64-bit Linux (glibc and musl agree on this layout).</summary>
    [StructLayout(LayoutKind.Sequential)]
    struct StatVfs
    {
        public ulong BlockSize, FragmentSize, Blocks, Free, Available, Files, FreeFiles, AvailableFiles, FsId, Flags, NameMax;
        public int Spare0, Spare1, Spare2, Spare3, Spare4, Spare5;
    }

    [LibraryImport("libc", EntryPoint = "statvfs", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statvfs(string path, out StatVfs buf);
}
