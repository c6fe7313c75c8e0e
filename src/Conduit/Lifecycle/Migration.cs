using Conduit.Tracking.Service;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Conduit.Cluster;
using Conduit.Host;
using Conduit.Host.Services;
using Conduit.Identity;
using Conduit.Platform;
using Conduit.Settings;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Conduit.Lifecycle;

/// <summary>
/// `conduit migrate`: takes over an install of the old bash manager. Its settings are PARSED (never executed),
/// every node key is backed up before anything changes, its containers (the only foreign containers conduit ever
/// adopts) are replaced by ours on the SAME volumes, and its cron/unit files are swapped for ours. Proxy IDs are
/// printed before and after and must match.
/// </summary>
public sealed class Migration(ConduitPaths paths, TextWriter output, string manPage)
{
    const uint StopTimeoutSeconds = 30;

    public sealed record Plan(List<(string Key, string Value)> Settings, List<string> LeftOut, List<int> Containers, List<string> OldFiles, string? Script);

    /// <summary>The old settings.conf, line by line: a line our parser refuses ($(...), `...`) is left out, not fatal.</summary>
    public static (List<(string Key, string Value)> Kept, List<string> LeftOut) ParseOldSettings(string path, HostFacts host)
    {
        var kept = new Dictionary<string, string>(StringComparer.Ordinal);
        var leftOut = new List<string>();
        if (!File.Exists(path)) return ([], leftOut);
        var lines = File.ReadAllLines(path);
        for (var n = 0; n < lines.Length; n++)
        {
            SettingsFile line;
            try
            {
                line = SettingsFile.Parse($"{path}:{n + 1}", Encoding.UTF8.GetBytes(lines[n] + "\n"));
            }
            catch (UsageException e)
            {
                leftOut.Add(e.Message.Replace(":1:", ":", StringComparison.Ordinal));
                continue;
            }
            foreach (var (key, value, _) in line.Entries)
            {
                if (!SettingsSchema.TryResolve(key, out var def, out var container))
                {
                    leftOut.Add($"{key}: not a conduit setting (old tool's own)");
                    continue;
                }
                if (ConduitSettings.Validate(def, value, host) is { } problem)
                {
                    leftOut.Add($"{ConduitSettings.Describe(key, value, def)} {problem}");
                    continue;
                }
                // The old tool read an empty CPU or memory limit as no limit, where ours means the default.
                var imported = value.Length == 0 && def.Key is "CONTAINER_CPU_LIMIT" or "CONTAINER_MEM_LIMIT" ? SettingsSchema.NoLimit : value;
                if (imported.Length == 0) continue;
                // One canonical spelling per setting: the old tool's aliases (DOCKER_CPUS, CPUS_2) map onto ours.
                kept[container == 0 ? def.Key : SettingsSchema.ContainerKeys(def, container).First()] = imported;
            }
        }
        return (kept.Select(k => (k.Key, k.Value)).ToList(), leftOut);
    }

    public async Task RunAsync(string name, bool dryRun, CancellationToken ct)
    {
        using var hold = dryRun ? null : OperationLock.Acquire(paths, "migrate", ct);
        var host = HostFacts.Current();
        var (kept, leftOut) = ParseOldSettings(paths.SettingsFile, host);
        if (name != "conduit") kept.Insert(0, ("CONTAINER_NAME", name));
        var file = SettingsFile.Empty(paths.SettingsFile);
        foreach (var (k, v) in kept) file.Set(k, v);
        var settings = ConduitSettings.FromFile(file, host);

        using var engine = await DockerEngine.ConnectAsync(ct);
        try
        {
            await MigrateAsync(engine, name, dryRun, kept, leftOut, file, settings, ct);
        }
        catch (DockerApiException e)
        {
            throw new ConduitException($"Docker: {DockerEngine.Message(e)}");
        }
        catch (HttpRequestException e)
        {
            throw new ConduitException($"lost the connection to Docker at {engine.Endpoint}: {DockerEngine.Innermost(e).Message}");
        }
    }

    /// <summary>What the imported numbers are: not what conduit counts (whole IP packets, every port).</summary>
    public const string OldTotalsMeaning =
        "note: the old tool counted only TCP/UDP payload on ports 443 and 5566, so its totals are smaller than what conduit counts (whole IP packets on every port but SSH) from now on";

    /// <summary>Where an old container waits while ours starts on its volumes: renamed, stopped, otherwise
    /// untouched, so a failure can put back the very same container.</summary>
    static string Parked(string container) => container + "-premigrate";

