using System.Text.Json;
using Conduit.Platform;

namespace Conduit.NodeStats;

/// <summary>
/// Turns each node's "bytes since the process started" into bytes since we first saw the node, so that a node
/// restart (counters back to 0) never makes cluster totals go backwards. A reset is detected when the uptime or a
/// byte counter goes down; the last figure before the reset is folded into the node's offset. Persisted in
/// <c>&lt;root&gt;/state/node-counters.json</c> (written atomically) so it survives our own restarts too.
/// </summary>
internal sealed class CounterBaselines
{
    public const string FileName = "node-counters.json";

    /// <summary>Per node: counters at the last reading, and what earlier node processes had moved.</summary>
    internal sealed record Entry(long LastUp, long LastDown, double LastUptime, long OffsetUp, long OffsetDown)
    {
        public long TotalUp => OffsetUp + LastUp;
        public long TotalDown => OffsetDown + LastDown;
    }

    readonly Dictionary<string, Entry> _nodes = new(StringComparer.Ordinal);
    readonly string? _path;

    public CounterBaselines(string? path = null) => _path = path;

    public IReadOnlyDictionary<string, Entry> Nodes => _nodes;

    public static CounterBaselines Load(string stateDir)
    {
        var path = Path.Combine(stateDir, FileName);
        var baselines = new CounterBaselines(path);
        if (!File.Exists(path)) return baselines;
        try
        {
            baselines.Read(File.ReadAllBytes(path));
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
        {
            // A damaged state file must not stop the views: start over from the nodes' own counters, with the bad
            // file kept aside (never silently zeroed: the totals it held can be read back from the copy).
            baselines._nodes.Clear();
            var aside = $"{path}.corrupt-{DateTime.UtcNow:yyyyMMddTHHmmssfffZ}";
            try
            {
                File.Move(path, aside);
                baselines.Problem = $"{path} was unreadable ({e.GetType().Name}); kept as {aside}, node totals count from now";
            }
            catch (Exception io) when (io is IOException or UnauthorizedAccessException)
            {
                baselines.Problem = $"{path} is unreadable ({e.GetType().Name}) and could not be moved aside ({io.Message}); node totals count from now";
            }
        }
        return baselines;
    }

    /// <summary>Set when the saved baselines could not be read: what happened to them, for the front end to say.</summary>
    public string? Problem { get; private set; }

    /// <summary>Records a reading and returns the node's cumulative (up, down) bytes.</summary>
    public (long Up, long Down) Observe(string node, long bytesUp, long bytesDown, double? uptimeSeconds)
    {
        var uptime = uptimeSeconds ?? -1;
        if (!_nodes.TryGetValue(node, out var e))
        {
            _nodes[node] = e = new Entry(bytesUp, bytesDown, uptime, 0, 0);
            return (e.TotalUp, e.TotalDown);
        }
        var restarted = bytesUp < e.LastUp || bytesDown < e.LastDown || (uptime >= 0 && e.LastUptime >= 0 && uptime < e.LastUptime);
        e = restarted
            ? new Entry(bytesUp, bytesDown, uptime, e.OffsetUp + e.LastUp, e.OffsetDown + e.LastDown)
            : e with { LastUp = bytesUp, LastDown = bytesDown, LastUptime = uptime };
        _nodes[node] = e;
        return (e.TotalUp, e.TotalDown);
    }

    /// <summary>Cumulative bytes known for a node we cannot read now (stopped): its last totals.</summary>
    public (long Up, long Down)? Known(string node) =>
        _nodes.TryGetValue(node, out var e) ? (e.TotalUp, e.TotalDown) : null;

    public void Save()
    {
        if (_path is null) return;
        AtomicFile.WriteAllBytes(_path, Serialize(), AtomicFile.Public);
    }

    internal byte[] Serialize()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("version", 1);
            w.WriteStartObject("nodes");
            foreach (var (name, e) in _nodes)
            {
                w.WriteStartObject(name);
                w.WriteNumber("last_up", e.LastUp);
                w.WriteNumber("last_down", e.LastDown);
                w.WriteNumber("last_uptime", e.LastUptime);
                w.WriteNumber("offset_up", e.OffsetUp);
                w.WriteNumber("offset_down", e.OffsetDown);
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    internal void Read(ReadOnlySpan<byte> json)
    {
        using var doc = JsonDocument.Parse(json.ToArray());
        if (!doc.RootElement.TryGetProperty("nodes", out var nodes) || nodes.ValueKind != JsonValueKind.Object)
            throw new FormatException("no nodes object");
        foreach (var node in nodes.EnumerateObject())
        {
            var v = node.Value;
            _nodes[node.Name] = new Entry(
                v.GetProperty("last_up").GetInt64(), v.GetProperty("last_down").GetInt64(),
                v.GetProperty("last_uptime").GetDouble(),
                v.GetProperty("offset_up").GetInt64(), v.GetProperty("offset_down").GetInt64());
        }
    }
}
