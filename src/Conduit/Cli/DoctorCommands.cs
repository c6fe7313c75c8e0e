using Conduit.Cluster;
using Conduit.Doctor;
using Conduit.Settings;
using ConsoleAppFramework;

namespace Conduit.Cli;

public sealed class DoctorCommands
{
    /// <summary>Why is a node idle? Per node: live, announcing, idle time, key age, networking, public IPs, limits, each with a verdict and advice.</summary>
    /// <param name="container">node number N (default: all nodes)</param>
    /// <param name="json">print JSON</param>
    [Command("doctor")]
    public async Task Doctor([Argument, Integer] int? container = null, bool json = false, CancellationToken ct = default)
    {
        var paths = CliApp.Paths;
        var settings = ConduitSettings.Load(paths.SettingsFile);
        var reports = await DockerEngine.RunAsync(engine => DoctorOperations.RunAsync(engine, settings, paths, container, ct), ct);
        if (json)
        {
            Terminal.WriteJson(w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("nodes");
                foreach (var r in reports)
                {
                    w.WriteStartObject();
                    w.WriteNumber("index", r.Facts.Index);
                    w.WriteString("name", r.Facts.Name);
                    w.WriteString("state", r.Facts.State);
                    w.WriteStartArray("findings");
                    foreach (var f in r.Findings)
                    {
                        w.WriteStartObject();
                        w.WriteString("check", f.Check);
                        w.WriteString("verdict", f.Verdict.ToString().ToLowerInvariant());
                        w.WriteString("fact", f.Fact);
                        if (f.Advice is null) w.WriteNull("advice"); else w.WriteString("advice", f.Advice);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            });
            return;
        }
        if (reports.Count == 0) Console.WriteLine("no nodes (CONTAINER_COUNT is 0)");
        foreach (var r in reports)
        {
            Console.WriteLine($"Node {r.Facts.Index} ({r.Facts.Name}): {r.Facts.State}");
            foreach (var f in r.Findings)
            {
                Console.WriteLine($"  {Label(f.Verdict),-4} {f.Check,-13} {f.Fact}");
                if (f.Advice is not null) Console.WriteLine($"       {"",-13} -> {f.Advice}");
            }
            Console.WriteLine();
        }
    }

    static string Label(Verdict v) => v switch
    {
        Verdict.Ok => "OK",
        Verdict.Info => "INFO",
        Verdict.Warn => "WARN",
        _ => "FAIL",
    };
}
