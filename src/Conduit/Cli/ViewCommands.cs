using System.Globalization;
using System.Text.Json;
using Conduit.Cluster;
using Conduit.NodeStats;
using Conduit.Settings;
using Conduit.Ui;
using ConsoleAppFramework;

namespace Conduit.Cli;

/// <summary>`conduit dashboard|stats|peers|logs` and the body of `conduit status`: what the nodes are doing.</summary>
public sealed class ViewCommands
{
    /// <summary>Live status dashboard: clients, traffic, resources, data cap, top countries. Any key exits.</summary>
    /// <param name="interval">seconds between refreshes</param>
    [Command("dashboard")]
    public Task Dashboard([Integer] int interval = 5, CancellationToken ct = default)
    {
        var every = Interval(interval);
        return WithCollector((collector, _) => LiveScreen.RunAsync(collector.CollectAsync,
            (s, _) => Views.Dashboard(s, CountryNames(s), every), every, countdown: false, ct), ct);
    }

    /// <summary>Advanced stats: per-container CPU/RAM/clients/traffic, tracker totals, top countries. --live prints one line per update.</summary>
    /// <param name="live">stream one aggregated [CLUSTER] line per update instead of the screen</param>
    /// <param name="interval">seconds between refreshes</param>
    /// <param name="count">with --live: stop after this many lines (0: until Ctrl+C)</param>
    [Command("stats")]
    public Task Stats(bool live = false, [Integer] int interval = 15, [Integer] int count = 0, CancellationToken ct = default)
    {
        var every = Interval(interval);
        if (count < 0) throw new UsageException($"--count must be 0 or more, got {count}");
        if (!live)
            return WithCollector((collector, _) => LiveScreen.RunAsync(collector.CollectAsync, Views.Stats, every, countdown: true, ct), ct);
        return WithCollector(async (collector, _) =>
        {
            try
            {
                for (var n = 1; ; n++)
                {
                    Console.WriteLine(Views.LiveLine(await collector.CollectAsync(ct)));
                    if (n == count) break;
                    await Task.Delay(every, ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        }, ct);
    }

    /// <summary>Live peers by country: traffic from and to peers (tracker) with the nodes' client counts.</summary>
    /// <param name="interval">seconds between refreshes</param>
    [Command("peers")]
    public Task Peers([Integer] int interval = 5, CancellationToken ct = default)
    {
        var every = Interval(interval);
        return WithCollector((collector, _) => LiveScreen.RunAsync(collector.CollectAsync,
            (s, _) => Views.Peers(s, CountryNames(s)), every, countdown: false, ct), ct);
    }

    /// <summary>Show node logs: one container (N) or all; [STATS] lines are hidden unless --stats.</summary>
    /// <param name="container">-container, container number N, or "all" (default)</param>
    /// <param name="follow">-f, keep printing new lines</param>
    /// <param name="tail">lines from the end of each log, or "all"</param>
    /// <param name="grep">only lines containing this text</param>
    /// <param name="stats">also show [STATS] lines</param>
    [Command("logs")]
    public async Task Logs([Argument, Verbatim] string? container = null, bool follow = false, string tail = "100", string? grep = null, bool stats = false, CancellationToken ct = default)
    {
        if (tail != "all" && (!int.TryParse(tail, NumberStyles.None, CultureInfo.InvariantCulture, out var k) || k < 0))
            throw new UsageException($"--tail: '{tail}' is not a number of lines or 'all'");
        int? index = null;
        if (container is not null and not "all")
        {
            if (!int.TryParse(container, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1)
                throw new UsageException($"logs: '{container}' is not a container number (1, 2, ...) or 'all'");
            index = n;
        }
        var settings = ConduitSettings.Load(CliApp.Paths.SettingsFile);
        await DockerEngine.RunAsync(async engine =>
        {
            var cluster = await new ClusterOperations(engine, settings, CliApp.Paths).SnapshotAsync(ct);
            var chosen = cluster.Containers.Where(c => c.Id is not null && c.State != "foreign" && (index is null || c.Index == index)).ToList();
            if (chosen.Count == 0)
                throw new ConduitException(index is null ? "no node containers: `conduit start` creates them" : $"container {index} does not exist (see `conduit status`)");
            var prefix = chosen.Count > 1;
            var width = chosen.Max(c => c.Name.Length);
            var gate = new object();
            try
            {
                await Task.WhenAll(chosen.Select(async c =>
                {
                    await foreach (var line in NodeLogs.ReadAsync(engine, c.Id!, tail, follow, ct))
                    {
                        if (!stats && StatsLine.IsStatsLine(line.Text)) continue;
                        if (grep is not null && !line.Text.Contains(grep, StringComparison.Ordinal)) continue;
                        var text = prefix ? $"{c.Name.PadRight(width)} | {line.Text}" : line.Text;
                        lock (gate) (line.Stderr ? Console.Error : Console.Out).WriteLine(text);
                    }
                }));
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
            return 0;
        }, ct);
    }

    /// <summary>`conduit status`: the cluster's container status enriched with what every node reports.</summary>
    internal static async Task StatusAsync(bool json, CancellationToken ct)
    {
        await WithCollector(async (collector, source) =>
        {
            var snapshot = await collector.CollectAsync(ct);
            if (json) Terminal.WriteJson(w => WriteStatusJson(w, source.Last!, snapshot));
            else
            {
                Screen.Print(Views.Status(snapshot));
                foreach (var line in Personal.NodeOptionsStatus.Lines(ConduitSettings.Load(CliApp.Paths.SettingsFile), DateTimeOffset.UtcNow))
                    Console.WriteLine(line);
            }
        }, ct);
    }

    /// <summary>
    /// The cluster's status JSON (every field it has) with the node figures added: per container connected,
    /// connecting, announcing, bytes, CPU, memory; totals for the cluster; host, tracker and data cap.
    /// </summary>
    internal static void WriteStatusJson(Utf8JsonWriter w, ClusterSnapshot cluster, ClusterStatsSnapshot s)
    {
        using var baseDoc = JsonDocument.Parse(Terminal.JsonString(x => ClusterStatusView.WriteJson(x, cluster)));
        var root = baseDoc.RootElement;
        w.WriteStartObject();
        foreach (var p in root.EnumerateObject())
        {
            if (p.NameEquals("totals"))
            {
                w.WriteStartObject("totals");
                foreach (var t in p.Value.EnumerateObject()) if (!t.NameEquals("containers") && !t.NameEquals("running")) t.WriteTo(w);
                var x = s.Totals;
                w.WriteNumber("containers", x.Containers);
                w.WriteNumber("running", x.Running);
                w.WriteNumber("connected", x.Connected);
                w.WriteNumber("connecting", x.Connecting);
                w.WriteNumber("announcing", x.Announcing);
                w.WriteNumber("bytes_up", x.BytesUp);
                w.WriteNumber("bytes_down", x.BytesDown);
                w.WriteNumber("session_bytes_up", x.SessionBytesUp);
                w.WriteNumber("session_bytes_down", x.SessionBytesDown);
                w.WriteNumber("cpu_percent", Math.Round(x.CpuPercent, 2));
                w.WriteNumber("memory_bytes", x.MemoryBytes);
                w.WriteBoolean("all_nodes_reported", x.Complete);
                w.WriteEndObject();
            }
            else if (p.NameEquals("containers"))
            {
                w.WriteStartArray("containers");
                var i = 0;
                foreach (var c in p.Value.EnumerateArray()) WriteContainer(w, c, s.Containers[i++]);
                w.WriteEndArray();
            }
            else p.WriteTo(w);
        }
        if (s.Host is { } h)
        {
            w.WriteStartObject("host");
            w.WriteNumber("cpu_percent", Math.Round(h.CpuPercent, 2));
            w.WriteNumber("cores", h.Cores);
            w.WriteNumber("memory_used_bytes", h.MemUsedBytes);
            w.WriteNumber("memory_total_bytes", h.MemTotalBytes);
            if (h.Interface is null) w.WriteNull("interface"); else w.WriteString("interface", h.Interface);
            w.WriteNumber("rx_bytes_per_second", Math.Round(h.RxBytesPerSecond, 1));
            w.WriteNumber("tx_bytes_per_second", Math.Round(h.TxBytesPerSecond, 1));
            w.WriteEndObject();
        }
        w.WriteStartObject("tracker");
        w.WriteBoolean("running", s.Tracker.Running);
        w.WriteString("detail", s.Tracker.Detail);
        w.WriteNumber("unique_ips", s.Tracker.UniqueIps);
        w.WriteNumber("bytes_in", s.Tracker.BytesIn);
        w.WriteNumber("bytes_out", s.Tracker.BytesOut);
        w.WriteEndObject();
        w.WriteStartObject("data_cap");
        w.WriteBoolean("enabled", s.DataCap.Enabled);
        w.WriteNumber("cap_bytes", s.DataCap.CapBytes);
        w.WriteNumber("used_bytes", s.DataCap.UsedBytes);
        w.WriteBoolean("exceeded", s.DataCap.Exceeded);
        w.WriteNumber("percent", Math.Round(s.DataCap.Percent, 2));
        if (s.DataCap.Level is { } level) w.WriteString("nodes", level);
        if (s.DataCap.NextReset is { } next) w.WriteString("next_reset", next.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        if (s.DataCap.DaysToReset is { } days) w.WriteNumber("days_to_reset", days);
        w.WriteEndObject();
        w.WriteString("load_balancer", s.LoadBalancer);
        w.WriteEndObject();
    }

    static void WriteContainer(Utf8JsonWriter w, JsonElement cluster, ContainerStats c)
    {
        w.WriteStartObject();
        foreach (var p in cluster.EnumerateObject()) p.WriteTo(w);
        var r = c.Reading;
        w.WriteString("stats_source", r.Source switch
        {
            ReadingSource.Metrics => "metrics",
            ReadingSource.StatsLine => "log",
            ReadingSource.StatsFile => "stats_file",
            _ => "none",
        });
        w.WriteNumber("connected", r.Connected ?? 0);
        w.WriteNumber("connecting", r.Connecting ?? 0);
        if (r.Announcing is { } a) w.WriteNumber("announcing", a); else w.WriteNull("announcing");
        w.WriteNumber("bytes_up", c.BytesUpTotal);
        w.WriteNumber("bytes_down", c.BytesDownTotal);
        if (r.BytesUp is { } su) w.WriteNumber("session_bytes_up", su); else w.WriteNull("session_bytes_up");
        if (r.BytesDown is { } sd) w.WriteNumber("session_bytes_down", sd); else w.WriteNull("session_bytes_down");
        w.WriteBoolean("bytes_rounded", r.BytesRounded);
        if (r.UptimeSeconds is { } up) w.WriteNumber("node_uptime_seconds", Math.Round(up, 1)); else w.WriteNull("node_uptime_seconds");
        if (r.IsLive is { } live) w.WriteBoolean("is_live", live); else w.WriteNull("is_live");
        if (c.CpuPercent is { } cpu) w.WriteNumber("cpu_percent", Math.Round(cpu, 2)); else w.WriteNull("cpu_percent");
        if (c.MemoryBytes is { } mem) w.WriteNumber("memory_used_bytes", mem); else w.WriteNull("memory_used_bytes");
        w.WriteStartArray("regions");
        foreach (var g in r.Regions)
        {
            w.WriteStartObject();
            w.WriteString("scope", g.Scope);
            w.WriteString("region", g.Region);
            w.WriteNumber("connected", g.Connected);
            if (g.Connecting is { } cg) w.WriteNumber("connecting", cg); else w.WriteNull("connecting");
            if (g.BytesUp is { } bu) w.WriteNumber("bytes_up", bu); else w.WriteNull("bytes_up");
            if (g.BytesDown is { } bd) w.WriteNumber("bytes_down", bd); else w.WriteNull("bytes_down");
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (c.Problem is not null && cluster.TryGetProperty("problem", out var p0) && p0.ValueKind == JsonValueKind.Null)
            w.WriteString("stats_problem", c.Problem);
        w.WriteEndObject();
    }

    static Task WithCollector(Func<SnapshotCollector, DockerNodeSource, Task> work, CancellationToken ct) =>
        StatsSession.WithCollectorAsync(CliApp.Paths, work, ct, problem => Console.Error.WriteLine($"conduit: {problem}"));

    static Func<string, string> CountryNames(ClusterStatsSnapshot s) => StatsSession.CountryNames(s);

    static TimeSpan Interval(int seconds) => seconds is >= 1 and <= 3600
        ? TimeSpan.FromSeconds(seconds)
        : throw new UsageException($"--interval must be 1..3600 seconds, got {seconds}");
}
