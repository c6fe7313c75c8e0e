using System.Text.Json;
using Conduit.Platform;

namespace Conduit.Lifecycle;

/// <summary>
/// state/install.json: which install steps completed and what the install put outside the install root (the
/// binary). Every step is idempotent, so an interrupted install is completed by running it again.
/// </summary>
public sealed class InstallState
{
    readonly string _path;
    readonly List<string> _steps = [];

    InstallState(string path) => _path = path;

    public IReadOnlyList<string> Steps => _steps;
    public bool Complete { get; private set; }
    public string? Binary { get; set; }
    /// <summary>Folders the first install created (uninstall removes them again when they are empty).</summary>
    public List<string> CreatedDirs { get; } = [];

    const int MaxBytes = 1 << 20;

    public static string PathFor(ConduitPaths paths) => Path.Combine(paths.StateDir, "install.json");

    public static InstallState Load(ConduitPaths paths)
    {
        var state = new InstallState(PathFor(paths));
        if (!File.Exists(state._path)) return state;
        try
        {
            using var doc = JsonDocument.Parse(RegularFile.ReadAll(state._path, MaxBytes, "the install record"));
            var root = doc.RootElement;
            if (root.TryGetProperty("steps", out var steps) && steps.ValueKind == JsonValueKind.Array)
                foreach (var s in steps.EnumerateArray())
                    if (s.GetString() is { } name) state._steps.Add(name);
            state.Complete = root.TryGetProperty("complete", out var c) && c.ValueKind == JsonValueKind.True;
            if (root.TryGetProperty("created_dirs", out var dirs) && dirs.ValueKind == JsonValueKind.Array)
                foreach (var d in dirs.EnumerateArray())
                    if (d.GetString() is { } dir) state.CreatedDirs.Add(dir);
            state.Binary = root.TryGetProperty("binary", out var b) && b.ValueKind == JsonValueKind.String ? b.GetString() : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Wrong shapes ("steps": [1], an array at the top) throw InvalidOperationException from the readers.
            var why = e is JsonException ? "not valid JSON" : "not an install record";
            throw new ConduitException($"{state._path}: {why} ({SafeText.Excerpt(e.Message, 80)}); move it aside and run `conduit install` again");
        }
        return state;
    }

    /// <summary>Starts a run: earlier steps stay recorded, the run is complete only once every step passed again.</summary>
    public void Begin()
    {
        Complete = false;
        Save();
    }

    /// <summary>Notes every missing level of <paramref name="dir"/> (deepest first) before install creates it.</summary>
    public void NoteMissing(string dir)
    {
        for (var d = Path.GetFullPath(dir); !Directory.Exists(d); d = Path.GetDirectoryName(d) ?? "/")
            if (!CreatedDirs.Contains(d)) CreatedDirs.Add(d);
    }

    public void Done(string step)
    {
        if (!_steps.Contains(step)) _steps.Add(step);
        Save();
    }

    public void Finish()
    {
        Complete = true;
        Save();
    }

    void Save() => AtomicFile.WriteAllText(_path, Terminal.JsonString(w =>
    {
        w.WriteStartObject();
        w.WriteBoolean("complete", Complete);
        w.WriteStartArray("steps");
        foreach (var s in _steps) w.WriteStringValue(s);
        w.WriteEndArray();
        w.WriteStartArray("created_dirs");
        foreach (var d in CreatedDirs) w.WriteStringValue(d);
        w.WriteEndArray();
        if (Binary is null) w.WriteNull("binary"); else w.WriteString("binary", Binary);
        w.WriteEndObject();
    }, indented: true) + "\n");
}
