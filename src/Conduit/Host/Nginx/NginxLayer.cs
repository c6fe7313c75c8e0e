using System.Globalization;
using Conduit.Platform;
using Conduit.Settings;

namespace Conduit.Host.Nginx;

/// <summary>
/// Installs and removes the bridge-mode balancer without damaging the host's nginx: our config lives in
/// stream.d/conduit.conf; nginx.conf only gets the stream include and worker sizing (never lowered), after a
/// backup; a config nginx rejects is rolled back before anything reloads. Every change is in state/nginx.json.
/// </summary>
public sealed class NginxLayer
{
    public const string StateName = "nginx";
    const string Marker = "# added by conduit";
    readonly ConduitPaths _paths;

    public NginxLayer(ConduitPaths paths, ConduitSettings settings)
    {
        _paths = paths;
        Settings = settings;
        Host = new NginxHost(paths, settings);
        Balancer = NginxBalancer.From(settings);
    }

    public NginxHost Host { get; }
    public NginxBalancer Balancer { get; }
    public ConduitSettings Settings { get; }

    /// <summary>
    /// Writes the balancer config, validates it with `nginx -t`, then reloads (or starts) nginx. When nginx
    /// rejects it, the previous files are put back, nginx keeps serving the old config, and nginx's error is
    /// thrown. Returns what was done, one line each.
    /// </summary>
    public List<string> Apply(bool reload)
    {
        var done = new List<string>();
        if (!File.Exists(Host.ConfPath))
            throw new ConduitException($"{Host.ConfPath} not found: install nginx (apt-get install nginx libnginx-mod-stream)");
        if (Host.StreamModuleProblem() is { } problem) throw new ConduitException(problem);

        var changes = HostChanges.Load(_paths, StateName);
        var streamText = Balancer.StreamConfig();
        var oldStream = File.Exists(Host.StreamFile) ? File.ReadAllText(Host.StreamFile) : null;
        var oldConf = File.ReadAllText(Host.ConfPath);
        var edits = new List<ValueChange>();
        var newConf = EnsureConf(oldConf, edits);

        bool confChanged = newConf != oldConf, streamChanged = streamText != oldStream;
        if (confChanged)
        {
            if (changes.PreviousValue("nginx.conf backup") is null)
            {
                var backup = Path.Combine(_paths.BackupsDir, $"nginx.conf.{DateTime.UtcNow.ToString("yyyyMMdd_HHmmss", CultureInfo.InvariantCulture)}");
                AtomicFile.WriteAllText(backup, oldConf, AtomicFile.Private);
                changes.RecordValue("nginx.conf backup", "", backup);
                done.Add($"backed up {Host.ConfPath} to {backup}");
            }
            var mode = File.GetUnixFileMode(Host.ConfPath);
            AtomicFile.WriteAllText(Host.ConfPath, newConf, mode);
            foreach (var e in edits)
            {
                changes.RecordValue(e.Key, e.Previous, e.Applied);
                done.Add($"{Host.ConfPath}: {(e.Previous.Length == 0 ? "added" : "changed")} {Describe(e.Applied)}");
            }
        }
        if (streamChanged)
        {
            changes.WriteFile(Host.StreamFile, streamText, AtomicFile.Public);
            done.Add($"wrote {Host.StreamFile} ({Balancer.Containers} backend(s))");
        }

        var test = Host.Test();
        if (!test.Ok)
        {
            // Put back exactly what was there; nothing was reloaded, so nginx still serves the old config.
            if (confChanged) AtomicFile.WriteAllText(Host.ConfPath, oldConf, File.GetUnixFileMode(Host.ConfPath));
            if (streamChanged)
            {
                if (oldStream is null) File.Delete(Host.StreamFile);
                else AtomicFile.WriteAllText(Host.StreamFile, oldStream, AtomicFile.Public);
            }
            throw new ConduitException($"nginx rejected the new configuration; previous files restored and nginx keeps the old one: {NginxHost.Error(test)}");
        }
        changes.Save();
        if (!confChanged && !streamChanged) done.Add("configuration already up to date");
        if (!reload) return done;

        if (Host.RunningPid() is int pid)
        {
            if (confChanged || streamChanged)
            {
                var r = Host.Reload();
                if (!r.Ok) throw new ConduitException($"nginx reload failed: {NginxHost.Error(r)}");
                done.Add($"reloaded nginx (pid {pid})");
            }
        }
        else
        {
            var r = Host.Start();
            if (!r.Ok) throw new ConduitException($"nginx did not start: {NginxHost.Error(r)}");
            done.Add($"started nginx (pid {Host.RunningPid()})");
        }
        return done;
    }

