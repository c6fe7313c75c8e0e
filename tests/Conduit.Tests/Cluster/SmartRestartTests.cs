#nullable disable warnings
using Conduit.Cluster;

namespace Conduit.Tests.Cluster;

public class SmartRestartTests
{
    [Fact]
    public async Task ASettingsChangeRecreatesOnlyTheAffectedContainer()
    {
        using var box = new DockerSandbox();
        Assert.False((await box.Ops().ScaleAsync(3, false, Conduit.Settings.HostFacts.Current(), default)).Failed);
        string Id(int i) => box.Inspect(box.Names.Container(i))!.ID;
        var before = new[] { Id(1), Id(2), Id(3) };

        // Unchanged settings: restart restarts, recreates nothing.
        var restarted = await box.Ops().RestartAsync(default);
        Assert.All(restarted.Nodes, n => Assert.Equal(NodeAction.Restarted, n.Action));
        Assert.Equal(before, new[] { Id(1), Id(2), Id(3) });

        // Unchanged settings: start leaves running containers alone.
        var started = await box.Ops().StartAsync(default);
        Assert.All(started.Nodes, n => Assert.Equal(NodeAction.Unchanged, n.Action));

        box.Set("MAX_CLIENTS", "77", container: 2);
        var r = box.Conduit("restart");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("recreated", r.Stdout);
        var after = new[] { Id(1), Id(2), Id(3) };
        Assert.Equal(before[0], after[0]);
        Assert.NotEqual(before[1], after[1]);
        Assert.Equal(before[2], after[2]);
        var cmd = box.Inspect(box.Names.Container(2))!.Config.Cmd;
        Assert.Equal("77", cmd[cmd.IndexOf("--max-common-clients") + 1]);
        Assert.True(box.Inspect(box.Names.Container(2))!.State.Running);
    }

    [Fact]
    public async Task StopThenStartStartsTheSameContainers()
    {
        using var box = new DockerSandbox();
        Assert.False((await box.Ops().ScaleAsync(2, false, Conduit.Settings.HostFacts.Current(), default)).Failed);
        var ids = new[] { box.Inspect(box.Names.Container(1))!.ID, box.Inspect(box.Names.Container(2))!.ID };
        var r = box.Conduit("stop");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.False(box.Inspect(box.Names.Container(1))!.State.Running);
        Assert.False(box.Inspect(box.Names.Container(2))!.State.Running);
        var snapshot = await box.Ops().SnapshotAsync(default);
        Assert.All(snapshot.Containers, c => Assert.Equal(("exited", "down"), (c.State, c.Health)));

        var started = await box.Ops().StartAsync(default);
        Assert.All(started.Nodes, n => Assert.Equal(NodeAction.Started, n.Action));
        Assert.Equal(ids, new[] { box.Inspect(box.Names.Container(1))!.ID, box.Inspect(box.Names.Container(2))!.ID });
    }
}

public class ImageUpdateTests
{
    [Fact]
    public async Task ANewImageBehindTheSameTagRecreatesOnStart()
    {
        using var box = new DockerSandbox();
        var tag = $"{box.Instance}-img";
        box.Set("CONDUIT_IMAGE", $"{tag}:latest");
        await box.Docker.Images.TagImageAsync("conduit-standin:test", new Docker.DotNet.Models.ImageTagParameters { RepositoryName = tag, Tag = "latest" });
        Assert.False((await box.Ops().ScaleAsync(1, false, Conduit.Settings.HostFacts.Current(), default)).Failed);
        var before = box.Inspect(box.Instance)!;
        Assert.True((await box.Ops().SnapshotAsync(default)).Containers[0].SpecCurrent);

        // What `conduit pull` does when the registry has a newer build: the tag moves.
        await box.Docker.Images.TagImageAsync("conduit-standin:test2", new Docker.DotNet.Models.ImageTagParameters { RepositoryName = tag, Tag = "latest" });
        Assert.False((await box.Ops().SnapshotAsync(default)).Containers[0].SpecCurrent);
        var report = await box.Ops().StartAsync(default);
        Assert.Equal(NodeAction.Recreated, Assert.Single(report.Nodes).Action);
        var after = box.Inspect(box.Instance)!;
        Assert.NotEqual(before.ID, after.ID);
        Assert.Equal((await box.Docker.Images.InspectImageAsync("conduit-standin:test2")).ID, after.Image);
        Assert.Contains("STANDIN_VERSION=2.0.1-standin", after.Config.Env);
    }
}
