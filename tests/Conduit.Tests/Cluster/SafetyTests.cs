#nullable disable warnings
using System.Text;
using System.Text.Json;
using Conduit.Cluster;
using Docker.DotNet.Models;
using ContainerSpec = Conduit.Cluster.ContainerSpec;

namespace Conduit.Tests.Cluster;

public class SafetyTests
{
    const string ValidKey = """{"mnemonic":"test","privateKeyBase64":"nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2DXWpgBgrEKt9VL/tPJZAc6DuFy89qmIyWvAhpo9wdRGg"}""";

    [Fact]
    public async Task AForeignContainerWithOurNameIsLeftAloneAndReported()
    {
        using var box = new DockerSandbox();
        var foreignName = box.Names.Container(2);
        var foreign = await box.Docker.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Name = foreignName,
            Image = DockerSandbox.StandinImage,
            Cmd = ["start"],
        });

        var r = box.Conduit("scale", "3");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"{foreignName}: CONFLICT", r.Stderr);
        Assert.Contains("not created by conduit", r.Stderr);
        Assert.Contains($"docker rm -f {foreignName}", r.Stderr);
        Assert.True(box.Inspect(box.Names.Container(1))!.State.Running);
        Assert.True(box.Inspect(box.Names.Container(3))!.State.Running);
        var after = box.Inspect(foreignName)!;
        Assert.Equal(foreign.ID, after.ID);
        Assert.Equal("created", after.State.Status);
        Assert.False(box.Names.Owns(after.Config.Labels));

        var status = box.Conduit("status", "--json");
        using var json = JsonDocument.Parse(status.Stdout);
        var second = json.RootElement.GetProperty("containers")[1];
        Assert.Equal("foreign", second.GetProperty("state").GetString());
        Assert.Contains("not created by conduit", second.GetProperty("problem").GetString());

        // stop and scale 0 never touch it either.
        Assert.False((await box.Ops().StopAsync(default)).Failed);
        Assert.False((await box.Ops().ScaleAsync(0, true, Conduit.Settings.HostFacts.Current(), default)).Failed);
        Assert.Equal(foreign.ID, box.Inspect(foreignName)!.ID);
    }

    [Fact]
    public async Task ACorruptKeyBlocksThatNodeOnlyAndIsLeftUnchanged()
    {
        using var box = new DockerSandbox();
        var volume = await box.Docker.Volumes.CreateAsync(new VolumesCreateParameters { Name = box.Names.Volume(2) });
        var keyPath = Path.Combine(volume.Mountpoint, ContainerSpec.KeyFileName);
        var corrupt = Encoding.UTF8.GetBytes("{\"mnemonic\":\"half written");
        await File.WriteAllBytesAsync(keyPath, corrupt);

        var r = box.Conduit("scale", "3");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"{box.Names.Container(2)}: NOT STARTED", r.Stderr);
        Assert.Contains(keyPath, r.Stderr);
        Assert.Contains("conduit restore", r.Stderr);
        Assert.Contains("1 of 3 containers could not be scaled", r.Stderr);
        Assert.True(box.Inspect(box.Names.Container(1))!.State.Running);
        Assert.True(box.Inspect(box.Names.Container(3))!.State.Running);
        Assert.Null(box.Inspect(box.Names.Container(2)));
        Assert.Equal(corrupt, await File.ReadAllBytesAsync(keyPath));

        // Same verdict when the key is read through the Docker archive API instead of the mount point.
        var report = await box.Ops(keysThroughMountpoint: false).StartAsync(default);
        var blocked = Assert.Single(report.Nodes, n => n.Index == 2);
        Assert.Equal(NodeAction.Blocked, blocked.Action);
        Assert.Contains($"{box.Names.Volume(2)}:conduit_key.json", blocked.Detail);
        Assert.Equal(corrupt, await File.ReadAllBytesAsync(keyPath));
        Assert.Null(box.Inspect(box.Names.Container(2)));
    }

    [Fact]
    public async Task KeysCanBeWrittenAndReadThroughTheArchiveApi()
    {
        using var box = new DockerSandbox();
        var ops = box.Ops(keysThroughMountpoint: false);
        var key = Encoding.UTF8.GetBytes(ValidKey);

        // No volume, no container yet: a helper container carries the write.
        await ops.Data.WriteKeyAsync(1, key, default);
        Assert.Equal(key, (await ops.Data.ReadKeyAsync(1, default)).Content);
        var onDisk = Path.Combine(box.Volume(box.Names.Volume(1))!.Mountpoint, ContainerSpec.KeyFileName);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(onDisk));

        // The node starts with that key and keeps it (the stand-in, like the node, only replaces invalid ones).
        var report = await ops.ScaleAsync(1, purge: false, Conduit.Settings.HostFacts.Current(), default);
        Assert.False(report.Failed, string.Join("; ", report.Nodes));
        await DockerSandbox.WaitUntil(async () => (await ops.SnapshotAsync(default)).Healthy == 1, "node 1 healthy");
        Assert.Equal(key, (await ops.Data.ReadKeyAsync(1, default)).Content);
        Assert.Equal(key, (await box.Ops().Data.ReadKeyAsync(1, default)).Content);

        // Helper containers are gone.
        var helpers = await box.Docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{ClusterNames.HelperLabel}"] = true, [$"{ClusterNames.InstanceLabel}={box.Instance}"] = true } },
        });
        Assert.Empty(helpers);

        await Assert.ThrowsAsync<UsageException>(() => ops.Data.WriteKeyAsync(1, "{}"u8.ToArray(), default));
    }

    [Fact]
    public async Task KeysWrittenThroughTheMountPointBelongToTheNodeUser()
    {
        using var box = new DockerSandbox();
        var ops = box.Ops();
        var key = Encoding.UTF8.GetBytes(ValidKey);
        // Restore before the node ever ran: the fresh volume must still be usable by the node user.
        var path = await ops.Data.WriteKeyAsync(1, key, default);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(0, box.Conduit("scale", "1").ExitCode);
        await DockerSandbox.WaitUntil(async () => (await ops.SnapshotAsync(default)).Healthy == 1, "node 1 healthy");
        Assert.Equal(key, (await ops.Data.ReadKeyAsync(1, default)).Content);

        // Replace the key of a node that already wrote its own (nodes are stopped for this in real restores).
        Assert.Equal(0, box.Conduit("stop").ExitCode);
        key = Encoding.UTF8.GetBytes(ValidKey.Replace("\"test\"", "\"second\""));
        path = await ops.Data.WriteKeyAsync(1, key, default);
        // The node (uid 1000) can read it: start and check it was not replaced.
        Assert.Equal(0, box.Conduit("start").ExitCode);
        await DockerSandbox.WaitUntil(async () => (await ops.SnapshotAsync(default)).Healthy == 1, "node 1 healthy after restart");
        Assert.Equal(key, (await ops.Data.ReadKeyAsync(1, default)).Content);
    }

    [Fact]
    public async Task TheDataCapFlagRefusesEveryStartPath()
    {
        using var box = new DockerSandbox("DATA_CAP_GB=5\n");
        Directory.CreateDirectory(box.Paths.StateDir);
        File.WriteAllText(StartGuard.DataCapFlag(box.Paths), "");
        var r = box.Conduit("start");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("refusing to start: data cap of 5 GB reached", r.Stderr);
        var ops = box.Ops();
        foreach (var path in new Func<Task>[]
                 {
                     () => ops.RestartAsync(default),
                     () => ops.StartOneAsync(1, restart: false, default),
                     () => ops.ScaleAsync(2, false, Conduit.Settings.HostFacts.Current(), default),
                 })
            Assert.Contains("data cap of 5 GB reached", (await Assert.ThrowsAsync<ConduitException>(path)).Message);
        Assert.Null(box.Inspect(box.Names.Container(1)));
        Assert.Contains("CONTAINER_COUNT=0", File.ReadAllText(box.Paths.SettingsFile));

        File.Delete(StartGuard.DataCapFlag(box.Paths));
        Assert.False((await box.Ops().ScaleAsync(1, false, Conduit.Settings.HostFacts.Current(), default)).Failed);
        Assert.True(box.Inspect(box.Names.Container(1)).State.Running);
    }
}
