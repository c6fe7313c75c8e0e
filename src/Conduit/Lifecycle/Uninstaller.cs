using Conduit.Cluster;
using Conduit.Host.Nginx;
using Conduit.Host.Services;
using Conduit.Host.Tuning;
using Conduit.Platform;
using Conduit.Settings;

namespace Conduit.Lifecycle;

/// <summary>
/// Takes back everything install did, in reverse: nodes, services, the nginx balancer, kernel tuning (recorded
/// previous values restored), the install root and the binary. Docker, the node volumes and key backups stay
/// unless purging; the user's own nginx sites are never touched (only what state/nginx.json recorded goes).
/// </summary>
public sealed class Uninstaller(ConduitPaths paths, TextWriter output)
{
    void Report(string step, string what) => output.WriteLine($"{step,-10} {what}");

    public async Task RunAsync(bool purge, string procSys, CancellationToken ct)
    {
        // Nothing installed: no lock folder is made just to remove nothing.
        using var hold = Directory.Exists(paths.Home) ? OperationLock.Acquire(paths, "uninstall", ct) : null;
        var settings = ConduitSettings.Load(paths.SettingsFile);
        var state = InstallState.Load(paths);

        var report = await DockerEngine.RunAsync(engine =>
            new ClusterOperations(engine, settings, paths).ScaleAsync(0, purge, HostFacts.Current(), ct), ct);
        var nodes = report.Nodes.Where(n => n.Action is NodeAction.Removed or NodeAction.VolumeRemoved or NodeAction.VolumeKept)
            .Select(n => $"{n.Name} {Describe(n.Action)}").ToList();
        Report("nodes", nodes.Count == 0 ? "no containers" : string.Join(", ", nodes) + (purge ? "" : "; data volumes (node keys) kept"));
        var failed = report.Nodes.Where(n => n.IsFailure).ToList();
        if (failed.Count > 0)
            throw new ConduitException("could not remove " + string.Join("; ", failed.Select(f => $"{f.Name}: {f.Detail}")) + "; nothing else was removed");

        Report("services", string.Join("; ", new ServicesInstaller(paths).Remove()));
        Report("nginx", string.Join("; ", new NginxLayer(paths, ConduitSettings.Load(paths.SettingsFile)).Remove(reload: true)));
        // Revert needs the live values' folder only for values it recorded; the files are restored either way.
        var tuning = Directory.Exists(procSys) ? new KernelTuning(paths, procSys, SysctlWant.Seed).Revert(dryRun: false) : [$"{procSys} missing: tuning left alone"];
        Report("tune", string.Join("; ", tuning));

        RemoveHome(purge);
        var binary = state.Binary ?? Path.Combine(paths.BinDir, "conduit");
        if (File.Exists(binary))
        {
            // Unlinking a running binary is fine on Linux: this process keeps its open inode.
            File.Delete(binary);
            Report("binary", $"{binary} removed");
        }
        else Report("binary", $"{binary} not there");
        // Deepest first; a folder something else has put files in since stays.
        var removed = new List<string>();
        foreach (var dir in state.CreatedDirs.OrderByDescending(d => d.Length))
        {
            if (!Directory.Exists(dir) || Directory.EnumerateFileSystemEntries(dir).Any()) continue;
            Directory.Delete(dir);
            removed.Add(dir);
        }
        if (removed.Count > 0) Report("folders", $"removed the empty folders install created: {string.Join(", ", removed)}");
        Report("done", "Docker, its images and your nginx sites were left alone" + (purge ? "" : $"; key backups kept in {paths.BackupsDir}"));
    }

    void RemoveHome(bool purge)
    {
        if (!Directory.Exists(paths.Home))
        {
            Report("files", $"{paths.Home} not there");
            return;
        }
        var keep = purge ? null : Path.GetFullPath(paths.BackupsDir);
        var kept = keep is not null && Directory.Exists(keep) && Directory.EnumerateFileSystemEntries(keep).Any();
        foreach (var entry in Directory.EnumerateFileSystemEntries(paths.Home))
        {
            if (kept && Path.GetFullPath(entry) == keep) continue;
            if (Directory.Exists(entry) && !File.GetAttributes(entry).HasFlag(FileAttributes.ReparsePoint)) Directory.Delete(entry, recursive: true);
            else File.Delete(entry);
        }
        if (!kept) Directory.Delete(paths.Home);
        Report("files", kept ? $"{paths.Home} removed except {keep}" : $"{paths.Home} removed");
    }

    static string Describe(NodeAction a) => a switch
    {
        NodeAction.VolumeRemoved => "volume removed",
        NodeAction.VolumeKept => "volume kept (not created by conduit)",
        _ => a.ToString().ToLowerInvariant(),
    };
}
