using System.Globalization;
using System.Text;
using Conduit.Platform;

namespace Conduit.Host.Tuning;

/// <summary>One line of a tuning report: a kernel key (or a limits entry) and what happened to it.</summary>
public sealed record TuneRow(string Key, string Wanted, string? Current, string? Target, TuneStatus Status, string Note);

public enum TuneStatus
{
    /// <summary>The live value already satisfies the want.</summary>
    Ok,
    /// <summary>Changed now (apply) or would change (check / dry run).</summary>
    Change,
    /// <summary>The host's value is better than the seed's: kept.</summary>
    Kept,
    /// <summary>The kernel lacks this key: skipped.</summary>
    Missing,
    /// <summary>The kernel refused the value.</summary>
    Failed,
}

/// <summary>
/// The host's kernel and file-descriptor tuning: live values through /proc/sys (under a configurable root so
/// tests can use a folder or a network namespace), persisted in /etc/sysctl.d and /etc/security/limits.d.
/// Every change is recorded in state/tune.json; revert restores exactly the recorded previous values.
/// </summary>
public sealed class KernelTuning
{
    public const string StateName = "tune";
    public const long SoftNofile = 262144;
    public const long HardNofile = 524288;

    readonly ConduitPaths _paths;
    readonly string _procSys;
    readonly IReadOnlyList<SysctlWant> _wants;

    public KernelTuning(ConduitPaths paths, string procSys, IReadOnlyList<SysctlWant> wants)
    {
        _paths = paths;
        _procSys = procSys;
        _wants = wants;
    }

    public string SysctlFile => Path.Combine(_paths.SysctlDir, "99-conduit-cluster.conf");
    public string LimitsFile => Path.Combine(_paths.LimitsDir, "99-conduit.conf");

    /// <summary>Wants filtered to the keys named (for tuning a network namespace's own keys only).</summary>
    public static IReadOnlyList<SysctlWant> Select(string? only)
    {
        if (string.IsNullOrWhiteSpace(only)) return SysctlWant.Seed;
        var keys = only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var selected = new List<SysctlWant>();
        foreach (var key in keys)
        {
            var want = SysctlWant.Seed.FirstOrDefault(w => w.Key == key)
                ?? throw new UsageException($"--only: '{key}' is not one of the tuned keys ({string.Join(", ", SysctlWant.Seed.Select(w => w.Key))})");
            selected.Add(want);
        }
        return selected;
    }

    string ProcPath(string key) => Path.Combine(_procSys, key.Replace('.', '/'));

    string? ReadLive(string key)
    {
        var path = ProcPath(key);
        return File.Exists(path) ? SysctlWant.Normalize(File.ReadAllText(path)) : null;
    }

