using System.Globalization;
using System.Runtime.InteropServices;
using Conduit.Cluster;
using Conduit.Host;
using Conduit.Host.Nginx;
using Conduit.Host.Services;
using Conduit.Host.Tuning;
using Conduit.Identity;
using Conduit.Platform;
using Conduit.Settings;

namespace Conduit.Lifecycle;

/// <summary>What `conduit install` was asked for; null = keep the current (or planned) value.</summary>
public sealed record InstallOptions(
    int? Containers = null, int? MaxClients = null, string? Bandwidth = null, string? Network = null, string? Image = null,
    string? Cpu = null, string? Memory = null, string? Name = null, bool Tune = false, string ProcSys = "/proc/sys",
    TimeSpan? KeyWait = null);

/// <summary>
/// The install steps in order, each idempotent and reported as one line ("step: what happened"); a step that
/// changed nothing says "unchanged". Progress lands in state/install.json so an interrupted run is finished by
/// running install again.
/// </summary>
public sealed class Installer(ConduitPaths paths, TextWriter output, string manPage)
{
    static readonly TimeSpan DefaultKeyWait = TimeSpan.FromSeconds(30);

    void Report(string step, string what) => output.WriteLine($"{step,-10} {what}");

    public async Task RunAsync(InstallOptions options, CancellationToken ct)
    {
        var host = HostFacts.Current();
        var plan = Preflight(host);
        await EnsureDockerAsync(ct);
        var state = DetectEarlier();
        // Remember which folders this install creates, so uninstall leaves the host as it found it.
        foreach (var dir in new[] { paths.Home, paths.BinDir, paths.CronDir, paths.SystemdDir, paths.SysctlDir, paths.LimitsDir, Path.GetDirectoryName(paths.ManPageFile)! })
            state.NoteMissing(dir);
        using var hold = OperationLock.Acquire(paths, "install", ct);
        state.Begin();

        var settings = WriteSettings(options, plan, host);
        state.Done("settings");
        CopyBinary(state);
        state.Done("binary");
        if (options.Tune)
        {
            Tune(options.ProcSys);
            state.Done("tune");
        }
        if (settings.BridgeMode)
        {
            var lines = new NginxLayer(paths, settings).Apply(reload: true);
            Report("nginx", lines.All(l => l.EndsWith("up to date", StringComparison.Ordinal) || l.StartsWith("nginx -t", StringComparison.Ordinal)) ? "unchanged" : string.Join("; ", lines));
            state.Done("nginx");
        }
        await StartNodesAsync(settings, host, ct);
        state.Done("nodes");
        await BackUpKeysAsync(settings, options.KeyWait ?? DefaultKeyWait, ct);
        state.Done("keys");
        InstallServices();
        state.Done("services");
        state.Finish();

        Report("done", $"{settings.ContainerCount} node(s) of {settings.Image} ({settings.NetworkMode} networking), settings in {paths.SettingsFile}");
        output.WriteLine();
        output.WriteLine("next steps:");
        output.WriteLine("  conduit status        the nodes, their health and clients");
        output.WriteLine("  conduit id            the proxy IDs (claim them in the Conduit app with `conduit qr`)");
        output.WriteLine("  conduit backup list   the key backups (copy them off this machine)");
        output.WriteLine("  conduit health        everything checked in one go");
    }

    CapacityPlan Preflight(HostFacts host)
    {
        // Only a temporary root (tests, dry runs into a folder) may be installed without root.
        if (!Environment.IsPrivilegedProcess && paths.SysRoot == "/")
            throw new ConduitException("install must run as root (sudo conduit install)");
        var os = OsRelease.Read(paths.OnHost("/etc/os-release"));
        var arch = RuntimeInformation.OSArchitecture;
        if (arch is not (Architecture.X64 or Architecture.Arm64))
            throw new ConduitException($"unsupported architecture {arch}: the node image exists for x86_64 and arm64 only");
        var plan = CapacityPlan.For(host.Cores, host.MemoryBytes);
        var free = FreeDiskBytes(paths.Home);
        Report("preflight", string.Create(CultureInfo.InvariantCulture,
            $"{os.PrettyName} {arch.ToString().ToLowerInvariant()}, {host.Cores} cores, {host.MemoryBytes >> 20} MiB RAM, {free >> 30} GiB free; " +
            $"recommended {plan.Containers} containers x {plan.ClientsPerContainer} clients, {plan.CpuPerContainer} CPU and {plan.MemoryPerContainerText} each"));
        if (free < 1L << 30) throw new ConduitException($"only {free >> 20} MiB free under {paths.Home}: the node image and logs need at least 1 GiB");
        return plan;
    }

