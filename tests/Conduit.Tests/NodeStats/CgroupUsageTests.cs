using Conduit.NodeStats;
using Conduit.Tests.Support;

namespace Conduit.Tests.NodeStats;

public class CgroupUsageTests
{
    const string Id = "b7c11adf1a66f0b5369ed98e26e4c7adf4fea583005f28e350778816654ca45b";
    static readonly DateTimeOffset At = DateTimeOffset.UnixEpoch;

    static string ProcStat(TempRoot root) => root.Write("proc/stat", "cpu  100 0 50 800 10 0 40 5 0 0\ncpu0 100 0 50 800 10 0 40 5 0 0\n");

    [Fact]
    public void ReadsCgroupV1CpuacctAndMemoryWithoutPageCache()
    {
        using var root = new TempRoot();
        root.Write($"cgroup/cpuacct/docker/{Id}/cpuacct.usage", "123456789\n");
        root.Write($"cgroup/memory/docker/{Id}/memory.usage_in_bytes", "10485760\n");
        root.Write($"cgroup/memory/docker/{Id}/memory.limit_in_bytes", "402653184\n");
        root.Write($"cgroup/memory/docker/{Id}/memory.stat", "cache 1\ntotal_inactive_file 2097152\n");
        var s = CgroupUsage.TryRead(Id, At, root.Combine("cgroup"), ProcStat(root))!;
        Assert.Equal(123456789UL, s.CpuTotalNs);
        Assert.Equal(1000UL * 10_000_000, s.SystemCpuNs); // 100+0+50+800+10+0+40 jiffies (steal not counted)
        Assert.Equal(8L << 20, s.MemoryBytes);
        Assert.Equal(384L << 20, s.MemoryLimitBytes);
    }

    [Fact]
    public void ReadsCgroupV2UnderTheSystemdDriverAndTreatsMaxAsNoLimit()
    {
        using var root = new TempRoot();
        var dir = $"cgroup/system.slice/docker-{Id}.scope";
        root.Write($"{dir}/cpu.stat", "usage_usec 2500\nuser_usec 2000\n");
        root.Write($"{dir}/memory.current", "4096000\n");
        root.Write($"{dir}/memory.max", "max\n");
        root.Write($"{dir}/memory.stat", "anon 1\ninactive_file 96000\n");
        var s = CgroupUsage.TryRead(Id, At, root.Combine("cgroup"), ProcStat(root))!;
        Assert.Equal(2_500_000UL, s.CpuTotalNs);
        Assert.Equal(4_000_000L, s.MemoryBytes);
        Assert.Null(s.MemoryLimitBytes);
    }

    [Theory]
    [InlineData("tperf-2")]
    [InlineData("B7C11ADF1A66F0B5369ED98E26E4C7ADF4FEA583005F28E350778816654CA45B")]
    public void OnlyFullContainerIdsAreLookedUp(string id)
    {
        using var root = new TempRoot();
        Assert.Null(CgroupUsage.TryRead(id, At, root.Combine("cgroup"), ProcStat(root)));
    }

    [Fact]
    public void MissingFilesMeanAskTheEngine()
    {
        using var root = new TempRoot();
        Assert.Null(CgroupUsage.TryRead(Id, At, root.Combine("cgroup"), ProcStat(root)));
    }
}
