namespace Conduit.Platform;

/// <summary>Reads machine facts from /proc (the seam for "what hardware is this").</summary>
public static class HostInfo
{
    public static long TotalMemoryBytes(string meminfo = "/proc/meminfo")
    {
        try
        {
            foreach (var line in File.ReadLines(meminfo))
            {
                if (!line.StartsWith("MemTotal:", StringComparison.Ordinal)) continue;
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 2 && long.TryParse(parts[1], out var kb)) return kb * 1024;
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    }
}