    static long FreeDiskBytes(string path)
    {
        var dir = path;
        while (!Directory.Exists(dir)) dir = Path.GetDirectoryName(dir) ?? "/";
        return new DriveInfo(dir).AvailableFreeSpace;
    }

    async Task EnsureDockerAsync(CancellationToken ct)
    {
        try
        {
            using var engine = await DockerEngine.ConnectAsync(ct);
            Report("docker", $"engine {engine.EngineVersion} at {engine.Endpoint}: unchanged");
            return;
        }
        catch (ConduitException) when (!ProcessRunner.Exists("docker") && !ProcessRunner.Exists("dockerd"))
        {
            // Not installed at all: install it below.
        }
        var plan = DockerInstallPlan.For(OsRelease.Read(paths.OnHost("/etc/os-release")), ServiceManager.SystemdRunning);
        Report("docker", $"not installed: installing with {plan.PackageManager}");
        foreach (var command in plan.Commands)
        {
            var r = ProcessRunner.Run(command[0], command[1..], TimeSpan.FromMinutes(10));
            if (!r.Ok) throw new ConduitException($"`{string.Join(' ', command)}` failed: {r.LastLine()}");
        }
        using var installed = await DockerEngine.ConnectAsync(ct);
        Report("docker", $"installed engine {installed.EngineVersion}");
    }

    InstallState DetectEarlier()
    {
        if (LegacyInstall.Detect(paths) is { } legacy)
            throw new ConduitException($"the old bash manager is installed ({legacy.Evidence}): run `conduit migrate` to take it over with its keys, then `conduit install`");
        var state = InstallState.Load(paths);
        var backups = KeyBackups.List(paths.BackupsDir).Count;
        var found = new List<string>();
        if (state.Complete) found.Add("an earlier install");
        else if (state.Steps.Count > 0) found.Add($"an unfinished install (done: {string.Join(", ", state.Steps)}): completing it");
        if (File.Exists(paths.SettingsFile)) found.Add($"settings {paths.SettingsFile} (kept)");
        if (backups > 0) found.Add($"{backups} key backup(s) in {paths.BackupsDir} (kept)");
        Report("detect", found.Count == 0 ? "fresh install" : string.Join("; ", found));
        return state;
    }

    ConduitSettings WriteSettings(InstallOptions o, CapacityPlan plan, HostFacts host)
    {
        var current = ConduitSettings.Load(paths.SettingsFile, host);
        // Per-node CPU and RAM shares are for the count being installed, not the plan's own count.
        if (o.Containers is > 0 and var count) plan = plan.WithContainers(count);
        var wanted = new List<(string Key, string Value)>();
        void Want(string key, string? value)
        {
            if (value is not null) wanted.Add((key, value));
        }
        Want("CONTAINER_NAME", o.Name);
        Want("CONDUIT_IMAGE", o.Image);
        Want("NETWORK_MODE", o.Network);
        // A first install without --containers takes the capacity plan's sizing, not the schema defaults.
        Want("CONTAINER_COUNT", o.Containers?.ToString(CultureInfo.InvariantCulture)
            ?? (current.IsSet("CONTAINER_COUNT") ? null : plan.Containers.ToString(CultureInfo.InvariantCulture)));
        Want("MAX_CLIENTS", o.MaxClients?.ToString(CultureInfo.InvariantCulture));
        Want("BANDWIDTH", o.Bandwidth);
        Want("CONTAINER_CPU_LIMIT", o.Cpu ?? (current.IsSet("CONTAINER_CPU_LIMIT") ? null : plan.CpuPerContainer.ToString(CultureInfo.InvariantCulture)));
        Want("CONTAINER_MEM_LIMIT", o.Memory ?? (current.IsSet("CONTAINER_MEM_LIMIT") ? null : plan.MemoryPerContainerText));

        var changed = new List<string>();
        foreach (var (key, value) in wanted)
        {
            if (current.IsSet(key) && current[key] == value) continue;
            current = ConduitSettings.SetValue(paths.SettingsFile, key, value, null, host);
            changed.Add($"{key}={value}");
        }
        if (!File.Exists(paths.SettingsFile)) current.File.Save();
        Report("settings", changed.Count == 0 ? "unchanged" : $"{paths.SettingsFile}: {string.Join(", ", changed)}");
        return current;
    }

    void CopyBinary(InstallState state)
    {
        var source = Environment.ProcessPath ?? throw new ConduitException("cannot tell where the running conduit binary is");
        var target = Path.Combine(paths.BinDir, "conduit");
        state.Binary = target;
        if (Path.GetFullPath(source) == Path.GetFullPath(target) ||
            (File.Exists(target) && new FileInfo(target).Length == new FileInfo(source).Length && File.ReadAllBytes(target).AsSpan().SequenceEqual(File.ReadAllBytes(source))))
        {
            Report("binary", $"{target}: unchanged");
            return;
        }
        AtomicFile.Copy(source, target, AtomicFile.Executable);
        Report("binary", $"{target}: installed");
    }

