using System.Runtime.InteropServices;

namespace Conduit.Host.Health;

/// <summary>Disk use from statvfs (CPU and memory come from NodeStats.HostResources, the one /proc reader).</summary>
public static partial class DiskUsage
{
    /// <summary>Used share of the filesystem holding <paramref name="path"/> (as df shows it), in percent.</summary>
    public static double Percent(string path)
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
