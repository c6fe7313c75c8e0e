using Conduit.Host;

namespace Conduit.Tests.Settings;

public class CapacityPlanTests
{
    [Theory]
    [InlineData(2, 4, 8, 0.22, 384)]
    [InlineData(1, 2, 4, 0.22, 384)]
    [InlineData(4, 8, 16, 0.22, 384)]
    [InlineData(8, 16, 32, 0.22, 384)]
    [InlineData(1, 16, 8, 0.11, 1536)]
    public void FollowsTheSeedModel(double cores, int gib, int containers, double cpu, long memMiB)
    {
        var plan = CapacityPlan.For(cores, (long)gib << 30);
        Assert.Equal(containers, plan.Containers);
        Assert.Equal(cpu, plan.CpuPerContainer);
        Assert.Equal(memMiB, plan.MemoryPerContainerMiB);
        Assert.True(plan.TotalCpu <= cores * 0.88 + 1e-9);
    }

    [Fact]
    public void Another_count_shares_the_same_machine()
    {
        var two = CapacityPlan.For(2, 4L << 30).WithContainers(2);
        Assert.Equal(2, two.Containers);
        Assert.Equal(0.88, two.CpuPerContainer);
        Assert.Equal(1536, two.MemoryPerContainerMiB);
        Assert.Throws<ArgumentOutOfRangeException>(() => two.WithContainers(0));
    }
}