    async Task MigrateAsync(DockerEngine engine, string name, bool dryRun, List<(string Key, string Value)> kept, List<string> leftOut,
        SettingsFile file, ConduitSettings settings, CancellationToken ct)
    {
        var ops = new ClusterOperations(engine, settings, paths);
        var old = new List<int>();
        var interrupted = new List<int>();
        for (var i = 1; i <= 256; i++)
        {
            var c = await engine.TryInspectContainerAsync(ops.Names.Container(i), ct);
            // A migrate killed between parking the old container and finishing: that container is still the node.
            if (await engine.TryInspectContainerAsync(Parked(ops.Names.Container(i)), ct) is not null)
            {
                interrupted.Add(i);
                old.Add(i);
                continue;
            }
            if (c is null)
            {
                if (i > settings.ContainerCount) break;
                continue;
            }
            if (!ops.Names.Owns(c.Config?.Labels)) old.Add(i);
        }
        var script = Path.Combine(paths.Home, "conduit");
        var oldFiles = OldFiles(script);
        var traffic = LegacyTrafficImport.Read(paths.TrafficStatsDir);
        if (old.Count == 0 && !File.Exists(script) && oldFiles.Count == 0 && traffic is null)
        {
            output.WriteLine("nothing to migrate: no bash-manager script, containers or cron/unit files found");
            return;
        }
        var imagePresent = await engine.TryInspectImageAsync(settings.Image, ct) is not null;

        output.WriteLine($"plan ({(dryRun ? "dry run: nothing is changed" : "migrating")}):");
        output.WriteLine($"  settings   import {(kept.Count == 0 ? "nothing" : string.Join(", ", kept.Select(k => ConduitSettings.Describe(k.Key, k.Value, Def(k.Key)).TrimEnd(':'))))}");
        foreach (var l in leftOut) output.WriteLine($"  left out   {l}");
        output.WriteLine($"  image      {settings.Image}: {(imagePresent ? "present" : "not here yet: pulled before anything changes")}");
        foreach (var i in interrupted)
            output.WriteLine($"  recover    {Parked(ops.Names.Container(i))} (left by an interrupted migrate) is the node {ops.Names.Container(i)}");
        output.WriteLine($"  containers {(old.Count == 0 ? "none" : string.Join(", ", old.Select(ops.Names.Container)))}: keys backed up, replaced by conduit's containers on the same volumes");
        foreach (var f in oldFiles) output.WriteLine($"  replace    {f} (moved to {paths.BackupsDir})");
        if (File.Exists(script)) output.WriteLine($"  script     {script} (moved to {paths.BackupsDir})");
        if (traffic is not null)
        {
            output.WriteLine($"  stats      import {traffic.CountryCount} countries ({traffic.BytesIn} bytes in, {traffic.BytesOut} out, {traffic.Ips} IPs) into {Path.Combine(paths.TrafficStatsDir, StateStore.FileName)}");
            if (traffic.Unmapped.Count > 0) output.WriteLine($"  stats      counted as unknown (??): {string.Join(", ", traffic.Unmapped)}");
            output.WriteLine($"  stats      {OldTotalsMeaning}");
        }
        if (dryRun)
        {
            foreach (var i in old) output.WriteLine($"  proxy ID   {ops.Names.Container(i)}: {await ProxyIdAsync(ops, i, ct) ?? "(no key yet)"}");
            return;
        }

        // 0. An interrupted run is undone first: our half-made container goes, the parked one is the node again.
        foreach (var i in interrupted) await UnparkAsync(engine, ops, i, start: true, ct);
        foreach (var i in old) output.WriteLine($"  proxy ID   {ops.Names.Container(i)}: {await ProxyIdAsync(ops, i, ct) ?? "(no key yet)"}");

        // 1. Preconditions, before anything changes: the image our containers run, and every old key valid.
        if (!imagePresent)
        {
            try
            {
                await ImagePull.PullAsync(engine, settings.Image, Console.Error, !Console.IsErrorRedirected, ct);
            }
            catch (ConduitException e)
            {
                throw new ConduitException($"{e.Message}: nothing was changed (set CONDUIT_IMAGE to an image this host has, or pull it when the registry is reachable)");
            }
        }
        var keys = new List<NodeKeyState>();
        var before = new Dictionary<int, string?>();
        foreach (var i in old)
        {
            var read = await ops.Data.ReadKeyAsync(i, ct);
            before[i] = null;
            if (!read.Exists) continue;
            var state = NodeKeyState.From(i, ops.Names.Container(i), read.Location, read.Content);
            if (state.Key is null) throw new ConduitException($"{read.Location} is not a valid node key ({state.Problem}): nothing was changed; restore or remove it first");
            keys.Add(state);
            before[i] = state.Key.ProxyId;
        }
        // 2. Keys: nothing changes unless every existing key is safely copied.
        var now = DateTime.UtcNow;
        foreach (var state in keys)
        {
            var b = KeyBackups.Write(paths.BackupsDir, state.Container, BackupKind.Backup, state.Content!, now);
            output.WriteLine($"key        {state.Container}: {state.Key!.ProxyId} backed up to {b.Path}");
        }
        // 3. Settings: the old file is kept in backups/, ours written atomically.
        var stamp = now.ToString("yyyyMMdd_HHmmss", CultureInfo.InvariantCulture);
        string? oldSettings = null;
        if (File.Exists(paths.SettingsFile))
        {
            oldSettings = Path.Combine(paths.BackupsDir, $"settings.conf.bash.{stamp}");
            AtomicFile.Copy(paths.SettingsFile, oldSettings, AtomicFile.Private);
        }
        file.Save();
        output.WriteLine($"settings   {paths.SettingsFile} written ({kept.Count} setting(s))");
        // 4. Containers: each old one stopped and parked under another name (volumes stay), ours created on those
        // volumes by the start path. Any failure from here puts the old ones back as they were.
        var parked = new List<(int Index, bool WasRunning)>();
        try
        {
            foreach (var i in old)
            {
                var c = await engine.TryInspectContainerAsync(ops.Names.Container(i), ct);
                if (c is null) continue;
                await engine.Client.Containers.StopContainerAsync(c.ID, new ContainerStopParameters { WaitBeforeKillSeconds = StopTimeoutSeconds }, ct);
                await engine.Client.Containers.RenameContainerAsync(c.ID, new ContainerRenameParameters { NewName = Parked(ops.Names.Container(i)) }, ct);
                parked.Add((i, c.State?.Running == true));
            }
            var report = await ops.StartAsync(ct);
            foreach (var n in report.Nodes) output.WriteLine($"node       {n.Name} {n.Action.ToString().ToLowerInvariant()}{(n.Detail is null ? "" : $" ({n.Detail})")}");
            var failed = report.Nodes.Where(n => n.IsFailure).ToList();
            if (failed.Count > 0) throw new ConduitException(string.Join("; ", failed.Select(f => $"{f.Name}: {f.Detail}")));
            var changed = new List<string>();
            foreach (var (i, id) in before)
            {
                var after = await ProxyIdAsync(ops, i, ct);
                output.WriteLine($"proxy ID   {ops.Names.Container(i)}: {id ?? "(none)"} -> {after ?? "(none)"}{(id == after ? "" : "  CHANGED")}");
                if (id is not null && id != after) changed.Add(ops.Names.Container(i));
            }
            if (changed.Count > 0) throw new ConduitException($"proxy ID changed for {string.Join(", ", changed)}");
        }
        catch (Exception e)
        {
            // Undo with no deadline of the caller's: a Ctrl-C must not leave the host with no node.
            var back = new List<string>();
            var stuck = new List<string>();
            foreach (var (i, running) in parked)
            {
                try
                {
                    await UnparkAsync(engine, ops, i, running, CancellationToken.None);
                    back.Add(ops.Names.Container(i));
                }
                catch (Exception undo) when (undo is DockerApiException or HttpRequestException)
                {
                    stuck.Add($"{Parked(ops.Names.Container(i))} ({(undo is DockerApiException d ? DockerEngine.Message(d) : DockerEngine.Innermost(undo).Message)})");
                }
            }
            if (oldSettings is not null) AtomicFile.Copy(oldSettings, paths.SettingsFile, AtomicFile.Private);
            else File.Delete(paths.SettingsFile);
            var why = e switch
            {
                OperationCanceledException => "interrupted",
                ConduitException => e.Message,
                DockerApiException d => $"Docker: {DockerEngine.Message(d)}",
                _ => DockerEngine.Innermost(e).Message,
            };
            throw new ConduitException($"migration failed ({why}); put back as they were: " +
                string.Join(", ", [.. back, "the old settings.conf"]) +
                (stuck.Count == 0 ? "" : $"; NOT put back yet: {string.Join(", ", stuck)}: run `conduit migrate` again to recover them") +
                $" (keys are also in {paths.BackupsDir})");
        }
        foreach (var (i, _) in parked)
            await engine.Client.Containers.RemoveContainerAsync(Parked(ops.Names.Container(i)), new ContainerRemoveParameters(), CancellationToken.None);
        // 5. The old tool's own files: moved aside (never deleted), then our services.
        var moved = Path.Combine(paths.BackupsDir, $"bash-manager.{stamp}");
        foreach (var f in oldFiles.Append(script).Where(File.Exists))
        {
            Directory.CreateDirectory(moved);
            File.Move(f, Path.Combine(moved, Path.GetFileName(f)));
            output.WriteLine($"old file   {f} moved to {moved}");
        }
        if (traffic is not null)
        {
            traffic.AddTo(paths.TrafficStatsDir);
            var movedStats = Path.Combine(moved, "traffic_stats");
            Directory.CreateDirectory(movedStats);
            // Moved aside once imported, so a second migrate cannot count them twice.
            foreach (var f in new[] { LegacyTrafficImport.DataFile, LegacyTrafficImport.IpsFile }.Select(n => Path.Combine(paths.TrafficStatsDir, n)).Where(File.Exists))
                File.Move(f, Path.Combine(movedStats, Path.GetFileName(f)));
            output.WriteLine($"stats      imported into {Path.Combine(paths.TrafficStatsDir, StateStore.FileName)}; old files moved to {movedStats}");
        }
        foreach (var line in new ServicesInstaller(paths).Install(ServicesInstaller.AutoMode, manPage)) output.WriteLine($"services   {line}");
        output.WriteLine("done       migrated; `conduit install --yes` completes the rest (binary, key backups, tuning if wanted)");
    }