    /// <summary>Applies the tuning (or, with <paramref name="dryRun"/>, only says what it would do).</summary>
    public List<TuneRow> Apply(bool dryRun, List<string> fileNotes)
    {
        var changes = HostChanges.Load(_paths, StateName);
        var rows = new List<TuneRow>();
        var persisted = new List<(string Key, string Value)>();
        foreach (var want in _wants)
        {
            var current = ReadLive(want.Key);
            if (current is null)
            {
                rows.Add(new TuneRow(want.Key, want.Value, null, null, TuneStatus.Missing, "kernel lacks this key (module not loaded?)"));
                continue;
            }
            // Decide from the host's own value (recorded before conduit's first change), so a second apply
            // reaches the same decision and writes the same file.
            var baseline = changes.PreviousValue(want.Key) ?? current;
            var fileTarget = want.Target(baseline, out _);
            var liveTarget = want.Target(current, out var liveWhy);
            if (fileTarget is not null) persisted.Add((want.Key, fileTarget));
            if (liveTarget is null)
            {
                rows.Add(new TuneRow(want.Key, want.Value, current, null, current == want.Value ? TuneStatus.Ok : TuneStatus.Kept, liveWhy));
                continue;
            }
            if (dryRun)
            {
                rows.Add(new TuneRow(want.Key, want.Value, current, liveTarget, TuneStatus.Change, liveWhy));
                continue;
            }
            try
            {
                File.WriteAllText(ProcPath(want.Key), liveTarget + "\n");
                var now = ReadLive(want.Key);
                if (now != liveTarget) throw new IOException($"kernel kept {now}");
                changes.RecordValue(want.Key, current, liveTarget);
                rows.Add(new TuneRow(want.Key, want.Value, current, liveTarget, TuneStatus.Change, liveWhy));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                persisted.RemoveAll(p => p.Key == want.Key);
                rows.Add(new TuneRow(want.Key, want.Value, current, liveTarget, TuneStatus.Failed, $"kernel refused {liveTarget}: {e.Message}"));
            }
        }

        // Tuning a subset (--only) keeps the boot-time lines of the other keys from an earlier full apply.
        if (_wants.Count < SysctlWant.Seed.Count)
        {
            var kept = ExistingSysctlLines().Where(l => _wants.All(w => w.Key != l.Key)).ToList();
            persisted.InsertRange(0, kept);
        }
        var sysctlText = SysctlFileText(persisted, rows);
        var limitsText = LimitsFileText(out var limitNotes);
        fileNotes.AddRange(limitNotes);
        foreach (var (path, text) in new[] { (SysctlFile, sysctlText), (LimitsFile, limitsText) })
        {
            bool same = File.Exists(path) && File.ReadAllText(path) == text;
            if (same) fileNotes.Add($"{path}: up to date");
            else if (dryRun) fileNotes.Add($"{path}: would be written");
            else
            {
                changes.WriteFile(path, text, AtomicFile.Public);
                fileNotes.Add($"{path}: written");
            }
        }
        if (!dryRun) changes.Save();
        return rows;
    }

    /// <summary>Current vs wanted for every key, and whether the files are in place (changes nothing).</summary>
    public List<TuneRow> Check(List<string> fileNotes)
    {
        var rows = Apply(dryRun: true, fileNotes);
        var changes = HostChanges.Load(_paths, StateName);
        foreach (var v in changes.Values)
            fileNotes.Add($"recorded: {v.Key} was {v.Previous}, set to {v.Applied}");
        foreach (var f in changes.Files)
            fileNotes.Add($"recorded: {f.Path} ({(f.Previous is null ? "created" : "replaced")}{(HostChanges.Unchanged(f) ? "" : ", edited or removed since")})");
        return rows;
    }

    /// <summary>Restores the recorded previous values and files; values someone changed since are left alone.</summary>
    public List<string> Revert(bool dryRun)
    {
        var changes = HostChanges.Load(_paths, StateName);
        var lines = new List<string>();
        var selected = new HashSet<string>(_wants.Select(w => w.Key));
        foreach (var v in changes.Values.ToList())
        {
            if (!selected.Contains(v.Key)) continue;
            var now = ReadLive(v.Key);
            if (now is null) lines.Add($"{v.Key}: kernel no longer has it; forgotten");
            else if (now != v.Applied) lines.Add($"{v.Key}: now {now}, changed since conduit set {v.Applied}; left alone");
            else if (dryRun)
            {
                lines.Add($"{v.Key}: would restore {v.Previous}");
                continue;
            }
            else
            {
                try
                {
                    File.WriteAllText(ProcPath(v.Key), v.Previous + "\n");
                    lines.Add($"{v.Key}: {now} -> {v.Previous} (restored)");
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    lines.Add($"{v.Key}: could not restore {v.Previous}: {e.Message}");
                    continue;
                }
            }
            if (!dryRun) changes.ForgetValue(v);
        }
        // Files go back only when the whole tuning is reverted (a partial --only revert keeps them).
        if (selected.Count == SysctlWant.Seed.Count)
            foreach (var f in changes.Files.ToList())
                lines.Add(dryRun ? $"{f.Path}: would be {(f.Previous is null ? "removed" : "restored")}" : changes.RevertFile(f));
        if (!dryRun) changes.Save();
        if (lines.Count == 0) lines.Add("nothing recorded: no tuning to revert");
        return lines;
    }

