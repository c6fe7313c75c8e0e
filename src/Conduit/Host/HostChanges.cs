using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Conduit.Platform;

namespace Conduit.Host;

/// <summary>A file the tool wrote on the host: what was there before (null = nothing) and what it wrote.</summary>
public sealed record FileChange(string Path, string? Previous, UnixFileMode PreviousMode, string WrittenHash);

/// <summary>A kernel value the tool changed: the value before and the value it set.</summary>
public sealed record ValueChange(string Key, string Previous, string Applied);

/// <summary>
/// The record of every change one capability (tune, nginx, services) made to the host, kept in
/// &lt;root&gt;/state/&lt;name&gt;.json so that revert/remove undo exactly those changes and nothing else.
/// The first "previous" wins: applying twice never forgets what the host had originally.
/// </summary>
public sealed class HostChanges
{
    readonly string _statePath;
    readonly List<FileChange> _files = [];
    readonly List<ValueChange> _values = [];

    HostChanges(string statePath) => _statePath = statePath;

    public IReadOnlyList<FileChange> Files => _files;
    public IReadOnlyList<ValueChange> Values => _values;
    public bool IsEmpty => _files.Count == 0 && _values.Count == 0;
    public string StatePath => _statePath;

    public static HostChanges Load(ConduitPaths paths, string name)
    {
        var changes = new HostChanges(Path.Combine(paths.StateDir, name + ".json"));
        if (!File.Exists(changes._statePath)) return changes;
        try
        {
            using var doc = JsonDocument.Parse(RegularFile.ReadAll(changes._statePath, 16 << 20, "a change record"));
            foreach (var f in doc.RootElement.GetProperty("files").EnumerateArray())
                changes._files.Add(new FileChange(
                    f.GetProperty("path").GetString()!,
                    f.GetProperty("previous").ValueKind == JsonValueKind.Null ? null : f.GetProperty("previous").GetString(),
                    (UnixFileMode)f.GetProperty("previous_mode").GetInt32(),
                    f.GetProperty("written_sha256").GetString()!));
            foreach (var v in doc.RootElement.GetProperty("values").EnumerateArray())
                changes._values.Add(new ValueChange(
                    v.GetProperty("key").GetString()!, v.GetProperty("previous").GetString()!, v.GetProperty("applied").GetString()!));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new ConduitException($"{changes._statePath}: unreadable change record ({e.GetType().Name}); fix it or move it aside (conduit then forgets what it changed, and cannot revert it)");
        }
        return changes;
    }

    /// <summary>The value recorded as "before" for a key, if the tool changed it.</summary>
    public string? PreviousValue(string key) => _values.Find(v => v.Key == key)?.Previous;

    public FileChange? FileRecord(string path) => _files.Find(f => f.Path == path);

    /// <summary>Writes a host file atomically and records what it replaced (unless already recorded).</summary>
    public void WriteFile(string path, string content, UnixFileMode mode = AtomicFile.Public)
    {
        var existing = FileRecord(path);
        string? previous = null;
        UnixFileMode previousMode = 0;
        if (existing is null && File.Exists(path))
        {
            previous = File.ReadAllText(path);
            previousMode = File.GetUnixFileMode(path);
        }
        AtomicFile.WriteAllText(path, content, mode);
        var record = existing is null
            ? new FileChange(path, previous, previousMode, Hash(content))
            : existing with { WrittenHash = Hash(content) };
        _files.Remove(existing!);
        _files.Add(record);
    }

    public void RecordValue(string key, string previous, string applied)
    {
        var existing = _values.Find(v => v.Key == key);
        if (existing is not null) _values.Remove(existing);
        _values.Add(new ValueChange(key, existing?.Previous ?? previous, applied));
    }

    public void ForgetValue(ValueChange change) => _values.Remove(change);

    /// <summary>True when the file on disk is still exactly what the tool wrote.</summary>
    public static bool Unchanged(FileChange change) =>
        File.Exists(change.Path) && Hash(File.ReadAllText(change.Path)) == change.WrittenHash;

    /// <summary>
    /// Puts a file back the way it was (or deletes it if the tool created it). A file someone edited since is
    /// left alone: returns a line saying what happened either way.
    /// </summary>
    public string RevertFile(FileChange change)
    {
        string outcome;
        if (!File.Exists(change.Path)) outcome = $"{change.Path}: already gone";
        else if (!Unchanged(change)) outcome = $"{change.Path}: edited since conduit wrote it; left alone";
        else if (change.Previous is null)
        {
            File.Delete(change.Path);
            outcome = $"{change.Path}: removed";
        }
        else
        {
            AtomicFile.WriteAllText(change.Path, change.Previous, change.PreviousMode == 0 ? AtomicFile.Public : change.PreviousMode);
            outcome = $"{change.Path}: restored";
        }
        _files.Remove(change);
        return outcome;
    }

    /// <summary>Saves the record atomically; an empty record removes the state file.</summary>
    public void Save()
    {
        if (IsEmpty)
        {
            if (File.Exists(_statePath)) File.Delete(_statePath);
            return;
        }
        var json = Terminal.JsonString(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("files");
            foreach (var f in _files)
            {
                w.WriteStartObject();
                w.WriteString("path", f.Path);
                if (f.Previous is null) w.WriteNull("previous");
                else w.WriteString("previous", f.Previous);
                w.WriteNumber("previous_mode", (int)f.PreviousMode);
                w.WriteString("written_sha256", f.WrittenHash);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("values");
            foreach (var v in _values)
            {
                w.WriteStartObject();
                w.WriteString("key", v.Key);
                w.WriteString("previous", v.Previous);
                w.WriteString("applied", v.Applied);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }, indented: true);
        AtomicFile.WriteAllText(_statePath, json + "\n", AtomicFile.Private);
    }

    public static string Hash(string content) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));
}
