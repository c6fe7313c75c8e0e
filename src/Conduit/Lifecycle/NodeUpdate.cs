using Conduit.Cluster;
using Conduit.Identity;
using Conduit.Platform;
using Conduit.Settings;

namespace Conduit.Lifecycle;

/// <summary>
/// `conduit update`: pull the node image, then move the nodes whose container runs an older image onto the new
/// one ONE AT A TIME through the cluster's start path (key check, same volume, same spec), waiting for each to run
/// before touching the next, so the cluster never goes down as a whole. Proxy IDs are compared before and after.
/// </summary>
public sealed class NodeUpdate(ConduitPaths paths, TextWriter output)
{
    static readonly TimeSpan RunningWait = TimeSpan.FromSeconds(60);

    public async Task RunAsync(string? image, bool pull, CancellationToken ct)
    {
        using var hold = OperationLock.Acquire(paths, "update", ct);
        var host = HostFacts.Current();
        var settings = image is not null && image != ConduitSettings.Load(paths.SettingsFile, host).Image
            ? ConduitSettings.SetValue(paths.SettingsFile, "CONDUIT_IMAGE", image, null, host)
            : ConduitSettings.Load(paths.SettingsFile, host);
        using var engine = await DockerEngine.ConnectAsync(ct);
        var before = (await engine.TryInspectImageAsync(settings.Image, ct))?.ID;
        if (pull)
        {
            var pulled = await ImagePull.PullAsync(engine, settings.Image, Console.Error, Terminal.StdoutIsTerminal && !Console.IsErrorRedirected, ct);
            output.WriteLine(pulled.Id == before
                ? $"image     {settings.Image}: already the newest ({pulled.Digest ?? pulled.Id})"
                : $"image     {settings.Image}: {Short(before)} -> {Short(pulled.Id)} ({pulled.Digest ?? "local"})");
        }
        var imageId = (await engine.TryInspectImageAsync(settings.Image, ct))?.ID
            ?? throw new ConduitException($"image {settings.Image} is not present: run `conduit update` without --no-pull");

        var ops = new ClusterOperations(engine, settings, paths);
        var outdated = new List<int>();
        for (var i = 1; i <= settings.ContainerCount; i++)
        {
            var c = await engine.TryInspectContainerAsync(ops.Names.Container(i), ct);
            if (c is not null && ops.Names.Owns(c.Config?.Labels) && c.Image != imageId) outdated.Add(i);
        }
        if (outdated.Count == 0)
        {
            output.WriteLine($"nodes     all {settings.ContainerCount} run {Short(imageId)}: unchanged");
            return;
        }
        foreach (var i in outdated)
        {
            var idBefore = await ProxyIdAsync(ops, i, ct);
            var outcome = (await ops.StartNodesAsync([i], restart: false, ct)).Nodes[0];
            if (outcome.IsFailure)
                throw new ConduitException($"{outcome.Name}: {outcome.Detail}; the nodes after it were not touched (still on the old image)");
            await WaitRunningAsync(engine, outcome.Name, ct);
            var idAfter = await ProxyIdAsync(ops, i, ct);
            output.WriteLine($"{outcome.Name,-20} {outcome.Action.ToString().ToLowerInvariant()} on {Short(imageId)}, proxy ID {idBefore ?? "(none yet)"} -> {idAfter ?? "(none yet)"}");
            if (idBefore is not null && idBefore != idAfter)
                throw new ConduitException($"{outcome.Name}: proxy ID changed from {idBefore} to {idAfter ?? "nothing"}: restore it with `conduit restore {i}`; stopping the update");
        }
    }

    static async Task<string?> ProxyIdAsync(ClusterOperations ops, int index, CancellationToken ct)
    {
        var read = await ops.Data.ReadKeyAsync(index, ct);
        return NodeKeyState.From(index, ops.Names.Container(index), read.Location, read.Exists ? read.Content : null).Key?.ProxyId;
    }

    static async Task WaitRunningAsync(DockerEngine engine, string name, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + RunningWait;
        while (true)
        {
            var c = await engine.TryInspectContainerAsync(name, ct);
            if (c?.State is { Running: true, Restarting: false }) return;
            if (DateTime.UtcNow > deadline)
                throw new ConduitException($"{name} is not running {RunningWait.TotalSeconds:0} s after the update ({c?.State?.Status ?? "gone"}); the nodes after it were not touched");
            await Task.Delay(200, ct);
        }
    }

    static string Short(string? id) => id is null ? "none" : id.StartsWith("sha256:", StringComparison.Ordinal) ? id[7..19] : id;
}
