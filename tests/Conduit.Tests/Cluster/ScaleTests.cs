#nullable disable warnings
using Conduit.Cluster;
using Docker.DotNet.Models;
using ContainerSpec = Conduit.Cluster.ContainerSpec;

namespace Conduit.Tests.Cluster;

public class ScaleTests
{
    [Fact]
    public async Task Scale0To3To1To2KeepsVolumesAndKeys()
    {
        using var box = new DockerSandbox();
        var r = box.Conduit("scale", "3");
        Assert.True(r.ExitCode == 0, r.ToString());
        for (var i = 1; i <= 3; i++) Assert.True(box.Inspect(box.Names.Container(i))?.State.Running, $"container {i} runs");
        Assert.Contains("CONTAINER_COUNT=3", File.ReadAllText(box.Paths.SettingsFile));

        var ops = box.Ops();
        byte[]? key2 = null;
        await DockerSandbox.WaitUntil(async () => (key2 = (await ops.Data.ReadKeyAsync(2, default)).Content) is not null, "node 2 to write its key");
        Assert.True(NodeKeyFile.IsValid(key2));

        r = box.Conduit("scale", "1");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.NotNull(box.Inspect(box.Names.Container(1)));
        Assert.Null(box.Inspect(box.Names.Container(2)));
        Assert.Null(box.Inspect(box.Names.Container(3)));
        Assert.NotNull(box.Volume(box.Names.Volume(2)));
        Assert.NotNull(box.Volume(box.Names.Volume(3)));
        Assert.Contains("CONTAINER_COUNT=1", File.ReadAllText(box.Paths.SettingsFile));

        r = box.Conduit("scale", "2");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains($"{box.Names.Container(2)}", r.Stdout);
        Assert.True(box.Inspect(box.Names.Container(2))?.State.Running);
        Assert.Null(box.Inspect(box.Names.Container(3)));
        // The node came back on its old volume and kept its identity.
        await DockerSandbox.WaitUntil(async () => (await box.Ops().SnapshotAsync(default)).Healthy == 2, "both nodes healthy");
        Assert.Equal(key2, (await box.Ops().Data.ReadKeyAsync(2, default)).Content);

        r = box.Conduit("scale", "0", "--purge", "--yes");
        Assert.True(r.ExitCode == 0, r.ToString());
        for (var i = 1; i <= 3; i++)
        {
            Assert.Null(box.Inspect(box.Names.Container(i)));
            Assert.Null(box.Volume(box.Names.Volume(i)));
        }
    }

    [Fact]
    public async Task PurgeWithoutConfirmationChangesNothing()
    {
        using var box = new DockerSandbox();
        Assert.False((await box.Ops().ScaleAsync(1, false, Conduit.Settings.HostFacts.Current(), default)).Failed);
        var r = box.Conduit("scale", "0", "--purge");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--yes", r.Stderr);
        Assert.NotNull(box.Inspect(box.Names.Container(1)));
        Assert.NotNull(box.Volume(box.Names.Volume(1)));
        Assert.Contains("CONTAINER_COUNT=1", File.ReadAllText(box.Paths.SettingsFile));
    }

    [Fact]
    public async Task LimitsAreVisibleInDockerInspect()
    {
        using var box = new DockerSandbox("CONTAINER_CPU_LIMIT=0.5\nCONTAINER_MEM_LIMIT=256m\nCONTAINER_ULIMIT_NOFILE=4096\nMAX_CLIENTS=120\nBANDWIDTH=7\n");
        var report = await box.Ops().ScaleAsync(1, purge: false, Conduit.Settings.HostFacts.Current(), default);
        Assert.False(report.Failed, string.Join("; ", report.Nodes));
        var c = box.Inspect(box.Names.Container(1))!;
        Assert.Equal(500_000_000, c.HostConfig.NanoCPUs);
        Assert.Equal(256L << 20, c.HostConfig.Memory);
        var nofile = Assert.Single(c.HostConfig.Ulimits!, u => u.Name == "nofile");
        Assert.Equal((4096L, 4096L), (nofile.Soft, nofile.Hard));
        Assert.Equal(RestartPolicyKind.UnlessStopped, c.HostConfig.RestartPolicy.Name);
        Assert.Equal("json-file", c.HostConfig.LogConfig.Type);
        Assert.Equal("15m", c.HostConfig.LogConfig.Config["max-size"]);
        Assert.Equal("3", c.HostConfig.LogConfig.Config["max-file"]);
        Assert.True(c.HostConfig.Init);
        Assert.Equal("host", c.HostConfig.NetworkMode);
        var mount = Assert.Single(c.Mounts!);
        Assert.Equal((box.Names.Volume(1), "/home/conduit/data"), (mount.Name, mount.Destination));
        Assert.Contains("--max-common-clients", c.Config.Cmd);
        Assert.Equal("120", c.Config.Cmd[c.Config.Cmd.IndexOf("--max-common-clients") + 1]);
        Assert.Equal("7", c.Config.Cmd[c.Config.Cmd.IndexOf("--bandwidth") + 1]);
        Assert.Equal(box.Instance, c.Config.Labels[ClusterNames.InstanceLabel]);
        Assert.Equal(box.Ops().Spec(1).Hash, c.Config.Labels[ClusterNames.SpecHashLabel]);
    }
}
