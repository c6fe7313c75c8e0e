using Conduit.Host.Health;
using Conduit.Settings;
using ConsoleAppFramework;

namespace Conduit.Cli;

public sealed class WatchdogCommands
{
    /// <summary>Keep nginx running in bridge mode (run every minute by the watchdog timer / cron); alerts when it acts.</summary>
    /// <param name="quiet">print nothing when all is well</param>
    [Command("watchdog")]
    public void Watchdog(bool quiet = false)
    {
        var paths = CliApp.Paths;
        var row = NginxWatchdog.Run(paths, ConduitSettings.Load(paths.SettingsFile), new AlertLogNotifier(paths));
        if (!quiet || row.Level != HealthLevel.Ok) Console.WriteLine($"{row.Check}: {HealthCommands.Label(row.Level)} {row.Detail}");
        if (row.Level == HealthLevel.Fail) Environment.ExitCode = ExitCodes.Failure;
    }
}
