using System.Globalization;
using Conduit.Cluster;
using Conduit.Host.Nginx;
using Conduit.Host.Services;
using Conduit.Platform;
using Conduit.Settings;

namespace Conduit.Host.Health;

public enum HealthLevel { Ok, Warn, Fail, Fixed }

/// <summary>One line of the health table.</summary>
public sealed record HealthRow(string Check, HealthLevel Level, string Detail);

/// <summary>
/// The cluster's health: Docker, every container (running, responsive, restarts, OOM, key file), nginx in
/// bridge mode, the tracker, host CPU/RAM/disk. With repair it restarts what is down and says what it did.
/// Problems go to the notifier.
/// </summary>
public sealed class HealthRunner(ConduitPaths paths, ConduitSettings settings, IAlertNotifier notifier)
{
    public const int RestartAlertThreshold = 10;
    public const double ResourceAlertPercent = 90;
    static readonly TimeSpan DockerWait = TimeSpan.FromSeconds(30);

    public async Task<List<HealthRow>> RunAsync(bool repair, CancellationToken ct)
    {
        var rows = new List<HealthRow>();
        using var hold = repair ? OperationLock.Acquire(paths, "health --repair", ct) : null;
        DockerEngine? engine = await ConnectDockerAsync(repair, rows, ct);
        try
        {
            if (engine is not null) await CheckContainersAsync(engine, repair, rows, ct);
            else rows.Add(new("containers", HealthLevel.Fail, "not checked: Docker is not reachable"));
        }
        finally
        {
            engine?.Dispose();
        }
        CheckKernelOom(rows);
        if (settings.BridgeMode) CheckNginx(repair, rows);
        CheckTracker(repair, rows);
        CheckResources(rows);
        foreach (var row in rows)
            if (row.Level != HealthLevel.Ok) notifier.Alert(row.Level, row.Check, row.Detail);
            else notifier.Resolved(row.Check);
        return rows;
    }

    async Task<DockerEngine?> ConnectDockerAsync(bool repair, List<HealthRow> rows, CancellationToken ct)
    {
        try
        {
            var engine = await DockerEngine.ConnectAsync(ct);
            rows.Add(new("docker", HealthLevel.Ok, $"engine {engine.EngineVersion} at {engine.Endpoint}"));
            return engine;
        }
        catch (ConduitException e)
        {
            if (!repair)
            {
                rows.Add(new("docker", HealthLevel.Fail, e.Message));
                return null;
            }
            var how = RestartDocker();
            var deadline = DateTime.UtcNow + DockerWait;
            while (DateTime.UtcNow < deadline)
            {
                try
                {
                    var engine = await DockerEngine.ConnectAsync(ct);
                    rows.Add(new("docker", HealthLevel.Fixed, $"was down ({e.Message}); restarted with {how}"));
                    return engine;
                }
                catch (ConduitException)
                {
                    await Task.Delay(500, ct);
                }
            }
            rows.Add(new("docker", HealthLevel.Fail, $"{e.Message}; restart with {how} did not bring it back within {DockerWait.TotalSeconds:0} s"));
            return null;
        }
    }

    static string RestartDocker()
    {
        if (ServiceManager.SystemdRunning)
        {
            var r = ProcessRunner.Run("systemctl", ["restart", "docker"], TimeSpan.FromSeconds(60));
            return r.Ok ? "systemctl restart docker" : $"systemctl restart docker (failed: {r.LastLine()})";
        }
        if (File.Exists("/etc/init.d/docker"))
        {
            var r = ProcessRunner.Run("/etc/init.d/docker", ["start"], TimeSpan.FromSeconds(60));
            return r.Ok ? "/etc/init.d/docker start" : $"/etc/init.d/docker start (failed: {r.LastLine()})";
        }
        return "nothing (no systemd and no /etc/init.d/docker: start dockerd yourself)";
    }

