using Conduit.Cluster;
using Conduit.Platform;
using Conduit.Settings;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Conduit.Identity;

/// <summary>
/// The nodes' key files and the one container a key change touches, over the cluster capability (key access
/// through the volume mount point or the archive API, and its start path). Docker errors become one CLI line.
/// </summary>
public sealed class NodeKeys : IDisposable
{
    const uint StopTimeoutSeconds = 30;

    readonly DockerEngine _engine;
    readonly ClusterOperations _cluster;
    readonly ConduitPaths _paths;

    NodeKeys(DockerEngine engine, ClusterOperations cluster, ConduitPaths paths)
    {
        _engine = engine;
        _cluster = cluster;
        _paths = paths;
    }

    public static async Task<NodeKeys> OpenAsync(ConduitSettings settings, ConduitPaths paths, CancellationToken ct)
    {
        var engine = await DockerEngine.ConnectAsync(ct);
        return new NodeKeys(engine, new ClusterOperations(engine, settings, paths), paths);
    }

    public string ContainerName(int index) => _cluster.Names.Container(index);

    public async Task<NodeKeyState> ReadAsync(int index, CancellationToken ct)
    {
        var read = await Guard(() => _cluster.Data.ReadKeyAsync(index, ct));
        return NodeKeyState.From(index, ContainerName(index), read.Location, read.Exists ? read.Content : null);
    }

    /// <summary>
    /// Refuses before anything changes when node <paramref name="index"/> cannot take a new key now: its container
    /// does not exist yet (the node must first set up its data folder, owned by its own uid), is not ours, or
    /// starting is refused (data cap).
    /// </summary>
    public async Task EnsureReplaceableAsync(int index, CancellationToken ct)
    {
        StartGuard.EnsureStartAllowed(_cluster.Settings, _paths);
        var name = ContainerName(index);
        var container = await Guard(() => _engine.TryInspectContainerAsync(name, ct));
        if (container is null)
            throw new ConduitException($"node {index} ({name}) has not been created yet: run `conduit start` first, then give it the key");
        if (!_cluster.Names.Owns(container.Config?.Labels))
            throw new ConduitException($"container {name} exists but conduit did not create it; not touching it");
    }

    /// <summary>
    /// Stops node <paramref name="index"/> only, writes the key (mode 0600, owned like the node's data folder:
    /// uid 1000 in the official image) and starts it through the cluster's start path, which checks the key again.
    /// </summary>
    public async Task ReplaceAsync(int index, NodeKey key, CancellationToken ct)
    {
        var name = ContainerName(index);
        await Guard(async () =>
        {
            var container = await _engine.TryInspectContainerAsync(name, ct)
                ?? throw new ConduitException($"node {index} ({name}) disappeared while its key was being replaced");
            if (container.State?.Running == true)
                await _engine.Client.Containers.StopContainerAsync(container.ID, new ContainerStopParameters { WaitBeforeKillSeconds = StopTimeoutSeconds }, ct);
            return await _cluster.Data.WriteKeyAsync(index, key.ToFileBytes(), ct);
        });
        var report = await Guard(() => _cluster.StartOneAsync(index, restart: false, ct));
        foreach (var node in report.Nodes)
            if (node.IsFailure) throw new ConduitException($"node {index} ({name}) has the new key but did not start: {node.Detail}");
    }

    async Task<T> Guard<T>(Func<Task<T>> work)
    {
        try
        {
            return await work();
        }
        catch (DockerApiException e)
        {
            throw new ConduitException($"Docker: {DockerEngine.Message(e)}");
        }
        catch (HttpRequestException e)
        {
            throw new ConduitException($"lost the connection to Docker at {_engine.Endpoint}: {e.Message}");
        }
    }

    public void Dispose() => _engine.Dispose();
}
