using Conduit.Host.Tuning;

namespace Conduit.Cli;

/// <summary>Kernel and file-descriptor tuning for many nodes on one host.</summary>
public sealed class TuneCommands
{
    /// <summary>Apply the cluster's sysctl values and nofile limits (never lowers a better host value; records what it changed).</summary>
    /// <param name="dryRun">say what would change, change nothing</param>
    /// <param name="only">comma-separated keys to tune (e.g. the per-network-namespace ones)</param>
    /// <param name="procSys">where the live kernel values are (default /proc/sys)</param>
    /// <param name="json">print JSON</param>
    public void Apply(bool dryRun = false, string? only = null, string procSys = "/proc/sys", bool json = false)
    {
        var tuning = Create(only, procSys);
        var notes = new List<string>();
        var rows = tuning.Apply(dryRun, notes);
        Print(rows, notes, json, dryRun ? "would" : "done");
        if (rows.Any(r => r.Status == TuneStatus.Failed)) Environment.ExitCode = ExitCodes.Failure;
    }

    /// <summary>Show current vs wanted kernel values and which tuning files conduit wrote (changes nothing).</summary>
    /// <param name="only">comma-separated keys to check</param>
    /// <param name="procSys">where the live kernel values are (default /proc/sys)</param>
    /// <param name="json">print JSON</param>
    public void Check(string? only = null, string procSys = "/proc/sys", bool json = false)
    {
        var notes = new List<string>();
        var rows = Create(only, procSys).Check(notes);
        Print(rows, notes, json, "would");
    }

    /// <summary>Restore the values and files recorded by `tune apply` (values changed since are left alone).</summary>
    /// <param name="dryRun">say what would be restored, change nothing</param>
    /// <param name="only">comma-separated keys to restore</param>
    /// <param name="procSys">where the live kernel values are (default /proc/sys)</param>
    public void Revert(bool dryRun = false, string? only = null, string procSys = "/proc/sys")
    {
        foreach (var line in Create(only, procSys).Revert(dryRun)) Console.WriteLine(line);
    }

    static KernelTuning Create(string? only, string procSys)
    {
        if (!Directory.Exists(procSys)) throw new UsageException($"--proc-sys: {procSys} is not a folder");
        return new KernelTuning(CliApp.Paths, procSys, KernelTuning.Select(only));
    }

    static string Action(TuneRow row, string mood) => row.Status switch
    {
        TuneStatus.Ok => "ok",
        TuneStatus.Change => mood == "done" ? $"set {row.Target}" : $"would set {row.Target}",
        TuneStatus.Kept => "kept (host is better)",
        TuneStatus.Missing => "skipped (kernel lacks it)",
        _ => "FAILED",
    };

    static void Print(List<TuneRow> rows, List<string> notes, bool json, string mood)
    {
        if (json)
        {
            Terminal.WriteJson(w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("keys");
                foreach (var r in rows)
                {
                    w.WriteStartObject();
                    w.WriteString("key", r.Key);
                    w.WriteString("wanted", r.Wanted);
                    if (r.Current is null) w.WriteNull("current"); else w.WriteString("current", r.Current);
                    if (r.Target is null) w.WriteNull("target"); else w.WriteString("target", r.Target);
                    w.WriteString("status", r.Status.ToString().ToLowerInvariant());
                    w.WriteString("note", r.Note);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteStartArray("notes");
                foreach (var n in notes) w.WriteStringValue(n);
                w.WriteEndArray();
                w.WriteEndObject();
            });
            return;
        }
        PlainTable.Print(Console.Out, ["KEY", "CURRENT", "WANTED", mood == "done" ? "ACTION" : "STATUS", "NOTE"],
            rows.Select(r => new[] { r.Key, r.Current ?? "-", r.Wanted, Action(r, mood), r.Note }));
        foreach (var n in notes) Console.WriteLine(n);
    }
}
