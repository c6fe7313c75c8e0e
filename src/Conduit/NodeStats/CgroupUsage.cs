using System.Globalization;

namespace Conduit.NodeStats;

/// <summary>
/// A container's CPU and memory read straight from its cgroup files. The Engine's stats endpoint answers one
/// container at a time slowly (8 one-shot calls in parallel take over a second on Docker 20.10), which made
/// `conduit status` wait on the daemon; the kernel's own counters are read in microseconds. Returns null when
/// the files are not where Docker's cgroupfs or systemd drivers put them (rootless, remote engine): the caller
/// then asks the Engine.
/// </summary>
internal static class CgroupUsage
{
    public static ContainerUsageSample? TryRead(string containerId, DateTimeOffset at, string root = "/sys/fs/cgroup", string procStat = "/proc/stat")
    {
        if (containerId.Length != 64 || !containerId.All(char.IsAsciiHexDigitLower)) return null;
        try
        {
            foreach (var leaf in new[] { $"docker/{containerId}", $"system.slice/docker-{containerId}.scope" })
            {
                // cgroup v1: one hierarchy per controller.
                var cpuacct = Path.Combine(root, "cpuacct", leaf, "cpuacct.usage");
                var memory = Path.Combine(root, "memory", leaf);
                if (File.Exists(cpuacct) && Directory.Exists(memory))
                {
                    var used = ReadLong(Path.Combine(memory, "memory.usage_in_bytes"));
                    var inactive = StatValue(Path.Combine(memory, "memory.stat"), "total_inactive_file");
                    var limit = ReadLong(Path.Combine(memory, "memory.limit_in_bytes"));
                    return Sample(at, (ulong)ReadLong(cpuacct), used, inactive, limit, procStat);
                }
                // cgroup v2: one unified hierarchy.
                var unified = Path.Combine(root, leaf);
                if (File.Exists(Path.Combine(unified, "cpu.stat")) && File.Exists(Path.Combine(unified, "memory.current")))
                {
                    var usageUsec = StatValue(Path.Combine(unified, "cpu.stat"), "usage_usec");
                    var max = File.ReadAllText(Path.Combine(unified, "memory.max")).Trim();
                    long limit = max == "max" ? long.MaxValue : long.Parse(max, CultureInfo.InvariantCulture);
                    return Sample(at, (ulong)usageUsec * 1000, ReadLong(Path.Combine(unified, "memory.current")),
                        StatValue(Path.Combine(unified, "memory.stat"), "inactive_file"), limit, procStat);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            // A container that stopped between listing and reading: the Engine path reports it properly.
        }
        return null;
    }

    static ContainerUsageSample Sample(DateTimeOffset at, ulong cpuNs, long used, long inactive, long limit, string procStat)
    {
        // As `docker stats`: page cache the kernel can drop is not the container's memory use.
        if (inactive > 0 && inactive < used) used -= inactive;
        long? memoryLimit = limit > 0 && limit < long.MaxValue / 2 ? limit : null;
        return new ContainerUsageSample(at, cpuNs, SystemCpuNs(procStat), Environment.ProcessorCount, used, memoryLimit);
    }

    /// <summary>Host CPU time in ns the way the Engine computes system_cpu_usage: the /proc/stat "cpu" line's jiffies.</summary>
    static ulong SystemCpuNs(string procStat)
    {
        foreach (var line in File.ReadLines(procStat))
        {
            if (!line.StartsWith("cpu ", StringComparison.Ordinal)) continue;
            ulong jiffies = 0;
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            for (int i = 1; i < fields.Length && i <= 7; i++) jiffies += ulong.Parse(fields[i], CultureInfo.InvariantCulture);
            return jiffies * 10_000_000; // USER_HZ is 100 on Linux
        }
        throw new FormatException($"{procStat}: no cpu line");
    }

    static long ReadLong(string path) => long.Parse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture);

    static long StatValue(string path, string key)
    {
        if (!File.Exists(path)) return 0;
        foreach (var line in File.ReadLines(path))
            if (line.StartsWith(key + " ", StringComparison.Ordinal))
                return long.Parse(line.AsSpan(key.Length + 1).Trim(), CultureInfo.InvariantCulture);
        return 0;
    }
}
