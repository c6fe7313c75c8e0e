using System.Collections.Immutable;

namespace Conduit.Cluster;

/// <summary>
/// What one node container looks like right now. Views render this; they never call Docker. Other capabilities
/// (node metrics) extend the picture by pairing it with their own records by <see cref="Index"/>.
/// </summary>
/// <param name="State">Docker's state (running, exited, created, restarting, paused, dead), or "missing" when
/// the container does not exist, or "foreign" when a container with our name was not created by conduit</param>
/// <param name="Health">healthy / starting / unhealthy while running (Docker's health check when the image has
/// one, else the node's metrics endpoint answering, else staying up 10 s); "down" otherwise</param>
/// <param name="SpecCurrent">false when the settings changed since the container was created (start recreates it)</param>
public sealed record ContainerStatus(
    int Index,
    string Name,
    string? Id,
    string State,
    string Health,
    DateTimeOffset? StartedAt,
    TimeSpan? Uptime,
    long Restarts,
    string? Image,
    string? ImageId,
    double? Cpus,
    long? MemoryBytes,
    long? Nofile,
    IReadOnlyList<PublishedPort> Ports,
    string? MetricsAddress,
    string NetworkMode,
    bool SpecCurrent,
    string? Problem)
{
    public bool Running => State == "running";
}

/// <summary>The whole cluster at one instant: configured count, every container we own or expect, conflicts.</summary>
public sealed record ClusterSnapshot(
    string Instance,
    DateTimeOffset TakenAt,
    int Configured,
    string NetworkMode,
    string Image,
    IReadOnlyList<ContainerStatus> Containers)
{
    public int Running => Containers.Count(c => c.Running);
    public int Healthy => Containers.Count(c => c.Health == "healthy");
    public IEnumerable<string> Problems => Containers.Where(c => c.Problem is not null).Select(c => $"{c.Name}: {c.Problem}");
}

/// <summary>What an operation did to one node.</summary>
public enum NodeAction { Created, Recreated, Started, Restarted, Unchanged, Stopped, AlreadyStopped, Removed, VolumeRemoved, VolumeKept, Blocked, Conflict, Failed }

public static class NodeActions
{
    /// <summary>How every front end names an outcome ("already stopped", "NOT STARTED").</summary>
    public static string Describe(this NodeAction action) => action switch
    {
        NodeAction.AlreadyStopped => "already stopped",
        NodeAction.VolumeRemoved => "volume removed",
        NodeAction.VolumeKept => "volume kept",
        NodeAction.Blocked => "NOT STARTED",
        NodeAction.Conflict => "CONFLICT",
        NodeAction.Failed => "FAILED",
        _ => action.ToString().ToLowerInvariant(),
    };
}

public sealed record NodeOutcome(int Index, string Name, NodeAction Action, string? Detail = null)
{
    public bool IsFailure => Action is NodeAction.Blocked or NodeAction.Conflict or NodeAction.Failed;
}

/// <summary>The outcome of start/stop/restart/scale, one line per node touched.</summary>
public sealed record ClusterReport(IReadOnlyList<NodeOutcome> Nodes)
{
    public bool Failed => Nodes.Any(n => n.IsFailure);
}

/// <summary>Bridge mode: one node as the nginx layer forwards to it.</summary>
public sealed record BridgeBackend(int Index, string Container, string HostIp, int Port);

/// <summary>Implemented by the nginx layer: told the backend list whenever scaling changes it in bridge mode.</summary>
public interface IBridgeBackendsListener
{
    /// <param name="instance">CONTAINER_NAME of the cluster (tests run several side by side)</param>
    /// <param name="backends">every node the balancer should forward to now (empty after scale 0)</param>
    Task BackendsChangedAsync(string instance, IReadOnlyList<BridgeBackend> backends, CancellationToken ct);
}

/// <summary>Extension points other capabilities register at startup (Program.cs); empty until they do.</summary>
public static class ClusterHooks
{
    static ImmutableArray<IBridgeBackendsListener> _bridgeListeners = [];

    public static IReadOnlyList<IBridgeBackendsListener> BridgeListeners => _bridgeListeners;

    public static void AddBridgeListener(IBridgeBackendsListener listener) =>
        ImmutableInterlocked.Update(ref _bridgeListeners, list => list.Add(listener));

    public static void RemoveBridgeListener(IBridgeBackendsListener listener) =>
        ImmutableInterlocked.Update(ref _bridgeListeners, list => list.Remove(listener));
}
