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

    /// <summary>
    /// Gives node <paramref name="index"/> <paramref name="key"/> (restore, import-key, the menu, a bot): the rules
    /// of a key change live here. Refuses before anything changes when the node cannot take it; nothing happens
    /// when it has this key already; asks <paramref name="confirm"/> (with what it has now) before stopping it;
    /// keeps the current key file, even an unreadable one, as a pre-restore backup; reads the key back after the
    /// node started. Holds the operations lock throughout.
    /// </summary>
    public async Task<KeyInstall> InstallKeyAsync(int index, NodeKey key, string from, Confirm confirm, CancellationToken ct)
    {
        using var hold = OperationLock.Acquire(_paths, "restore", ct);
        await EnsureReplaceableAsync(index, ct);
        var current = await ReadAsync(index, ct);
        if (current.Key is { } same && same.SameKeyAs(key)) return new KeyInstall(current.Container, KeyInstallResult.AlreadyInstalled, null);
        var was = current.Key is { } k ? $"proxy ID {k.ProxyId}" : current.Missing ? "no key yet" : "an invalid key file";
        if (!confirm($"node {index} ({current.Container}) has {was}; the key from {from} has proxy ID {key.ProxyId}: stop node {index}, replace its key and start it again?"))
            return new KeyInstall(current.Container, KeyInstallResult.NotConfirmed, null);

        string? kept = null;
        if (current.Content is not null)
            kept = KeyBackups.Write(_paths.BackupsDir, current.Container, BackupKind.PreRestore, current.Content, DateTime.UtcNow).Path;
        await ReplaceAsync(index, key, ct);
        var after = await ReadAsync(index, ct);
        if (after.Key is null || !after.Key.SameKeyAs(key))
            throw new ConduitException($"node {index}: the key read back from {after.Location} is not the one written{(kept is null ? "" : $"; the previous key is in {kept}")}");
        return new KeyInstall(current.Container, KeyInstallResult.Installed, kept);
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

public enum KeyInstallResult { Installed, AlreadyInstalled, NotConfirmed }

/// <param name="KeptBackup">the pre-restore backup of the key the node had, when it had a file</param>
public sealed record KeyInstall(string Container, KeyInstallResult Result, string? KeptBackup);
