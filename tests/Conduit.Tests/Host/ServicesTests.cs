using System.Text.RegularExpressions;
using Conduit.Platform;
using Conduit.Tests.Support;

namespace Conduit.Tests.Host;

/// <summary>Unit, timer and cron files generated into a temp root, validated by parsing and systemd-analyze.</summary>
public sealed partial class ServicesTests
{
    static Dictionary<string, Dictionary<string, List<string>>> ParseUnit(string text)
    {
        var sections = new Dictionary<string, Dictionary<string, List<string>>>();
        Dictionary<string, List<string>>? current = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';') continue;
            if (line.StartsWith('['))
            {
                Assert.EndsWith("]", line);
                current = sections[line[1..^1]] = [];
                continue;
            }
            Assert.NotNull(current); // every key sits in a section
            var eq = line.IndexOf('=');
            Assert.True(eq > 0, $"not KEY=VALUE: {line}");
            var key = line[..eq];
            Assert.Matches("^[A-Za-z]+$", key);
            if (!current!.TryGetValue(key, out var values)) current[key] = values = [];
            values.Add(line[(eq + 1)..]);
        }
        return sections;
    }

    [Fact]
    public void Systemd_units_and_timers_are_valid_and_safe_on_the_boot_path()
    {
        using var root = new TempRoot();
        var r = ConduitProcess.RunIn(root, "services", "install", "--mode", "systemd");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("systemd is not running this root: files written, not enabled", r.Stdout);
        var dir = root.Combine("etc", "systemd", "system");
        var units = Directory.GetFiles(dir).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["conduit-cap.service", "conduit-cap.timer", "conduit-health.service", "conduit-health.timer", "conduit-tracker.service", "conduit-watchdog.service", "conduit-watchdog.timer", "conduit.service"], units);

        var main = ParseUnit(File.ReadAllText(Path.Combine(dir, "conduit.service")));
        Assert.Contains("docker.service", main["Unit"]["After"][0]);
        Assert.Equal(["docker.service"], main["Unit"]["Requires"]);
        Assert.Equal(["/usr/local/bin/conduit"], main["Unit"]["ConditionFileIsExecutable"]);
        Assert.Equal(["/usr/local/bin/conduit start"], main["Service"]["ExecStart"]);
        // The data cap's pass runs before the nodes start at boot; its failure never blocks the boot.
        Assert.Equal(["-/usr/local/bin/conduit cap check --quiet"], main["Service"]["ExecStartPre"]);
        Assert.Equal(["multi-user.target"], main["Install"]["WantedBy"]);
        var tracker = ParseUnit(File.ReadAllText(Path.Combine(dir, "conduit-tracker.service")));
        Assert.Equal(["/usr/local/bin/conduit track --service"], tracker["Service"]["ExecStart"]);
        Assert.Equal(["on-failure"], tracker["Service"]["Restart"]);
        // What capture needs, nothing more (UnitSandboxTests runs the tracker with exactly this set).
        Assert.Equal(["CAP_NET_RAW CAP_NET_ADMIN CAP_BPF CAP_PERFMON"], tracker["Service"]["CapabilityBoundingSet"]);
        // The manual the units' Documentation= names is installed with them, and is the one `help --man` prints.
        var manPage = root.Combine("usr", "local", "share", "man", "man1", "conduit.1");
        Assert.Equal(ConduitProcess.Run(["help", "--man"]).Stdout, File.ReadAllText(manPage));
        foreach (var service in units.Where(u => u.EndsWith(".service")))
        {
            var s = ParseUnit(File.ReadAllText(Path.Combine(dir, service)))["Service"];
            Assert.Equal(["null"], s["StandardInput"]); // nothing on these paths can ever wait for an answer
            Assert.Equal(["yes"], s["NoNewPrivileges"]);
            Assert.Equal(["yes"], s["PrivateTmp"]);
            Assert.Equal(["yes"], s["ProtectHome"]);
            Assert.Contains(s["Environment"], e => e.Contains($"CONDUIT_HOME={root.Combine("opt", "conduit")}"));
        }
        foreach (var (timer, every, service) in new[] { ("conduit-health.timer", "5min", "conduit-health.service"), ("conduit-watchdog.timer", "1min", "conduit-watchdog.service"), ("conduit-cap.timer", "1min", "conduit-cap.service") })
        {
            var t = ParseUnit(File.ReadAllText(Path.Combine(dir, timer)));
            Assert.Equal([every], t["Timer"]["OnUnitActiveSec"]);
            Assert.Equal([service], t["Timer"]["Unit"]);
            Assert.Equal(["timers.target"], t["Install"]["WantedBy"]);
        }
        Assert.Equal(["/usr/local/bin/conduit health --repair --quiet"], ParseUnit(File.ReadAllText(Path.Combine(dir, "conduit-health.service")))["Service"]["ExecStart"]);
        Assert.Equal(["/usr/local/bin/conduit watchdog"], ParseUnit(File.ReadAllText(Path.Combine(dir, "conduit-watchdog.service")))["Service"]["ExecStart"]);
        Assert.Equal(["/usr/local/bin/conduit cap check --quiet"], ParseUnit(File.ReadAllText(Path.Combine(dir, "conduit-cap.service")))["Service"]["ExecStart"]);

        // systemd's own verifier, offline against this root (it is installed here even though systemd is not PID 1).
        if (ProcessRunner.Exists("systemd-analyze"))
        {
            Directory.CreateDirectory(root.Combine("lib", "systemd"));
            Assert.True(ProcessRunner.Run("cp", "-a", "/lib/systemd/system", root.Combine("lib", "systemd", "system")).Ok);
            root.Write("usr/local/bin/conduit", "#!/bin/sh\n");
            File.SetUnixFileMode(root.Combine("usr", "local", "bin", "conduit"), AtomicFile.Executable);
            // With man pages checked: man finds conduit(1) where services install put it.
            var verify = ProcessRunner.Run("env", [$"MANPATH={root.Combine("usr", "local", "share", "man")}", "systemd-analyze",
                "verify", $"--root={root.Path}", .. units.Select(u => "/etc/systemd/system/" + u)], TimeSpan.FromSeconds(60));
            Assert.True(verify.ExitCode == 0 && verify.Stderr.Trim().Length == 0, verify.Stderr);
        }
    }

    [GeneratedRegex(@"^(\*|\*/[0-9]+|[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*)$")]
    private static partial Regex CronField();

    [Fact]
    public void Cron_fallback_has_the_five_jobs_and_remove_restores_what_was_there()
    {
        using var root = new TempRoot();
        var cron = root.Write("etc/cron.d/conduit", "# the old bash manager's jobs\n*/5 * * * * root /opt/conduit/health-check.sh\n");
        var r = ConduitProcess.RunIn(root, "services", "install", "--mode", "cron");
        Assert.True(r.ExitCode == 0, r.ToString());
        var jobs = new List<(string When, string User, string Command)>();
        foreach (var line in File.ReadAllLines(cron))
        {
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (Regex.IsMatch(line, "^[A-Z_]+=")) continue; // environment lines
            var f = line.Split(' ');
            if (f[0] == "@reboot") jobs.Add(("@reboot", f[1], string.Join(' ', f[2..])));
            else
            {
                Assert.True(f.Length > 6, line);
                Assert.All(f[..5], field => Assert.Matches(CronField(), field));
                jobs.Add((string.Join(' ', f[..5]), f[5], string.Join(' ', f[6..])));
            }
        }
        Assert.All(jobs, j => Assert.Equal("root", j.User));
        Assert.All(jobs, j => Assert.Contains("</dev/null", j.Command));
        Assert.Contains(jobs, j => j.When == "@reboot" && j.Command.Contains("/usr/local/bin/conduit start"));
        Assert.Contains(jobs, j => j.When == "@reboot" && j.Command.Contains("/usr/local/bin/conduit track --service"));
        Assert.Contains(jobs, j => j.When == "*/5 * * * *" && j.Command.StartsWith("/usr/local/bin/conduit health --repair"));
        Assert.Contains(jobs, j => j.When == "* * * * *" && j.Command.StartsWith("/usr/local/bin/conduit watchdog"));
        Assert.Contains(jobs, j => j.When == "* * * * *" && j.Command.StartsWith("/usr/local/bin/conduit cap check --quiet"));
        // At boot the cap's pass runs before the start.
        var bootLine = jobs.Single(j => j.When == "@reboot" && j.Command.Contains("conduit start")).Command;
        Assert.True(bootLine.IndexOf("conduit cap check", StringComparison.Ordinal) is > 0 and var at && at < bootLine.IndexOf("conduit start", StringComparison.Ordinal), bootLine);
        Assert.Equal(5, jobs.Count);
        // The boot line is valid shell
        var boot = jobs.Single(j => j.Command.Contains("conduit start")).Command;
        Assert.True(ProcessRunner.Run("sh", "-n", "-c", boot).Ok);

        var status = ConduitProcess.RunIn(root, "services", "status", "--mode", "cron");
        Assert.Equal(0, status.ExitCode);
        Assert.Contains("installed", status.Stdout);
        // installing again changes nothing
        r = ConduitProcess.RunIn(root, "services", "install", "--mode", "cron");
        Assert.Contains("up to date", r.Stdout);

        r = ConduitProcess.RunIn(root, "services", "remove");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("# the old bash manager's jobs\n*/5 * * * * root /opt/conduit/health-check.sh\n", File.ReadAllText(cron));
        Assert.False(File.Exists(root.Combine("opt", "conduit", "state", "services.json")));
        status = ConduitProcess.RunIn(root, "services", "status", "--mode", "systemd");
        Assert.Equal(1, status.ExitCode);
        Assert.Contains("missing", status.Stdout);
    }

    [Fact]
    public void Switching_to_systemd_drops_the_cron_file_and_remove_deletes_every_file()
    {
        using var root = new TempRoot();
        Assert.Equal(0, ConduitProcess.RunIn(root, "services", "install", "--mode", "cron").ExitCode);
        Assert.Equal(0, ConduitProcess.RunIn(root, "services", "install", "--mode", "systemd").ExitCode);
        Assert.False(File.Exists(root.Combine("etc", "cron.d", "conduit"))); // never both: jobs would run twice
        var r = ConduitProcess.RunIn(root, "services", "remove");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(9, r.Stdout.Split('\n').Count(l => l.EndsWith(": removed"))); // eight units and the manual
        Assert.Empty(Directory.GetFiles(root.Combine("etc", "systemd", "system")));
        Assert.False(File.Exists(root.Combine("usr", "local", "share", "man", "man1", "conduit.1")));
        Assert.Equal(2, ConduitProcess.RunIn(root, "services", "install", "--mode", "upstart").ExitCode);
    }
}