    /// <summary>Cron and unit files that run the old script (as /opt/conduit/conduit or through its
    /// /usr/local/bin/conduit link, as the old conduit.service does) or its health/watchdog scripts, and that
    /// conduit did not write. A path counts as a whole word, never as part of a longer one.</summary>
    List<string> OldFiles(string script)
    {
        var runsOldTool = new Regex(
            $@"(^|[\s=;'""])({Regex.Escape(ScriptOnHost(script))}|{Regex.Escape(ServiceFiles.Binary)}|\S*/health-check\.sh|\S*/nginx-watchdog\.sh)(\s|$|[;'""])",
            RegexOptions.Multiline);
        var ours = new ServicesInstaller(paths).RecordedFiles().ToHashSet();
        var found = new List<string>();
        foreach (var dir in new[] { paths.CronDir, paths.SystemdDir })
        {
            if (!Directory.Exists(dir)) continue;
            foreach (var f in Directory.EnumerateFiles(dir))
            {
                if (ours.Contains(f) || !Path.GetFileName(f).Contains("conduit", StringComparison.Ordinal)) continue;
                if (runsOldTool.IsMatch(File.ReadAllText(f))) found.Add(f);
            }
        }
        return found;
    }

    /// <summary>The script's path as the host sees it (files under a test root still name /opt/conduit/conduit).</summary>
    string ScriptOnHost(string script) =>
        paths.SysRoot == "/" ? script : "/" + Path.GetRelativePath(paths.SysRoot, script);

