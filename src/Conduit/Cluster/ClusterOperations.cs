using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Conduit.Platform;
using Conduit.Settings;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Conduit.Cluster;

/// <summary>
/// Start, stop, restart, scale and status of the node containers of one instance. Work across containers runs in
/// parallel with a bound; every start goes through <see cref="StartNodesAsync"/> (data cap, key safety, spec hash).
/// </summary>
public sealed class ClusterOperations
{
    public const int DefaultParallelism = 4;
    const uint StopTimeoutSeconds = 10;

    readonly DockerEngine _engine;
    readonly ConduitPaths _paths;
    readonly int _parallelism;

    public ClusterOperations(DockerEngine engine, ConduitSettings settings, ConduitPaths paths, int parallelism = DefaultParallelism, bool keysThroughMountpoint = true)
    {
        _engine = engine;
        Settings = settings;
        _paths = paths;
        _parallelism = Math.Max(1, parallelism);
        Names = new ClusterNames(settings.ContainerName);
        Data = new NodeDataAccess(engine, Names, settings.Image, keysThroughMountpoint);
    }

    public ConduitSettings Settings { get; private set; }
    public ClusterNames Names { get; }
    /// <summary>Key files on the node volumes (identity's backup/restore use this too).</summary>
    public NodeDataAccess Data { get; }

    /// <summary>Node N's spec: the settings', reduced while the data cap throttles (<see cref="StartGuard.Throttle"/>).</summary>
    public ContainerSpec Spec(int index) => ContainerSpec.For(Settings, index, _cli, StartGuard.Throttle(Settings, _paths));

    ImageCli? _cli;

    /// <summary>What the configured image's CLI accepts (probed once per image ID; see <see cref="ImageCliProbe"/>).</summary>
    public async Task<ImageCli> ImageCliAsync(CancellationToken ct) =>
        _cli ??= await ImageCliProbe.DetectAsync(_engine, Settings, _paths, Names, ct);

    // ---------------- status ----------------