    async Task CheckContainersAsync(DockerEngine engine, bool repair, List<HealthRow> rows, CancellationToken ct)
    {
        var ops = new ClusterOperations(engine, settings, paths);
        var snapshot = await ops.SnapshotAsync(ct);
        if (snapshot.Containers.Count == 0)
        {
            rows.Add(new("containers", HealthLevel.Ok, "none configured (CONTAINER_COUNT=0)"));
            return;
        }
        var capRefusal = StartGuard.Refusal(settings, paths);
        var toStart = new List<int>();
        var toRestart = new List<int>();
        var found = new Dictionary<int, (HealthLevel Level, List<string> Notes)>();
        foreach (var c in snapshot.Containers)
        {
            var level = HealthLevel.Ok;
            var notes = new List<string>();
            void Note(HealthLevel l, string text)
            {
                if (l > level) level = l;
                notes.Add(text);
            }
            if (c.State == "foreign") Note(HealthLevel.Fail, c.Problem ?? "a container with this name was not created by conduit");
            else if (c.Index > snapshot.Configured) Note(HealthLevel.Warn, c.Problem ?? "above CONTAINER_COUNT");
            else if (!c.Running)
            {
                if (capRefusal is not null) Note(HealthLevel.Warn, $"{c.State}: kept down by the data cap");
                else
                {
                    Note(HealthLevel.Fail, c.State == "missing" ? "missing (never created or removed)" : $"not running (state {c.State}{(c.Problem is null ? "" : ", " + c.Problem)})");
                    toStart.Add(c.Index);
                }
            }
            else if (c.Health == "unhealthy")
            {
                Note(HealthLevel.Fail, $"running but not responsive: metrics at {c.MetricsAddress ?? "?"} do not answer (hung?)");
                toRestart.Add(c.Index);
            }
            else if (c.Health == "starting") Note(HealthLevel.Warn, "starting");
            else notes.Add($"running {FormatUptime(c.Uptime)}, {c.Health}");

            if (c.Restarts > RestartAlertThreshold) Note(HealthLevel.Warn, $"restarted {c.Restarts} times");
            if (c.Id is not null && c.State != "foreign")
            {
                var inspect = await engine.TryInspectContainerAsync(c.Id, ct);
                if (inspect?.State?.OOMKilled == true)
                    Note(HealthLevel.Warn, $"killed by the OOM killer (memory limit {(c.MemoryBytes is long m ? $"{m >> 20} MiB" : "none")})");
            }
            if (c.State is not ("foreign" or "missing") && c.Index <= snapshot.Configured)
            {
                var key = await ops.Data.ReadKeyAsync(c.Index, ct);
                if (!key.Exists) Note(c.Running ? HealthLevel.Warn : level, $"no key file yet at {key.Location}");
                else if (NodeKeyFile.Problem(key.Content) is string problem)
                    Note(HealthLevel.Fail, $"key file {key.Location} is invalid ({problem}): restore it with `conduit restore`");
            }
            found[c.Index] = (level, notes);
        }

        if (repair && (toStart.Count > 0 || toRestart.Count > 0))
        {
            var outcomes = new List<NodeOutcome>();
            try
            {
                if (toStart.Count > 0) outcomes.AddRange((await ops.StartNodesAsync(toStart, restart: false, ct)).Nodes);
                if (toRestart.Count > 0) outcomes.AddRange((await ops.StartNodesAsync(toRestart, restart: true, ct)).Nodes);
            }
            catch (ConduitException e)
            {
                foreach (var i in toStart.Concat(toRestart)) found[i].Notes.Add($"repair refused: {e.Message}");
            }
            foreach (var o in outcomes)
            {
                var (level, notes) = found[o.Index];
                if (o.IsFailure) notes.Add($"repair failed: {o.Detail}");
                else
                {
                    notes.Add($"repaired: {o.Action.ToString().ToLowerInvariant()}");
                    if (level == HealthLevel.Fail && notes.TrueForAll(n => !n.StartsWith("key file", StringComparison.Ordinal)))
                        found[o.Index] = (HealthLevel.Fixed, notes);
                }
            }
        }
        foreach (var c in snapshot.Containers)
        {
            var (level, notes) = found[c.Index];
            rows.Add(new($"container {c.Name}", level, string.Join("; ", notes)));
        }
    }

    static string FormatUptime(TimeSpan? uptime) => uptime is not { } u ? ""
        : u.TotalDays >= 1 ? $"{(int)u.TotalDays}d{u.Hours}h" : u.TotalHours >= 1 ? $"{(int)u.TotalHours}h{u.Minutes}m" : $"{(int)u.TotalMinutes}m{u.Seconds}s";

