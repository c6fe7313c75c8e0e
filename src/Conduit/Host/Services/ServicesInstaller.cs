using Conduit.Platform;

namespace Conduit.Host.Services;

public enum ServiceMode { Systemd, Cron }

/// <summary>One installed file and whether it is still what conduit wrote.</summary>
public sealed record ServiceFileState(string Path, bool Present, bool Current, string? Enabled, string? Active);

/// <summary>
/// Installs, reports and removes the boot/scheduling files: systemd units and timers when systemd runs,
/// else /etc/cron.d/conduit. Files and enablement are recorded in state/services.json for remove.
/// </summary>
public sealed class ServicesInstaller(ConduitPaths paths)
{
    public const string StateName = "services";
    static readonly TimeSpan SystemctlTimeout = TimeSpan.FromSeconds(60);
    readonly ServiceFiles _files = new(paths);

    /// <summary>systemctl only drives the real host, never a temporary root.</summary>
    bool DriveSystemd => ServiceManager.SystemdRunning && paths.SysRoot == "/";

    public static ServiceMode AutoMode => ServiceManager.SystemdRunning ? ServiceMode.Systemd : ServiceMode.Cron;

    /// <summary>The files a mode installs; with either, the manual the units' Documentation= names.</summary>
    public IEnumerable<(string Path, string Content)> Wanted(ServiceMode mode, string manPage) =>
        (mode == ServiceMode.Systemd
            ? _files.SystemdFiles().Select(f => (Path.Combine(paths.SystemdDir, f.Name), f.Content))
            : [(Path.Combine(paths.CronDir, ServiceFiles.CronName), _files.CronFile().Content)])
        .Append((paths.ManPageFile, manPage));

    /// <param name="manPage">conduit(1) as roff: the front end renders it from its command help.</param>
    public List<string> Install(ServiceMode mode, string manPage)
    {
        var changes = HostChanges.Load(paths, StateName);
        var done = new List<string>();
        Directory.CreateDirectory(paths.LogsDir);
        foreach (var (path, content) in Wanted(mode, manPage))
        {
            if (File.Exists(path) && File.ReadAllText(path) == content && changes.FileRecord(path) is not null)
            {
                done.Add($"{path}: up to date");
                continue;
            }
            changes.WriteFile(path, content, AtomicFile.Public);
            done.Add($"{path}: written");
        }
        // Switching between systemd and cron: the other mode's files would run every job twice.
        var wanted = Wanted(mode, manPage).Select(w => w.Path).ToHashSet();
        foreach (var stale in changes.Files.Where(f => !wanted.Contains(f.Path)).ToList())
        {
            // Telegram was disabled: stop the bot before its unit goes.
            if (DriveSystemd && Path.GetFileName(stale.Path) == ServiceFiles.TelegramUnit) Systemctl(done, "disable", "--now", ServiceFiles.TelegramUnit);
            done.Add(changes.RevertFile(stale));
        }
        changes.Save();
        if (mode == ServiceMode.Systemd)
        {
            if (!DriveSystemd)
                done.Add("systemd is not running this root: files written, not enabled");
            else
            {
                Systemctl(done, "daemon-reload");
                string[] bot = _files.TelegramEnabled ? [ServiceFiles.TelegramUnit] : [];
                Systemctl(done, ["enable", .. ServiceFiles.Enabled, .. bot]);
                Systemctl(done, ["start", .. ServiceFiles.Background, .. bot]);
                changes.RecordValue("systemd enabled", "", string.Join(' ', ServiceFiles.Enabled));
                changes.Save();
            }
        }
        else if (!CronDaemonRunning())
            done.Add("note: no cron daemon is running; the jobs run once one is (install and start `cron`)");
        return done;
    }

    public List<string> Remove()
    {
        var changes = HostChanges.Load(paths, StateName);
        var done = new List<string>();
        if (changes.PreviousValue("systemd enabled") is not null)
        {
            if (DriveSystemd)
            {
                string[] bot = changes.Files.Any(f => Path.GetFileName(f.Path) == ServiceFiles.TelegramUnit) ? [ServiceFiles.TelegramUnit] : [];
                Systemctl(done, ["disable", "--now", .. ServiceFiles.Background, .. bot]);
                // Only disabled, not stopped: stopping it would run its ExecStop and take the cluster down.
                Systemctl(done, "disable", "conduit.service");
            }
            foreach (var v in changes.Values.ToList()) changes.ForgetValue(v);
        }
        foreach (var f in changes.Files.ToList()) done.Add(changes.RevertFile(f));
        if (DriveSystemd && done.Count > 0) Systemctl(done, "daemon-reload");
        changes.Save();
        if (done.Count == 0) done.Add("nothing recorded: no services to remove");
        return done;
    }

    public List<ServiceFileState> Status(ServiceMode mode, string manPage)
    {
        var changes = HostChanges.Load(paths, StateName);
        var states = new List<ServiceFileState>();
        foreach (var (path, content) in Wanted(mode, manPage))
        {
            bool present = File.Exists(path);
            string? enabled = null, active = null;
            if (DriveSystemd && mode == ServiceMode.Systemd && path != paths.ManPageFile)
            {
                var unit = Path.GetFileName(path);
                enabled = ProcessRunner.Run("systemctl", ["is-enabled", unit], SystemctlTimeout).Stdout.Trim();
                active = ProcessRunner.Run("systemctl", ["is-active", unit], SystemctlTimeout).Stdout.Trim();
            }
            states.Add(new ServiceFileState(path, present, present && File.ReadAllText(path) == content && changes.FileRecord(path) is not null, enabled, active));
        }
        return states;
    }

    /// <summary>Files conduit recorded that the current mode does not use (e.g. a cron file after moving to systemd).</summary>
    public IEnumerable<string> RecordedFiles() => HostChanges.Load(paths, StateName).Files.Select(f => f.Path);

    static void Systemctl(List<string> done, params string[] args)
    {
        var r = ProcessRunner.Run("systemctl", args, SystemctlTimeout);
        done.Add(r.Ok ? $"systemctl {string.Join(' ', args)}: ok" : $"systemctl {string.Join(' ', args)}: FAILED: {r.LastLine()}");
    }

    /// <summary>Is any cron implementation running? (Scans /proc: cron, crond, busybox crond.)</summary>
    public static bool CronDaemonRunning() => ProcessTable.Any(comm => comm is "cron" or "crond");
}
