using System.Collections.Immutable;
using System.Globalization;

namespace Conduit.Platform;

/// <summary>
/// One change to an installation at a time: `scale`, `restart`, `restore`, `health --repair`, `update`,
/// `install`, `migrate` and a bot's confirmed command hold this lock while they change nodes, keys or settings, so
/// two of them never interleave their reads and writes. It is an flock(2) on state/operations.lock (the kernel drops
/// it when the holder dies, even by kill -9); who holds it is written beside it, so a waiting command can say which
/// command and PID it waits for. Re-entrant along one call chain (install's scale, restore's start share the hold),
/// but two independent flows in one process (two bot commands) exclude each other like two processes do.
/// </summary>
public sealed class OperationLock : IDisposable
{
    public static readonly TimeSpan DefaultWait = TimeSpan.FromMinutes(2);

    /// <summary>Where "waiting for ..." goes: the front end sets it (the CLI prints it on stderr).</summary>
    public static Action<string> Notice { get; set; } = _ => { };

    /// <summary>The locks this call chain holds (flows into awaited and parallel callees, not back out).</summary>
    static readonly AsyncLocal<ImmutableHashSet<string>?> HeldHere = new();

    readonly string _path;
    readonly FileStream? _stream; // null for a nested hold
    readonly ImmutableHashSet<string>? _before;
    bool _released;

    OperationLock(string path, FileStream? stream, ImmutableHashSet<string>? before)
    {
        _path = path;
        _stream = stream;
        _before = before;
    }

    public static string LockFile(ConduitPaths paths) => Path.Combine(paths.StateDir, "operations.lock");
    static string HolderFile(string lockFile) => lockFile + ".holder";

    /// <summary>Takes the lock for <paramref name="what"/> (e.g. "scale 4"), waiting up to <paramref name="wait"/>
    /// (default 2 minutes) for another holder; after that refuses, naming the holder.</summary>
    public static OperationLock Acquire(ConduitPaths paths, string what, CancellationToken ct, TimeSpan? wait = null)
    {
        var path = LockFile(paths);
        var held = HeldHere.Value;
        if (held?.Contains(path) == true) return new OperationLock(path, null, held);
        Directory.CreateDirectory(paths.StateDir);
        var deadline = DateTime.UtcNow + (wait ?? DefaultWait);
        var told = false;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (TryTake(path) is { } stream)
            {
                var holder = $"{Environment.ProcessId}\t{DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture)}\t{SafeText.Escape(what)}\n";
                AtomicFile.WriteAllText(HolderFile(path), holder, AtomicFile.Public);
                HeldHere.Value = (held ?? ImmutableHashSet.Create<string>(StringComparer.Ordinal)).Add(path);
                return new OperationLock(path, stream, held);
            }
            var who = DescribeHolder(path);
            if (DateTime.UtcNow >= deadline)
                throw new ConduitException($"another conduit command is changing this installation: {who}; try again when it has finished ({path})");
            if (!told)
            {
                Notice($"waiting for another conduit command to finish: {who}");
                told = true;
            }
            // A lock held for seconds to minutes: polling it ten times a second costs nothing and needs no helper.
            ct.WaitHandle.WaitOne(100);
        }
    }

    /// <summary>Non-blocking flock(LOCK_EX): .NET takes it for FileShare.None and fails with an IOException
    /// (EWOULDBLOCK) while another process holds it.</summary>
    static FileStream? TryTake(string path)
    {
        try
        {
            return new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate,
                Access = FileAccess.ReadWrite,
                Share = FileShare.None,
                UnixCreateMode = AtomicFile.Public,
            });
        }
        catch (IOException) when (File.Exists(path))
        {
            return null;
        }
        catch (UnauthorizedAccessException e)
        {
            throw new ConduitException($"cannot take the operations lock {path}: {e.Message}");
        }
    }

    /// <summary>"scale 4 (pid 1234, since 20:01:02 UTC)", or what can be said when the holder's note is missing
    /// (written a moment after the lock is taken).</summary>
    public static string DescribeHolder(string lockFile)
    {
        try
        {
            var parts = File.ReadAllText(HolderFile(lockFile)).TrimEnd('\n').Split('\t', 3);
            if (parts.Length == 3 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && DateTime.TryParse(parts[1], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var since)
                && Directory.Exists($"/proc/{pid}")) // a note left by a holder that was killed is not the holder
                return $"`conduit {parts[2]}` (pid {pid}, since {since.ToUniversalTime():HH:mm:ss} UTC)";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return "a process that holds it";
    }

    public void Dispose()
    {
        if (_released) return;
        _released = true;
        if (_stream is null) return;
        HeldHere.Value = _before;
        // The note goes first: a reader that still finds it also finds the lock taken.
        try { File.Delete(HolderFile(_path)); } catch (IOException) { }
        _stream.Dispose();
    }
}