    /// <summary>OOM kills the kernel logged in the last hour (any process: node containers share the host).</summary>
    static void CheckKernelOom(List<HealthRow> rows)
    {
        var r = ProcessRunner.Run("dmesg", [], TimeSpan.FromSeconds(10));
        if (!r.Ok) return; // no permission to read the kernel log (containers, hardened hosts): nothing to say
        double uptime = double.Parse(File.ReadAllText("/proc/uptime").Split(' ')[0], CultureInfo.InvariantCulture);
        string? last = null;
        int count = 0;
        foreach (var line in r.Stdout.Split('\n'))
        {
            if (!line.Contains("oom-kill", StringComparison.Ordinal) && !line.Contains("Out of memory", StringComparison.Ordinal)) continue;
            var close = line.IndexOf(']');
            if (!line.StartsWith('[') || close < 0 || !double.TryParse(line.AsSpan(1, close - 1).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var at)) continue;
            if (uptime - at > 3600) continue;
            count++;
            last = line[(close + 1)..].Trim();
        }
        rows.Add(count == 0
            ? new("kernel oom", HealthLevel.Ok, "no OOM kills in the last hour")
            : new("kernel oom", HealthLevel.Warn, $"{count} OOM event(s) in the last hour; last: {last}"));
    }

    void CheckNginx(bool repair, List<HealthRow> rows)
    {
        var layer = new NginxLayer(paths, settings);
        var test = layer.Host.Test();
        if (!test.Ok)
        {
            rows.Add(new("nginx", HealthLevel.Fail, $"configuration invalid: {NginxHost.Error(test)}"));
            return;
        }
        if (layer.Host.RunningPid() is int pid)
        {
            rows.Add(new("nginx", HealthLevel.Ok, $"running (pid {pid}), configuration valid"));
            return;
        }
        if (!repair)
        {
            rows.Add(new("nginx", HealthLevel.Fail, "not running (bridge mode needs it)"));
            return;
        }
        var r = layer.Host.Start();
        rows.Add(r.Ok
            ? new("nginx", HealthLevel.Fixed, $"was not running; started (pid {layer.Host.RunningPid()})")
            : new("nginx", HealthLevel.Fail, $"not running; start failed: {NginxHost.Error(r)}"));
    }

    void CheckTracker(bool repair, List<HealthRow> rows)
    {
        if (ServiceManager.SystemdRunning && paths.SysRoot == "/")
        {
            var active = ProcessRunner.Run("systemctl", ["is-active", "conduit-tracker.service"], TimeSpan.FromSeconds(10)).Stdout.Trim();
            if (active == "active")
            {
                rows.Add(new("tracker", HealthLevel.Ok, "conduit-tracker.service active"));
                return;
            }
            if (repair && ProcessRunner.Run("systemctl", ["restart", "conduit-tracker.service"], TimeSpan.FromSeconds(60)).Ok)
            {
                rows.Add(new("tracker", HealthLevel.Fixed, $"conduit-tracker.service was {active}; restarted"));
                return;
            }
            rows.Add(new("tracker", HealthLevel.Warn, $"conduit-tracker.service is {active}"));
            return;
        }
        foreach (var p in ProcessTable.All())
            if (p.Args.Length >= 3 && p.Args.Contains("track") && p.Args.Contains("--service"))
            {
                rows.Add(new("tracker", HealthLevel.Ok, $"running (pid {p.Pid})"));
                return;
            }
        rows.Add(new("tracker", HealthLevel.Warn, "not running (`conduit services install` starts it at boot)"));
    }

    void CheckResources(List<HealthRow> rows)
    {
        var inv = CultureInfo.InvariantCulture;
        var host = new Conduit.NodeStats.HostResources();
        var before = host.Sample(DateTimeOffset.UtcNow);
        Thread.Sleep(500);
        var usage = Conduit.NodeStats.HostUsage.Between(before, host.Sample(DateTimeOffset.UtcNow));
        var cpu = usage.CpuPercent;
        rows.Add(new("host cpu", cpu > ResourceAlertPercent ? HealthLevel.Warn : HealthLevel.Ok, string.Create(inv, $"{cpu:0}% busy")));
        var mem = usage.MemPercent;
        rows.Add(new("host memory", mem > ResourceAlertPercent ? HealthLevel.Warn : HealthLevel.Ok, string.Create(inv, $"{mem:0}% used")));
        var disk = DiskUsage.Percent(paths.Home);
        rows.Add(new("disk", disk > 97 ? HealthLevel.Fail : disk > ResourceAlertPercent ? HealthLevel.Warn : HealthLevel.Ok,
            string.Create(inv, $"{disk:0}% used on the filesystem of {paths.Home}")));
    }
}
