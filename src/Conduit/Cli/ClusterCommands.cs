using Conduit.Cluster;
using Conduit.Settings;
using ConsoleAppFramework;
using Docker.DotNet.Models;

namespace Conduit.Cli;

/// <summary>`conduit start|stop|restart|scale|status|pull`: the node containers.</summary>
public sealed class ClusterCommands
{
    /// <summary>Start the nodes: create missing containers, start stopped ones, recreate those whose settings changed.</summary>
    [Command("start")]
    public Task Start(CancellationToken ct = default) =>
        Run((ops, token) => ops.StartAsync(token), "started", ct, pullIfMissing: true);

    /// <summary>Stop every node container (volumes and keys are kept).</summary>
    [Command("stop")]
    public Task Stop(CancellationToken ct = default) =>
        Run((ops, token) => ops.StopAsync(token), "stopped", ct);

    /// <summary>Restart the nodes; only containers whose settings changed are recreated.</summary>
    [Command("restart")]
    public Task Restart(CancellationToken ct = default) =>
        Run((ops, token) => ops.RestartAsync(token), "restarted", ct, pullIfMissing: true);

    /// <summary>Run N node containers: adds or removes only the difference and saves CONTAINER_COUNT.</summary>
    /// <param name="count">-count, number of containers (0 removes them all)</param>
    /// <param name="purge">also delete the data volumes (node keys!) of removed containers</param>
    /// <param name="yes">do not ask before --purge deletes volumes</param>
    [Command("scale")]
    public Task Scale([Argument, Integer] int count, bool purge = false, bool yes = false, CancellationToken ct = default)
    {
        if (count is < 0 or > 256) throw new UsageException($"scale: count must be 0..256, got {count}");
        if (purge && !yes && !Terminal.Confirm($"--purge deletes the data volumes, including node keys, of containers above {count}. Continue?"))
            throw new UsageException("--purge needs confirmation: answer y, or pass --yes (back up keys first with `conduit backup`)");
        return Run((ops, token) => ops.ScaleAsync(count, purge, HostFacts.Current(), token), "scaled", ct, pullIfMissing: count > 0);
    }

    /// <summary>Show the cluster: containers (state, health, uptime, limits, ports) with clients, traffic, CPU/RAM, tracker, data cap.</summary>
    /// <param name="json">print JSON</param>
    [Command("status")]
    public Task Status(bool json = false, CancellationToken ct = default) => ViewCommands.StatusAsync(json, ct);

    /// <summary>Pull the node image (CONDUIT_IMAGE) with progress, and show its digest.</summary>
    /// <param name="image">pull this image instead of CONDUIT_IMAGE</param>
    [Command("pull")]
    public async Task Pull(string? image = null, CancellationToken ct = default)
    {
        var settings = ConduitSettings.Load(CliApp.Paths.SettingsFile);
        var reference = image ?? settings.Image;
        var result = await DockerEngine.RunAsync(engine => ImagePull.PullAsync(engine, reference, Console.Error, Terminal.StdoutIsTerminal && !Console.IsErrorRedirected, ct), ct);
        Console.WriteLine($"{reference}: {result.Digest ?? result.Id}");
    }

    static async Task Run(Func<ClusterOperations, CancellationToken, Task<ClusterReport>> work, string verb, CancellationToken ct, bool pullIfMissing = false)
    {
        var settings = ConduitSettings.Load(CliApp.Paths.SettingsFile);
        var report = await DockerEngine.RunAsync(async engine =>
        {
            // Like `docker run`: a first start on a fresh host fetches the node image (with progress).
            if (pullIfMissing && await engine.TryInspectImageAsync(settings.Image, ct) is null)
            {
                Console.Error.WriteLine($"pulling {settings.Image} (not on this host yet)");
                await ImagePull.PullAsync(engine, settings.Image, Console.Error, !Console.IsErrorRedirected, ct);
            }
            return await work(new ClusterOperations(engine, settings, CliApp.Paths), ct);
        }, ct);
        Print(report, verb);
    }

    /// <summary>One line per node; failures on stderr and exit 1 (personal new/set print their restart with it).</summary>
    internal static void Print(ClusterReport report, string verb)
    {
        foreach (var node in report.Nodes)
        {
            var line = $"{node.Name,-20} {NodeActions.Describe(node.Action)}";
            if (node.IsFailure) Terminal.Error($"{node.Name}: {NodeActions.Describe(node.Action)}: {node.Detail}");
            else Console.WriteLine(node.Detail is null ? line : $"{line} ({node.Detail})");
        }
        if (report.Nodes.Count == 0) Console.WriteLine($"nothing to do: no containers to be {verb}");
        var failed = report.Nodes.Count(n => n.IsFailure);
        if (failed > 0)
            throw new ConduitException($"{failed} of {report.Nodes.Count} containers could not be {verb}; the others were handled (see above)");
    }
}