    /// <summary>Undoes exactly what apply did: the stream file, the nginx.conf edits; then reloads nginx.</summary>
    public List<string> Remove(bool reload)
    {
        var changes = HostChanges.Load(_paths, StateName);
        var done = new List<string>();
        foreach (var f in changes.Files.ToList()) done.Add(changes.RevertFile(f));
        var edits = changes.Values.Where(v => v.Key.StartsWith("nginx.conf ", StringComparison.Ordinal) && v.Key != "nginx.conf backup").Reverse().ToList();
        if (edits.Count > 0 && File.Exists(Host.ConfPath))
        {
            var text = File.ReadAllText(Host.ConfPath);
            foreach (var e in edits)
            {
                var at = text.IndexOf(e.Applied, StringComparison.Ordinal);
                if (at < 0) done.Add($"{Host.ConfPath}: '{Describe(e.Applied)}' no longer there; left alone");
                else
                {
                    text = string.Concat(text.AsSpan(0, at), e.Previous, text.AsSpan(at + e.Applied.Length));
                    done.Add($"{Host.ConfPath}: {(e.Previous.Length == 0 ? "removed" : "restored")} {(e.Previous.Length == 0 ? Describe(e.Applied) : e.Previous)}");
                }
                changes.ForgetValue(e);
            }
            AtomicFile.WriteAllText(Host.ConfPath, text, File.GetUnixFileMode(Host.ConfPath));
        }
        foreach (var v in changes.Values.ToList()) changes.ForgetValue(v); // the backup stays in backups/
        changes.Save();
        if (done.Count == 0) done.Add("nothing recorded: no balancer to remove");
        else if (reload && Host.RunningPid() is not null)
        {
            var test = Host.Test();
            if (!test.Ok) throw new ConduitException($"files restored, but nginx -t now fails (not reloaded): {NginxHost.Error(test)}");
            var r = Host.Reload();
            if (!r.Ok) throw new ConduitException($"nginx reload failed: {NginxHost.Error(r)}");
            done.Add("reloaded nginx");
        }
        return done;
    }

    /// <summary>
    /// nginx.conf with the stream include and large enough worker limits. Each change is one inserted or
    /// replaced piece of text, recorded so remove can take out exactly that text.
    /// </summary>
    public string EnsureConf(string text, List<ValueChange> edits)
    {
        var d = NginxConfText.Parse(text);
        if (!d.Any(x => x.Name == "include" && x.Parent == "stream" && x.Args.Count == 1 && IsOurInclude(x.Args[0])))
        {
            var stream = d.FirstOrDefault(x => x.Name == "stream" && x.IsBlock && x.Parent == "");
            if (stream is not null)
                text = Insert(text, stream.BodyStart, $"\n    include {Host.StreamDir}/*.conf; {Marker}", "nginx.conf include", edits);
            else
            {
                var block = $"{Marker}: the bridge-mode balancer (`conduit nginx remove` takes it out)\nstream {{\n    include {Host.StreamDir}/*.conf;\n}}\n";
                if (!text.EndsWith('\n')) block = "\n" + block;
                text = Insert(text, text.Length, block, "nginx.conf stream", edits);
            }
            d = NginxConfText.Parse(text);
        }

        var wc = d.FirstOrDefault(x => x.Name == "worker_connections" && x.Parent == "events" && x.Args.Count == 1);
        var events = d.FirstOrDefault(x => x.Name == "events" && x.IsBlock && x.Parent == "");
        int wanted = Balancer.WorkerConnections;
        if (wc is not null) text = Raise(text, wc, wanted, "nginx.conf worker_connections", edits);
        else if (events is not null)
            text = Insert(text, events.BodyStart, $"\n    worker_connections {wanted}; {Marker}", "nginx.conf worker_connections", edits);
        else
            text = Insert(text, text.Length, $"{(text.EndsWith('\n') ? "" : "\n")}events {{ {Marker}\n    worker_connections {wanted};\n}}\n", "nginx.conf events", edits);
        d = NginxConfText.Parse(text);

        var rl = d.FirstOrDefault(x => x.Name == "worker_rlimit_nofile" && x.Parent == "" && x.Args.Count == 1);
        wanted = Balancer.WorkerRlimitNofile;
        if (rl is not null) text = Raise(text, rl, wanted, "nginx.conf worker_rlimit_nofile", edits);
        else
        {
            events = d.FirstOrDefault(x => x.Name == "events" && x.IsBlock && x.Parent == "");
            int at = events is null ? 0 : NginxConfText.LineStart(text, events.Start);
            text = Insert(text, at, $"worker_rlimit_nofile {wanted}; {Marker}\n", "nginx.conf worker_rlimit_nofile", edits);
        }
        return text;
    }

    /// <summary>An inserted piece of config as one line for messages, without comments.</summary>
    static string Describe(string piece) =>
        string.Join(' ', piece.Split('\n').Select(l => l.Split('#')[0].Trim()).Where(l => l.Length > 0));

    bool IsOurInclude(string arg)
    {
        var full = arg.StartsWith('/') ? arg : Path.Combine(Host.ConfDir, arg);
        return full == Path.Combine(Host.StreamDir, "*.conf") || full == Host.StreamFile;
    }

    static string Insert(string text, int at, string piece, string key, List<ValueChange> edits)
    {
        edits.Add(new ValueChange(key, "", piece));
        return text.Insert(at, piece);
    }

    /// <summary>Raises a numeric directive; a higher (or unparsable) existing value is left alone.</summary>
    static string Raise(string text, NginxDirective d, int wanted, string key, List<ValueChange> edits)
    {
        if (!int.TryParse(d.Args[0], NumberStyles.None, CultureInfo.InvariantCulture, out var have) || have >= wanted) return text;
        var old = text[d.Start..d.End];
        var piece = $"{d.Name} {wanted};";
        edits.Add(new ValueChange(key, old, piece));
        return string.Concat(text.AsSpan(0, d.Start), piece, text.AsSpan(d.End));
    }
}
