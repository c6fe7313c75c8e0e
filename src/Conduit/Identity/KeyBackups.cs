using System.Globalization;
using System.Text.RegularExpressions;
using Conduit.Platform;

namespace Conduit.Identity;

public enum BackupKind
{
    /// <summary>Made by `conduit backup` (or the old tool's backup: container name "conduit").</summary>
    Backup,
    /// <summary>The key a container had before a restore replaced it.</summary>
    PreRestore,
}

/// <summary>One file in the backups folder. <see cref="Key"/> is null when the file is not a valid key.</summary>
public sealed record KeyBackup(string Path, string Container, BackupKind Kind, DateTime TakenUtc, NodeKey? Key, string? Problem)
{
    public string FileName => System.IO.Path.GetFileName(Path);
}

/// <summary>
/// The backups folder: <c>&lt;container&gt;_key_&lt;UTC YYYYMMDD_HHMMSS&gt;.json</c> and
/// <c>&lt;container&gt;_key_pre_restore_&lt;ts&gt;.json</c>, files 0600 in a 0700 folder; <c>_&lt;ts&gt;-2.json</c>,
/// <c>-3</c>... when that name holds another key already (two restores in one second, a clock set back). The old
/// tool's <c>conduit_key_&lt;ts&gt;.json</c> is the same pattern for its container "conduit".
/// </summary>
public static partial class KeyBackups
{
    public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    const string TimestampFormat = "yyyyMMdd_HHmmss";

    public static string FileName(string container, BackupKind kind, DateTime utc, int copy = 1) =>
        $"{container}_key_{(kind == BackupKind.PreRestore ? "pre_restore_" : "")}{utc.ToString(TimestampFormat, CultureInfo.InvariantCulture)}" +
        $"{(copy > 1 ? "-" + copy.ToString(CultureInfo.InvariantCulture) : "")}.json";

    /// <summary>More same-second copies than any real use makes; beyond it something is looping.</summary>
    const int MaxCopies = 1000;

    /// <summary>
    /// Writes a key file's exact bytes to a new backup file, then reads it back to prove it is intact and private.
    /// A same-second backup with the same bytes is reused; a name holding other content gets the next free
    /// suffix, so an existing backup is never overwritten and the command never fails on the clock.
    /// </summary>
    public static KeyBackup Write(string folder, string container, BackupKind kind, byte[] content, DateTime utc)
    {
        EnsureFolder(folder);
        string path;
        for (var copy = 1; ; copy++)
        {
            if (copy > MaxCopies) throw new ConduitException($"{folder}: {MaxCopies} backups of {container} named for {utc:yyyy-MM-dd HH:mm:ss} UTC already; not writing more");
            path = Path.Combine(folder, FileName(container, kind, utc, copy));
            if (File.Exists(path))
            {
                if (ReadBackup(path).AsSpan().SequenceEqual(content)) break;
                continue;
            }
            // Create-only: a concurrent conduit taking the same name makes this one move to the next suffix.
            if (AtomicFile.TryCreateNew(path, content, AtomicFile.Private)) break;
        }
        var mode = File.GetUnixFileMode(path);
        if (mode != AtomicFile.Private)
            throw new ConduitException($"{path}: mode is {Octal(mode)} after writing, expected 0600");
        if (!ReadBackup(path).AsSpan().SequenceEqual(content))
            throw new ConduitException($"{path}: backup did not verify (content differs after writing)");
        NodeKey? key = null;
        string? problem = null;
        try
        {
            key = NodeKey.Load(path);
        }
        catch (ConduitException e)
        {
            problem = e.Message;
        }
        return new KeyBackup(path, container, kind, utc, key, problem);
    }

    /// <summary>Creates the folder as 0700, or tightens an existing one to 0700: it holds private keys.</summary>
    public static void EnsureFolder(string folder)
    {
        Directory.CreateDirectory(folder, FolderMode);
        if (File.GetUnixFileMode(folder) != FolderMode) File.SetUnixFileMode(folder, FolderMode);
        var mode = File.GetUnixFileMode(folder);
        if (mode != FolderMode) throw new ConduitException($"{folder}: mode is {Octal(mode)}, expected 0700");
    }

    /// <summary>A backup's bytes; a name that is not a regular file of key size (a planted link to /dev/zero, a FIFO) is refused.</summary>
    static byte[] ReadBackup(string path) => RegularFile.ReadAll(path, 64 * 1024, "a key backup");

    /// <summary>Every backup-named file in <paramref name="folder"/>, newest first; other files are ignored.</summary>
    public static IReadOnlyList<KeyBackup> List(string folder)
    {
        if (!Directory.Exists(folder)) return [];
        var found = new List<KeyBackup>();
        foreach (var path in Directory.EnumerateFiles(folder, "*.json"))
        {
            if (!TryParseName(Path.GetFileName(path), out var container, out var kind, out var utc)) continue;
            NodeKey? key = null;
            string? problem = null;
            try
            {
                key = NodeKey.Load(path);
            }
            catch (ConduitException e)
            {
                problem = e.Message;
            }
            found.Add(new KeyBackup(path, container, kind, utc, key, problem));
        }
        found.Sort((a, b) => b.TakenUtc != a.TakenUtc ? b.TakenUtc.CompareTo(a.TakenUtc) : string.CompareOrdinal(a.FileName, b.FileName));
        return found;
    }

    /// <summary>Splits a backup file name; pre-restore copies are told apart from backups.</summary>
    public static bool TryParseName(string fileName, out string container, out BackupKind kind, out DateTime utc)
    {
        container = "";
        kind = BackupKind.Backup;
        utc = default;
        var m = BackupName().Match(fileName);
        if (!m.Success) return false;
        if (!DateTime.TryParseExact(m.Groups["ts"].Value, TimestampFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out utc))
            return false;
        container = m.Groups["container"].Value;
        kind = m.Groups["pre"].Success ? BackupKind.PreRestore : BackupKind.Backup;
        return true;
    }

    static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode, 8);

    [GeneratedRegex(@"^(?<container>[A-Za-z0-9][A-Za-z0-9_.-]*?)_key_(?<pre>pre_restore_)?(?<ts>[0-9]{8}_[0-9]{6})(?:-[0-9]{1,4})?\.json$")]
    private static partial Regex BackupName();
}
