using Conduit.NodeStats;
using Conduit.Tests.Support;

namespace Conduit.Tests.NodeStats;

public class HostResourcesTests
{
    static void WriteHost(TempRoot root, long user, long idle, long rx, long tx, bool memAvailable = true)
    {
        root.Write("proc/stat", $"cpu  {user} 0 100 {idle} 50 0 0 0 0 0\ncpu0 1 0 0 1 0 0 0 0 0 0\ncpu1 1 0 0 1 0 0 0 0 0 0\nintr 1\n");
        root.Write("proc/meminfo", memAvailable
            ? "MemTotal:        4000000 kB\nMemFree:          500000 kB\nMemAvailable:    3000000 kB\n"
            : "MemTotal:        4000000 kB\nMemFree:          500000 kB\nBuffers:          100000 kB\nCached:           400000 kB\n");
        root.Write("proc/net/route",
            "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n" +
            "docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n" +
            "eth0\t00000000\t0100A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n");
        root.Write("sys/class/net/eth0/statistics/rx_bytes", $"{rx}\n");
        root.Write("sys/class/net/eth0/statistics/tx_bytes", $"{tx}\n");
    }

    [Fact]
    public void Cpu_memory_and_network_rates_from_two_samples()
    {
        using var root = new TempRoot();
        var host = new HostResources(root.Combine("proc"), root.Combine("sys"));
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        WriteHost(root, user: 1000, idle: 8000, rx: 1_000_000, tx: 5_000_000);
        var a = host.Sample(t0);
        WriteHost(root, user: 1300, idle: 8600, rx: 3_000_000, tx: 9_000_000);
        var b = host.Sample(t0.AddSeconds(2));

        Assert.Equal("eth0", a.Interface);
        var u = HostUsage.Between(a, b);
        Assert.Equal(2, u.Cores);
        Assert.Equal(100.0 * 300 / 900, u.CpuPercent, 6); // busy +300 of +900 ticks (idle +600)
        Assert.Equal(1_000_000L * 1024, u.MemUsedBytes);
        Assert.Equal(25, u.MemPercent, 6);
        Assert.Equal(1_000_000, u.RxBytesPerSecond);
        Assert.Equal(2_000_000, u.TxBytesPerSecond);
    }

    [Fact]
    public void Old_kernel_without_MemAvailable_and_missing_files()
    {
        using var root = new TempRoot();
        WriteHost(root, 1, 1, 0, 0, memAvailable: false);
        var s = new HostResources(root.Combine("proc"), root.Combine("sys")).Sample(DateTimeOffset.UnixEpoch);
        Assert.Equal((500_000L + 100_000 + 400_000) * 1024, s.MemAvailableBytes);

        var empty = new HostResources(root.Combine("nothing"), root.Combine("nothing")).Sample(DateTimeOffset.UnixEpoch);
        Assert.Null(empty.Interface);
        Assert.Equal(0, empty.MemTotalBytes);
    }
}
