using Conduit.Host.Services;

namespace Conduit.Cli;

/// <summary>Boot start, tracker service and the health/watchdog schedule (systemd units, or cron without systemd).</summary>
public sealed class ServicesCommands
{
    /// <summary>Install conduit.service, conduit-tracker.service and the health (5 min) / watchdog (1 min) timers; /etc/cron.d/conduit when systemd is not running.</summary>
    /// <param name="mode">auto (systemd when it runs, else cron), systemd or cron</param>
    public void Install(string mode = "auto")
    {
        var chosen = Parse(mode);
        if (mode == "auto" && chosen == ServiceMode.Cron)
            Console.WriteLine("systemd is not running on this host: using /etc/cron.d/conduit");
        foreach (var line in new ServicesInstaller(CliApp.Paths).Install(chosen, CliApp.ManPage())) Console.WriteLine(line);
    }

    /// <summary>Disable and delete what `services install` wrote (the running cluster is left alone).</summary>
    public void Remove()
    {
        foreach (var line in new ServicesInstaller(CliApp.Paths).Remove()) Console.WriteLine(line);
    }

    /// <summary>Which unit/timer/cron files are installed, current, enabled and active. Exit 1 when one is missing.</summary>
    /// <param name="mode">auto, systemd or cron: which set of files to check</param>
    /// <param name="json">print JSON</param>
    public void Status(string mode = "auto", bool json = false)
    {
        var chosen = Parse(mode);
        var installer = new ServicesInstaller(CliApp.Paths);
        var states = installer.Status(chosen, CliApp.ManPage());
        bool cron = ServicesInstaller.CronDaemonRunning();
        if (json)
        {
            Terminal.WriteJson(w =>
            {
                w.WriteStartObject();
                w.WriteString("mode", chosen.ToString().ToLowerInvariant());
                w.WriteBoolean("systemd_running", ServiceManager.SystemdRunning);
                w.WriteBoolean("cron_running", cron);
                w.WriteStartArray("files");
                foreach (var s in states)
                {
                    w.WriteStartObject();
                    w.WriteString("path", s.Path);
                    w.WriteBoolean("present", s.Present);
                    w.WriteBoolean("current", s.Current);
                    if (s.Enabled is null) w.WriteNull("enabled"); else w.WriteString("enabled", s.Enabled);
                    if (s.Active is null) w.WriteNull("active"); else w.WriteString("active", s.Active);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            });
        }
        else
        {
            Console.WriteLine($"mode: {chosen.ToString().ToLowerInvariant()} (systemd {(ServiceManager.SystemdRunning ? "running" : "not running")}, cron daemon {(cron ? "running" : "not running")})");
            PlainTable.Print(Console.Out, ["FILE", "STATE", "ENABLED", "ACTIVE"], states.Select(s => new[]
            {
                s.Path,
                !s.Present ? "missing" : s.Current ? "installed" : "differs (run `conduit services install`)",
                s.Enabled ?? "-",
                s.Active ?? "-",
            }));
            foreach (var other in installer.RecordedFiles().Except(states.Select(s => s.Path)))
                Console.WriteLine($"also installed by conduit: {other}");
        }
        if (states.Any(s => !s.Present)) Environment.ExitCode = ExitCodes.Failure;
    }

    static ServiceMode Parse(string mode) => mode switch
    {
        "auto" => ServicesInstaller.AutoMode,
        "systemd" => ServiceMode.Systemd,
        "cron" => ServiceMode.Cron,
        _ => throw new UsageException($"--mode must be auto, systemd or cron, got '{mode}'"),
    };
}