    void Tune(string procSys)
    {
        if (!Directory.Exists(procSys)) throw new UsageException($"--proc-sys: {procSys} is not a folder");
        var notes = new List<string>();
        var rows = new KernelTuning(paths, procSys, SysctlWant.Seed).Apply(dryRun: false, notes);
        var changed = rows.Count(r => r.Status == TuneStatus.Change);
        var failed = rows.Where(r => r.Status == TuneStatus.Failed).Select(r => r.Key).ToList();
        var files = notes.Count(n => !n.EndsWith("up to date", StringComparison.Ordinal));
        Report("tune", changed == 0 && files == 0 && failed.Count == 0 ? "unchanged"
            : $"{changed} kernel value(s) raised, {files} file(s) written{(failed.Count > 0 ? $", refused by the kernel: {string.Join(", ", failed)}" : "")}");
    }

    async Task StartNodesAsync(ConduitSettings settings, HostFacts host, CancellationToken ct)
    {
        var report = await DockerEngine.RunAsync(engine =>
            new ClusterOperations(engine, settings, paths).ScaleAsync(settings.ContainerCount, purge: false, host, ct), ct);
        var failures = report.Nodes.Where(n => n.IsFailure).ToList();
        var changed = report.Nodes.Where(n => n.Action != NodeAction.Unchanged && !n.IsFailure).Select(n => $"{n.Name} {n.Action.ToString().ToLowerInvariant()}").ToList();
        Report("nodes", changed.Count == 0 && failures.Count == 0 ? $"{settings.ContainerCount} running: unchanged" : string.Join(", ", changed));
        if (failures.Count > 0)
            throw new ConduitException(string.Join("; ", failures.Select(f => $"{f.Name}: {f.Detail}")) + " (fix it and run `conduit install` again: it continues where it stopped)");
    }

    async Task BackUpKeysAsync(ConduitSettings settings, TimeSpan wait, CancellationToken ct)
    {
        if (settings.ContainerCount == 0)
        {
            Report("keys", "no nodes: nothing to back up");
            return;
        }
        using var nodes = await NodeKeys.OpenAsync(settings, paths, ct);
        var existing = KeyBackups.List(paths.BackupsDir);
        var written = new List<string>();
        var missing = new List<string>();
        var deadline = DateTime.UtcNow + wait;
        for (var i = 1; i <= settings.ContainerCount; i++)
        {
            // A fresh node writes its key within moments of starting: wait for it rather than skip it.
            var key = await nodes.ReadAsync(i, ct);
            while (key.Missing && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, ct);
                key = await nodes.ReadAsync(i, ct);
            }
            if (key.Key is null || key.Content is null)
            {
                missing.Add($"{key.Container} ({key.Problem ?? "no key yet"})");
                continue;
            }
            var proxyId = key.Key.ProxyId;
            if (existing.Any(b => b.Kind == BackupKind.Backup && b.Container == key.Container && b.Key?.ProxyId == proxyId)) continue;
            KeyBackups.Write(paths.BackupsDir, key.Container, BackupKind.Backup, key.Content, DateTime.UtcNow);
            written.Add($"{key.Container} {proxyId}");
        }
        Report("keys", written.Count == 0 && missing.Count == 0 ? "all backed up: unchanged"
            : $"{(written.Count > 0 ? "backed up " + string.Join(", ", written) : "")}{(missing.Count > 0 ? (written.Count > 0 ? "; " : "") + "NOT backed up (run `conduit backup` later): " + string.Join(", ", missing) : "")}");
    }

    void InstallServices()
    {
        var mode = ServicesInstaller.AutoMode;
        var lines = new ServicesInstaller(paths).Install(mode, manPage);
        // "up to date" files, notes and routine systemctl calls are not changes; writes, removals and failures are.
        var changed = lines.Where(l => !l.EndsWith("up to date", StringComparison.Ordinal) && !l.StartsWith("note:", StringComparison.Ordinal)
            && !l.StartsWith("systemd is not running", StringComparison.Ordinal) && !(l.StartsWith("systemctl ", StringComparison.Ordinal) && l.EndsWith(": ok", StringComparison.Ordinal))).ToList();
        Report("services", $"{mode.ToString().ToLowerInvariant()}: {(changed.Count == 0 ? "unchanged" : string.Join("; ", changed))}");
    }
}