    public async Task<ClusterSnapshot> SnapshotAsync(CancellationToken ct)
    {
        var taken = DateTimeOffset.UtcNow;
        var owned = await ListOwnedAsync(ct);
        var byIndex = new Dictionary<int, ContainerListResponse>();
        foreach (var c in owned)
        {
            var i = ClusterNames.IndexOf(c.Labels);
            if (i > 0) byIndex[i] = c;
        }
        var indices = Enumerable.Range(1, Settings.ContainerCount).Union(byIndex.Keys).Order().ToArray();
        var imageId = byIndex.Count > 0 ? await LocalImageIdAsync(ct) : null;
        if (byIndex.Count > 0) await ImageCliAsync(ct);
        var statuses = new ContainerStatus[indices.Length];
        // Read-only calls: a wider bound than for changes keeps status at about one round trip for 8 nodes.
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(_parallelism, 8), CancellationToken = ct };
        await Parallel.ForEachAsync(Enumerable.Range(0, indices.Length), options, async (slot, token) =>
        {
            var index = indices[slot];
            statuses[slot] = byIndex.TryGetValue(index, out var listed)
                ? await DescribeAsync(index, listed.ID, imageId, taken, token)
                : await DescribeMissingAsync(index, token);
        });
        return new ClusterSnapshot(Names.Instance, taken, Settings.ContainerCount, Settings.NetworkMode, Settings.Image, statuses);
    }

    async Task<ContainerStatus> DescribeAsync(int index, string id, string? imageId, DateTimeOffset now, CancellationToken ct)
    {
        var spec = Spec(index);
        var c = await _engine.TryInspectContainerAsync(id, ct);
        if (c is null) return await DescribeMissingAsync(index, ct); // removed between list and inspect
        var state = c.State?.Status ?? "unknown";
        DateTimeOffset? started = c.State?.Running == true && DateTimeOffset.TryParse(c.State.StartedAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var s) ? s : null;
        TimeSpan? uptime = started is { } st ? now - st : null;
        var hostConfig = c.HostConfig;
        var ports = new List<PublishedPort>();
        if (hostConfig?.PortBindings is not null)
            foreach (var (key, bindings) in hostConfig.PortBindings)
            {
                var parts = key.Split('/');
                if (bindings is null || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out var containerPort)) continue;
                foreach (var b in bindings)
                    if (int.TryParse(b.HostPort, CultureInfo.InvariantCulture, out var hp))
                        ports.Add(new(string.IsNullOrEmpty(b.HostIP) ? "0.0.0.0" : b.HostIP, hp, containerPort, parts.Length > 1 ? parts[1] : "tcp"));
            }
        ports.Sort((a, b) => (a.HostPort, a.Protocol).CompareTo((b.HostPort, b.Protocol)));
        var hash = ClusterNames.Label(c.Config?.Labels, ClusterNames.SpecHashLabel);
        var metrics = MetricsAddressOf(c.Config?.Cmd, hostConfig?.NetworkMode);
        var health = await HealthAsync(c, metrics, uptime, ct);
        var nofile = hostConfig?.Ulimits?.FirstOrDefault(u => u.Name == "nofile")?.Soft;
        string? problem = index > Settings.ContainerCount ? $"index above CONTAINER_COUNT={Settings.ContainerCount} (scale removes it)" : null;
        if (state == "exited" && c.State?.ExitCode is long code && code != 0)
            problem ??= $"exited with code {code.ToString(CultureInfo.InvariantCulture)}";
        return new ContainerStatus(index, c.Name?.TrimStart('/') ?? spec.Name, c.ID, state, health, started, uptime,
            c.RestartCount, c.Config?.Image, c.Image,
            hostConfig is { NanoCPUs: > 0 } ? hostConfig.NanoCPUs / 1e9 : null,
            hostConfig is { Memory: > 0 } ? hostConfig.Memory : null,
            nofile, ports, metrics, hostConfig?.NetworkMode == "host" ? "host" : "bridge", IsCurrent(spec, hash, c.Image, imageId), problem);
    }

    async Task<ContainerStatus> DescribeMissingAsync(int index, CancellationToken ct)
    {
        var spec = Spec(index);
        var other = await _engine.TryInspectContainerAsync(spec.Name, ct);
        var state = other is null ? "missing" : "foreign";
        var problem = other is null ? null : ForeignContainer(spec.Name);
        return new ContainerStatus(index, spec.Name, other?.ID, state, "down", null, null, 0, other?.Config?.Image, other?.Image,
            null, null, null, [], spec.MetricsAddress, spec.BridgeMode ? "bridge" : "host", false, problem);
    }

    /// <summary>The address the node was told to serve metrics on, as reachable from the host.</summary>
    static string? MetricsAddressOf(IList<string>? cmd, string? networkMode)
    {
        if (cmd is null) return null;
        for (var i = 0; i < cmd.Count; i++)
        {
            string? value = cmd[i] == "--metrics-addr" && i + 1 < cmd.Count ? cmd[i + 1]
                : cmd[i].StartsWith("--metrics-addr=", StringComparison.Ordinal) ? cmd[i]["--metrics-addr=".Length..] : null;
            if (value is null) continue;
            // Bridge nodes listen on 0.0.0.0 inside; the same port is published on host loopback.
            return value.StartsWith("0.0.0.0:", StringComparison.Ordinal) ? "127.0.0.1:" + value[8..] : value;
        }
        return null;
    }

    static readonly HttpClient Probe = new(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(1) })
    {
        Timeout = TimeSpan.FromSeconds(2),
    };

    static async Task<string> HealthAsync(ContainerInspectResponse c, string? metrics, TimeSpan? uptime, CancellationToken ct)
    {
        if (c.State is not { Running: true }) return "down";
        if (c.State.Restarting) return "unhealthy";
        if (c.State.Health?.Status is { Length: > 0 } docker && docker != "none") return docker;
        var young = uptime is null || uptime < TimeSpan.FromSeconds(30);
        if (metrics is null) return uptime >= TimeSpan.FromSeconds(10) ? "healthy" : "starting";
        try
        {
            var body = await Probe.GetStringAsync($"http://{metrics}/metrics", ct);
            if (body.Contains("conduit_is_live", StringComparison.Ordinal)) return "healthy";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
        }
        return young ? "starting" : "unhealthy";
    }

    // ---------------- start / restart ----------------

    public Task<ClusterReport> StartAsync(CancellationToken ct) =>
        StartNodesAsync(Enumerable.Range(1, Settings.ContainerCount), restart: false, ct);

    public Task<ClusterReport> RestartAsync(CancellationToken ct) =>
        StartNodesAsync(Enumerable.Range(1, Settings.ContainerCount), restart: true, ct);

    /// <summary>One node (menu, Telegram /start_N).</summary>
    public Task<ClusterReport> StartOneAsync(int index, bool restart, CancellationToken ct)
    {
        StartGuard.EnsureStartAllowed(Settings, _paths);
        if (index < 1 || index > Settings.ContainerCount)
            throw new UsageException($"container {index} does not exist: CONTAINER_COUNT is {Settings.ContainerCount}");
        return StartNodesAsync([index], restart, ct);
    }

    /// <summary>
    /// THE start path: refuses under the data cap; per node: leaves foreign containers alone, refuses a corrupt
    /// key, creates what is missing, recreates only containers whose spec hash changed, starts (or restarts)
    /// the rest.
    /// </summary>
    public async Task<ClusterReport> StartNodesAsync(IEnumerable<int> indices, bool restart, CancellationToken ct)
    {
        StartGuard.EnsureStartAllowed(Settings, _paths);
        var list = indices.ToArray();
        if (list.Length == 0) return new ClusterReport([]);
        using var hold = OperationLock.Acquire(_paths, restart ? "restart" : "start", ct);
        Personal.NodeOptions.EnsureValid(Settings, await ImageCliAsync(ct), list);
        if (Settings.BridgeMode) await EnsureNetworkAsync(ct);
        var imageId = await LocalImageIdAsync(ct);
        var outcomes = new NodeOutcome[list.Length];
        await Parallel.ForEachAsync(Enumerable.Range(0, list.Length), Options(ct), async (slot, token) =>
            outcomes[slot] = await StartNodeAsync(list[slot], restart, imageId, token));
        return new ClusterReport(outcomes);
    }

    /// <summary>
    /// Same settings (spec hash) AND same image: after `conduit pull` moved the tag to a new image, the
    /// container is recreated on it. An image missing locally does not force a recreate (it cannot).
    /// </summary>
    static bool IsCurrent(ContainerSpec spec, string? hash, string? containerImageId, string? localImageId) =>
        hash == spec.Hash && (localImageId is null || containerImageId == localImageId);

    async Task<string?> LocalImageIdAsync(CancellationToken ct) => (await _engine.TryInspectImageAsync(Settings.Image, ct))?.ID;

    async Task<NodeOutcome> StartNodeAsync(int index, bool restart, string? imageId, CancellationToken ct)
    {
        var spec = Spec(index);
        try
        {
            var existing = await _engine.TryInspectContainerAsync(spec.Name, ct);
            if (existing is not null && (!Names.Owns(existing.Config?.Labels) || ClusterNames.IndexOf(existing.Config?.Labels) != index))
                return new(index, spec.Name, NodeAction.Conflict, ForeignContainer(spec.Name));
            var current = IsCurrent(spec, ClusterNames.Label(existing?.Config?.Labels, ClusterNames.SpecHashLabel), existing?.Image, imageId);
            var running = existing?.State?.Running == true;
            if (current && running && !restart) return new(index, spec.Name, NodeAction.Unchanged, "running");

            var volume = await _engine.TryInspectVolumeAsync(spec.Volume, ct);
            if (volume is not null)
            {
                var key = await Data.ReadKeyAsync(index, ct);
                if (key.Exists && NodeKeyFile.Problem(key.Content) is string problem)
                    return new(index, spec.Name, NodeAction.Blocked,
                        $"{key.Location} is not a valid node key ({problem}); not starting {spec.Name}: the node would replace the key and lose its identity. Restore it with `conduit restore`");
            }
            if (current && existing is not null)
            {
                if (running)
                {
                    await _engine.Client.Containers.RestartContainerAsync(existing.ID, new ContainerRestartParameters { WaitBeforeKillSeconds = StopTimeoutSeconds }, ct);
                    return new(index, spec.Name, NodeAction.Restarted);
                }
                await _engine.Client.Containers.StartContainerAsync(existing.ID, new ContainerStartParameters(), ct);
                return await NotRunningAsync(existing.ID, index, ct) is { } down
                    ? new(index, spec.Name, NodeAction.Failed, down)
                    : new(index, spec.Name, NodeAction.Started);
            }
            volume ??= await _engine.Client.Volumes.CreateAsync(new VolumesCreateParameters { Name = spec.Volume, Labels = Names.IndexedLabels(index) }, ct);
            if (existing is not null) await RemoveContainerAsync(existing.ID, ct);
            var id = await CreateAndStartAsync(spec, ct);
            return await NotRunningAsync(id, index, ct) is { } failed
                ? new(index, spec.Name, NodeAction.Failed, failed)
                : new(index, spec.Name, existing is null ? NodeAction.Created : NodeAction.Recreated);
        }
        catch (DockerApiException e)
        {
            return new(index, spec.Name, NodeAction.Failed, Explain(e, spec));
        }
    }

    async Task<string> CreateAndStartAsync(ContainerSpec spec, CancellationToken ct)
    {
        var created = await _engine.Client.Containers.CreateContainerAsync(spec.ToCreateParameters(), ct);
        await _engine.Client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), ct);
        return created.ID;
    }

    /// <summary>With a restart policy Docker answers a start with success even when the node's program cannot
    /// run at all (an empty or wrong-architecture image) and restarts it in a loop: say so instead of "created".</summary>
    async Task<string?> NotRunningAsync(string id, int index, CancellationToken ct)
    {
        var c = await _engine.TryInspectContainerAsync(id, ct);
        if (c?.State is not { } state) return "disappeared right after it was started";
        if (!state.Restarting && state.Running && c.RestartCount == 0) return null;
        var error = string.IsNullOrEmpty(state.Error) ? "" : $": {state.Error}";
        return $"does not stay up (exit code {state.ExitCode}{error}; Docker keeps restarting it): see `conduit logs {index}`";
    }

    string Explain(DockerApiException e, ContainerSpec spec)
    {
        var message = DockerEngine.Message(e);
        if (e.StatusCode == HttpStatusCode.NotFound && message.Contains("image", StringComparison.OrdinalIgnoreCase))
            return $"image {spec.Image} is not present: run `conduit pull`";
        if (message.Contains("port is already allocated", StringComparison.Ordinal) || message.Contains("address already in use", StringComparison.Ordinal))
            return $"{message} (change BRIDGE_PORT_BASE / METRICS_PORT_BASE)";
        return message;
    }

    async Task EnsureNetworkAsync(CancellationToken ct)
    {
        var network = await _engine.TryInspectNetworkAsync(Names.Network, ct);
        if (network is null)
        {
            try
            {
                await _engine.Client.Networks.CreateNetworkAsync(new NetworksCreateParameters
                {
                    Name = Names.Network,
                    Driver = "bridge",
                    Labels = Names.BaseLabels(),
                }, ct);
            }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.Conflict)
            {
                // Created concurrently by another conduit run: fine.
            }
            return;
        }
        if (!Names.Owns(network.Labels))
            throw new ConduitException($"a Docker network named {Names.Network} exists but was not created by conduit: remove it (docker network rm {Names.Network}) or set CONTAINER_NAME to use other names");
    }

    // ---------------- stop ----------------

    /// <summary>Stops every container of this instance (also ones above CONTAINER_COUNT).</summary>
    public async Task<ClusterReport> StopAsync(CancellationToken ct)
    {
        using var hold = OperationLock.Acquire(_paths, "stop", ct);
        var owned = (await ListOwnedAsync(ct)).OrderBy(c => ClusterNames.IndexOf(c.Labels)).ToArray();
        var outcomes = new NodeOutcome[owned.Length];
        await Parallel.ForEachAsync(Enumerable.Range(0, owned.Length), Options(ct), async (slot, token) =>
        {
            var c = owned[slot];
            var name = c.Names?.FirstOrDefault()?.TrimStart('/') ?? c.ID;
            var stopped = await _engine.Client.Containers.StopContainerAsync(c.ID, new ContainerStopParameters { WaitBeforeKillSeconds = StopTimeoutSeconds }, token);
            outcomes[slot] = new(ClusterNames.IndexOf(c.Labels), name, stopped ? NodeAction.Stopped : NodeAction.AlreadyStopped);
        });
        return new ClusterReport(outcomes);
    }

    /// <summary>One node (menu, Telegram /stop_N); its volume and key are kept.</summary>
    public async Task<ClusterReport> StopOneAsync(int index, CancellationToken ct)
    {
        if (index < 1 || index > Settings.ContainerCount)
            throw new UsageException($"container {index} does not exist: CONTAINER_COUNT is {Settings.ContainerCount}");
        using var hold = OperationLock.Acquire(_paths, $"stop {index}", ct);
        var owned = (await ListOwnedAsync(ct)).Where(c => ClusterNames.IndexOf(c.Labels) == index).ToArray();
        if (owned.Length == 0) return new ClusterReport([new(index, Names.Container(index), NodeAction.AlreadyStopped, "not created")]);
        var outcomes = new List<NodeOutcome>();
        foreach (var c in owned)
        {
            var stopped = await _engine.Client.Containers.StopContainerAsync(c.ID, new ContainerStopParameters { WaitBeforeKillSeconds = StopTimeoutSeconds }, ct);
            outcomes.Add(new(index, c.Names?.FirstOrDefault()?.TrimStart('/') ?? c.ID, stopped ? NodeAction.Stopped : NodeAction.AlreadyStopped));
        }
        return new ClusterReport(outcomes);
    }

    // ---------------- scale ----------------

    /// <summary>
    /// Sets CONTAINER_COUNT and adds or removes only the difference: new indices are created and started
    /// through the start path, indices above <paramref name="target"/> are stopped and removed. Volumes stay
    /// unless <paramref name="purge"/>; only volumes conduit created are ever deleted.
    /// </summary>
    public async Task<ClusterReport> ScaleAsync(int target, bool purge, HostFacts host, CancellationToken ct)
    {
        if (target < 0) throw new UsageException($"scale needs a count of 0 or more, got {target}");
        // Held from the first read of what exists to the last change: two scales never work from the same list.
        using var hold = OperationLock.Acquire(_paths, $"scale {target}", ct);
        var owned = await ListOwnedAsync(ct);
        // A node created but never started is a scale cut short (Docker lost between create and start): finish it.
        // One the user stopped (state "exited") stays stopped.
        var present = owned.Where(c => c.State != "created").Select(c => ClusterNames.IndexOf(c.Labels)).Where(i => i > 0).ToHashSet();
        var toAdd = Enumerable.Range(1, target).Where(i => !present.Contains(i)).ToArray();
        if (toAdd.Length > 0)
        {
            StartGuard.EnsureStartAllowed(Settings, _paths);
            Personal.NodeOptions.EnsureValid(Settings, await ImageCliAsync(ct), toAdd);
        }
        Settings = ConduitSettings.SetValue(_paths.SettingsFile, "CONTAINER_COUNT", target.ToString(CultureInfo.InvariantCulture), null, host);

        var outcomes = new ConcurrentBag<NodeOutcome>();
        var toRemove = owned.Where(c => ClusterNames.IndexOf(c.Labels) > target).ToArray();
        await Parallel.ForEachAsync(toRemove, Options(ct), async (c, token) =>
        {
            await RemoveContainerAsync(c.ID, token);
            outcomes.Add(new(ClusterNames.IndexOf(c.Labels), c.Names?.FirstOrDefault()?.TrimStart('/') ?? c.ID, NodeAction.Removed));
        });
        if (purge)
            foreach (var outcome in await PurgeVolumesAboveAsync(target, ct)) outcomes.Add(outcome);
        var added = await StartNodesAsync(toAdd, restart: false, ct);
        foreach (var outcome in added.Nodes) outcomes.Add(outcome);

        if (target == 0) await RemoveNetworkIfUnusedAsync(ct);

        if (Settings.BridgeMode)
        {
            var backends = BridgeBackends();
            foreach (var listener in ClusterHooks.BridgeListeners)
                await listener.BackendsChangedAsync(Names.Instance, backends, ct);
        }
        return new ClusterReport(outcomes.OrderBy(o => o.Index).ThenBy(o => o.Action).ToArray());
    }

    /// <summary>The bridge-mode backends for CONTAINER_COUNT nodes (what the nginx layer balances over).</summary>
    public IReadOnlyList<BridgeBackend> BridgeBackends() =>
        Enumerable.Range(1, Settings.ContainerCount)
            .Select(i => new BridgeBackend(i, Names.Container(i), "127.0.0.1", Settings.BridgePortBase + i))
            .ToArray();

    async Task<List<NodeOutcome>> PurgeVolumesAboveAsync(int target, CancellationToken ct)
    {
        var outcomes = new List<NodeOutcome>();
        var volumes = await _engine.Client.Volumes.ListAsync(new VolumesListParameters { Filters = Names.Filter() }, ct);
        foreach (var v in volumes.Volumes ?? [])
        {
            var index = ClusterNames.IndexOf(v.Labels);
            if (index <= target || !Names.Owns(v.Labels) || v.Name != Names.Volume(index)) continue;
            await _engine.Client.Volumes.RemoveAsync(v.Name, force: false, ct);
            outcomes.Add(new(index, v.Name, NodeAction.VolumeRemoved));
        }
        // Volumes with our names but no label (the old tool's): report, never delete.
        for (var i = target + 1; i <= Math.Max(target, 256); i++)
        {
            if (outcomes.Any(o => o.Index == i)) continue;
            var v = await _engine.TryInspectVolumeAsync(Names.Volume(i), ct);
            if (v is null) break;
            if (!Names.Owns(v.Labels))
                outcomes.Add(new(i, v.Name, NodeAction.VolumeKept, "not created by conduit: kept (remove it yourself with docker volume rm if you are sure)"));
        }
        return outcomes;
    }

    async Task RemoveNetworkIfUnusedAsync(CancellationToken ct)
    {
        if (await _engine.TryInspectNetworkAsync(Names.Network, ct) is not { } network || !Names.Owns(network.Labels)) return;
        try
        {
            await _engine.Client.Networks.DeleteNetworkAsync(network.ID, ct);
        }
        catch (DockerApiException e) when (e.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            // Still in use by something else (or just removed): leave it.
        }
    }

    async Task RemoveContainerAsync(string id, CancellationToken ct)
    {
        await _engine.Client.Containers.StopContainerAsync(id, new ContainerStopParameters { WaitBeforeKillSeconds = StopTimeoutSeconds }, ct);
        await _engine.Client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }, ct);
    }

    // ---------------- helpers ----------------

    async Task<IList<ContainerListResponse>> ListOwnedAsync(CancellationToken ct)
    {
        var all = await _engine.Client.Containers.ListContainersAsync(new ContainersListParameters { All = true, Filters = Names.Filter() }, ct);
        // Key-access helpers are short-lived and not nodes.
        return all.Where(c => c.Labels is null || !c.Labels.ContainsKey(ClusterNames.HelperLabel)).ToList();
    }

    ParallelOptions Options(CancellationToken ct) => new() { MaxDegreeOfParallelism = _parallelism, CancellationToken = ct };

    static string ForeignContainer(string name) =>
        $"a container named {name} exists but was not created by conduit (no io.conduit labels): it is left alone. " +
        $"Remove or rename it (docker rm -f {name}), or set CONTAINER_NAME to use other names";
}
