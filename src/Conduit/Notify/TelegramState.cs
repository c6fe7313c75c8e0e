using System.Globalization;
using System.Text;
using Conduit.Platform;

namespace Conduit.Notify;

/// <summary>
/// A small key=value file under state/ (the bot's update offset, last report, last error; the alert memory).
/// Written atomically; a missing or unreadable file reads as empty.
/// </summary>
public sealed class StateFile
{
    readonly string _path;
    readonly SortedDictionary<string, string> _values = new(StringComparer.Ordinal);

    StateFile(string path) => _path = path;

    public static StateFile Load(ConduitPaths paths, string name)
    {
        var file = new StateFile(Path.Combine(paths.StateDir, name));
        try
        {
            if (File.Exists(file._path))
                foreach (var line in File.ReadAllLines(file._path))
                    if (line.IndexOf('=') is var eq and > 0) file._values[line[..eq]] = line[(eq + 1)..];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return file;
    }

    public string? this[string key]
    {
        get => _values.GetValueOrDefault(key);
        set
        {
            if (value is null) _values.Remove(key);
            else _values[key] = value.ReplaceLineEndings(" ");
        }
    }

    public IEnumerable<string> Keys => _values.Keys;

    public long? Long(string key) => long.TryParse(this[key], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : null;

    public DateTimeOffset? Time(string key) => Long(key) is { } s ? DateTimeOffset.FromUnixTimeSeconds(s) : null;

    public void SetTime(string key, DateTimeOffset at) => this[key] = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    public void Save()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        var sb = new StringBuilder();
        foreach (var (k, v) in _values) sb.Append(k).Append('=').Append(v).Append('\n');
        AtomicFile.WriteAllText(_path, sb.ToString());
    }
}

/// <summary>What `conduit telegram status` shows and the bot records: offset, last report, last error.</summary>
public static class TelegramStatus
{
    public const string FileName = "telegram.state";

    public static void RecordReport(ConduitPaths paths, DateTimeOffset at) => Update(paths, s => s.SetTime("last_report", at));

    /// <param name="error">already free of secrets (TelegramApiException messages are)</param>
    public static void RecordError(ConduitPaths paths, DateTimeOffset at, string error) => Update(paths, s =>
    {
        s.SetTime("last_error_at", at);
        s["last_error"] = error;
    });

    static void Update(ConduitPaths paths, Action<StateFile> change)
    {
        try
        {
            var s = StateFile.Load(paths, FileName);
            change(s);
            s.Save();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