    List<(string Key, string Value)> ExistingSysctlLines()
    {
        var lines = new List<(string, string)>();
        if (!File.Exists(SysctlFile)) return lines;
        foreach (var raw in File.ReadLines(SysctlFile))
        {
            var eq = raw.IndexOf('=');
            if (raw.StartsWith('#') || eq < 0) continue;
            lines.Add((raw[..eq].Trim(), raw[(eq + 1)..].Trim()));
        }
        return lines;
    }

    string SysctlFileText(List<(string Key, string Value)> persisted, List<TuneRow> rows)
    {
        var sb = new StringBuilder();
        sb.Append("# Written by `conduit tune apply`; `conduit tune revert` removes it.\n");
        sb.Append("# Only values that raise the host's own are listed: higher host values are kept.\n");
        foreach (var row in rows)
            if (row.Status is TuneStatus.Missing or TuneStatus.Failed || persisted.All(p => p.Key != row.Key))
                sb.Append("# ").Append(row.Key).Append(": ").Append(row.Status is TuneStatus.Missing or TuneStatus.Failed ? "skipped: " : "").Append(row.Note).Append('\n');
        foreach (var (key, value) in persisted)
            sb.Append(key).Append(" = ").Append(value).Append('\n');
        return sb.ToString();
    }

    /// <summary>
    /// nofile limits for every user and root (the * wildcard does not cover root). pam_limits lets the last file
    /// win, so a higher value set in another file is repeated here rather than lowered.
    /// </summary>
    string LimitsFileText(out List<string> notes)
    {
        notes = [];
        var existing = ExistingNofile();
        var sb = new StringBuilder("# Written by `conduit tune apply`; `conduit tune revert` removes it.\n");
        foreach (var domain in new[] { "*", "root" })
            foreach (var (type, wanted) in new[] { ("soft", SoftNofile), ("hard", HardNofile) })
            {
                long value = wanted;
                if (existing.TryGetValue((domain, type), out var have) && have > wanted)
                {
                    value = have;
                    notes.Add($"limits: {domain} {type} nofile is {(have == long.MaxValue ? "unlimited" : have)} elsewhere: kept");
                }
                sb.Append(CultureInfo.InvariantCulture, $"{domain,-5} {type} nofile {(value == long.MaxValue ? "unlimited" : value.ToString(CultureInfo.InvariantCulture))}\n");
            }
        return sb.ToString();
    }

    Dictionary<(string, string), long> ExistingNofile()
    {
        var found = new Dictionary<(string, string), long>();
        var files = new List<string> { Path.Combine(Path.GetDirectoryName(_paths.LimitsDir)!, "limits.conf") };
        if (Directory.Exists(_paths.LimitsDir))
            files.AddRange(Directory.GetFiles(_paths.LimitsDir, "*.conf").Where(f => f != LimitsFile).Order(StringComparer.Ordinal));
        foreach (var file in files)
        {
            if (!File.Exists(file)) continue;
            foreach (var raw in File.ReadLines(file))
            {
                var line = raw.Split('#')[0];
                var f = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                if (f.Length != 4 || f[2] != "nofile" || f[0] is not ("*" or "root")) continue;
                long v = f[3] is "unlimited" or "infinity" ? long.MaxValue
                    : long.TryParse(f[3], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;
                if (v < 0) continue;
                foreach (var type in f[1] == "-" ? new[] { "soft", "hard" } : [f[1]])
                    found[(f[0], type)] = v; // later files override earlier ones, like pam_limits
            }
        }
        return found;
    }
}
