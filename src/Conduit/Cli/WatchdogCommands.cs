using Conduit.Host.Health;
using Conduit.Settings;
using ConsoleAppFramework;

namespace Conduit.Cli;

public sealed class WatchdogCommands
{
    /// <summary>Keep nginx running in bridge mode (run every minute by the watchdog timer / cron); alerts when it acts.</summary>
    /// <param name="quiet">print nothing when all is well</param>
    [Command("watchdog")]
    public async Task Watchdog(bool quiet = false, CancellationToken ct = default)
    {
        var paths = CliApp.Paths;
        var settings = ConduitSettings.Load(paths.SettingsFile);
        using var notifier = new Notify.AlertFanOut(paths, settings);
        var row = NginxWatchdog.Run(paths, settings, notifier);
        if (await notifier.FlushAsync(ct) is { } warning) Terminal.Warn(warning);
        if (!quiet || row.Level != HealthLevel.Ok) Console.WriteLine($"{row.Check}: {HealthCommands.Label(row.Level)} {row.Detail}");
        if (row.Level == HealthLevel.Fail) Environment.ExitCode = ExitCodes.Failure;
    }
}
