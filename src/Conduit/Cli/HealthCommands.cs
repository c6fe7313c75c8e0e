using Conduit.Host.Health;
using Conduit.Settings;
using ConsoleAppFramework;

namespace Conduit.Cli;

public sealed class HealthCommands
{
    /// <summary>Check Docker, every container, nginx (bridge mode), the tracker and the host; exit 1 on FAIL.</summary>
    /// <param name="json">print JSON</param>
    /// <param name="repair">restart what is down (Docker, nginx, stopped or hung containers) and report it</param>
    /// <param name="quiet">print only the checks that are not OK</param>
    [Command("health")]
    public async Task Health(bool json = false, bool repair = false, bool quiet = false, CancellationToken ct = default)
    {
        var paths = CliApp.Paths;
        var settings = ConduitSettings.Load(paths.SettingsFile);
        using var notifier = new Notify.AlertFanOut(paths, settings);
        var rows = await new HealthRunner(paths, settings, notifier).RunAsync(repair, ct);
        if (await notifier.FlushAsync(ct) is { } warning) Terminal.Warn(warning);
        bool failed = rows.Exists(r => r.Level == HealthLevel.Fail);
        if (json)
        {
            Terminal.WriteJson(w =>
            {
                w.WriteStartObject();
                w.WriteString("status", failed ? "fail" : rows.Exists(r => r.Level == HealthLevel.Warn) ? "warn" : "ok");
                w.WriteStartArray("checks");
                foreach (var r in rows)
                {
                    w.WriteStartObject();
                    w.WriteString("check", r.Check);
                    w.WriteString("status", r.Level.ToString().ToLowerInvariant());
                    w.WriteString("detail", r.Detail);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            });
        }
        else
        {
            var shown = quiet ? rows.FindAll(r => r.Level != HealthLevel.Ok) : rows;
            if (shown.Count > 0)
                PlainTable.Print(Console.Out, ["CHECK", "STATUS", "DETAIL"], shown.Select(r => new[] { r.Check, Label(r.Level), r.Detail }));
        }
        if (failed) Environment.ExitCode = ExitCodes.Failure;
    }

    internal static string Label(HealthLevel level) => level switch
    {
        HealthLevel.Ok => "OK",
        HealthLevel.Warn => "WARN",
        HealthLevel.Fixed => "FIXED",
        _ => "FAIL",
    };
}
