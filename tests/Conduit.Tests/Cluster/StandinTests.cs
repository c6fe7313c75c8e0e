#nullable disable warnings
using System.Text;
using Conduit.Cluster;
using Docker.DotNet.Models;
using ContainerSpec = Conduit.Cluster.ContainerSpec;

namespace Conduit.Tests.Cluster;

/// <summary>The stand-in must behave like the real node where the manager depends on it.</summary>
public class StandinTests
{
    static async Task<(long Exit, string Logs)> RunToEnd(DockerSandbox box, string suffix, IList<string> cmd, string? volume = null, bool stopAfterStats = false)
    {
        var host = new HostConfig { Init = true, NetworkMode = "none" };
        if (volume is not null) host.Mounts = [new Mount { Type = "volume", Source = volume, Target = ContainerSpec.DataDir }];
        var created = await box.Docker.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Name = $"{box.Instance}-{suffix}",
            Image = DockerSandbox.StandinImage,
            Cmd = cmd,
            HostConfig = host,
        });
        await box.Docker.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());
        if (stopAfterStats)
        {
            await DockerSandbox.WaitUntil(async () => (await Logs(box, created.ID)).Contains("[STATS]"), "a [STATS] line");
            await box.Docker.Containers.StopContainerAsync(created.ID, new ContainerStopParameters { WaitBeforeKillSeconds = 10 });
        }
        var wait = await box.Docker.Containers.WaitContainerAsync(created.ID);
        return (wait.StatusCode, await Logs(box, created.ID));
    }

    static async Task<string> Logs(DockerSandbox box, string id)
    {
        using var stream = await box.Docker.Containers.GetContainerLogsAsync(id, new ContainerLogsParameters { ShowStdout = true, ShowStderr = true }, default);
        var (stdout, stderr) = await stream.ReadOutputToEndAsync(default);
        return stdout + stderr;
    }

    [Fact]
    public async Task RejectsUnknownFlagsLikeTheNode()
    {
        using var box = new DockerSandbox();
        var (exit, logs) = await RunToEnd(box, "bogus", ["start", "--bogus"]);
        Assert.Equal(1, exit);
        Assert.Contains("unknown flag: --bogus", logs);
    }

    [Fact]
    public async Task SigtermPrintsShuttingDownAndStoppedAndExits0()
    {
        using var box = new DockerSandbox();
        var (exit, logs) = await RunToEnd(box, "term", ["start", "--data-dir", ContainerSpec.DataDir, "--max-common-clients", "5"], stopAfterStats: true);
        Assert.Equal(0, exit);
        Assert.Matches(@"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[STATS\] Announcing: \d+ \| Connecting: \d+ \| Connected: \d+ \| Up: [\d.]+ [KMGTPE]?B \| Down: [\d.]+ [KMGTPE]?B \| Uptime: \d+s \| Regions: common\[", logs);
        Assert.Contains("Shutting down...\nStopped.", logs);
    }

    [Fact]
    public async Task Speaks1xFlagsAndPrintsThe1xStatsLine()
    {
        using var box = new DockerSandbox();
        var (exit, logs) = await RunToEnd(box, "v1", ["start", "--data-dir", ContainerSpec.DataDir, "--max-clients", "5", "--bandwidth", "2.5", "--stats-file"], stopAfterStats: true);
        Assert.Equal(0, exit);
        Assert.Matches(@"\[STATS\] Connecting: \d+ \| Connected: \d+ \| Up: [\d.]+ [KMGTPE]?B \| Down: [\d.]+ [KMGTPE]?B \| Uptime: \d+s\n", logs);
        Assert.DoesNotContain("Announcing", logs);
    }

    [Fact]
    public async Task OverwritesAnUnparsableKeyLikeTheNodeDoes()
    {
        // Why the manager checks keys before every start: the node replaces a corrupt key without a word.
        using var box = new DockerSandbox();
        var volume = await box.Docker.Volumes.CreateAsync(new VolumesCreateParameters { Name = box.Names.Volume(9) });
        var path = Path.Combine(volume.Mountpoint, ContainerSpec.KeyFileName);
        await File.WriteAllTextAsync(path, "{broken");
        // As on a volume the node already used: its data dir and files belong to the node user.
        System.Diagnostics.Process.Start("chown", ["-R", "1000:1000", volume.Mountpoint])!.WaitForExit();
        var (exit, _) = await RunToEnd(box, "overwrite", ["start", "--data-dir", ContainerSpec.DataDir], volume.Name, stopAfterStats: true);
        Assert.Equal(0, exit);
        var replaced = await File.ReadAllBytesAsync(path);
        Assert.True(NodeKeyFile.IsValid(replaced), Encoding.UTF8.GetString(replaced));
    }
}