    /// <summary>Our container for <paramref name="index"/> (if any) removed, its volumes kept, and the parked old
    /// one renamed back (and started when it ran before).</summary>
    static async Task UnparkAsync(DockerEngine engine, ClusterOperations ops, int index, bool start, CancellationToken ct)
    {
        var name = ops.Names.Container(index);
        if (await engine.TryInspectContainerAsync(name, ct) is { } ours && ops.Names.Owns(ours.Config?.Labels))
            await engine.Client.Containers.RemoveContainerAsync(ours.ID, new ContainerRemoveParameters { Force = true }, ct);
        await engine.Client.Containers.RenameContainerAsync(Parked(name), new ContainerRenameParameters { NewName = name }, ct);
        if (start) await engine.Client.Containers.StartContainerAsync(name, new ContainerStartParameters(), ct);
    }

    static SettingDefinition Def(string key) => SettingsSchema.TryResolve(key, out var d, out _) ? d : throw new ArgumentException(key);

    static async Task<string?> ProxyIdAsync(ClusterOperations ops, int index, CancellationToken ct)
    {
        var read = await ops.Data.ReadKeyAsync(index, ct);
        return NodeKeyState.From(index, ops.Names.Container(index), read.Location, read.Exists ? read.Content : null).Key?.ProxyId;
    }
}
