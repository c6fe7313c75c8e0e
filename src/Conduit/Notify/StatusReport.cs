using System.Globalization;
using System.Text;
using Conduit.Cluster;
using Conduit.NodeStats;
using Conduit.Platform;
using Conduit.Settings;

namespace Conduit.Notify;

/// <summary>
/// The status report the bot sends (scheduled, /status, `conduit telegram report`): the same snapshot
/// `conduit status --json` prints, read through the same collector, rendered as Telegram HTML.
/// </summary>
internal static class StatusReport
{
    /// <summary>One reading of the cluster and its nodes, as `conduit status` takes it.</summary>
    public static async Task<ClusterStatsSnapshot> CollectAsync(DockerEngine engine, ConduitSettings settings, ConduitPaths paths, CancellationToken ct)
    {
        using var http = NodeScraper.CreateClient(TimeSpan.FromSeconds(2));
        var source = new DockerNodeSource(engine, new ClusterOperations(engine, settings, paths));
        var collector = new SnapshotCollector(source, settings, CounterBaselines.Load(paths.StateDir),
            new HostResources(), http, settings["TRACK_STATUS_ADDR"], () => DateTimeOffset.UtcNow);
        return await collector.CollectAsync(ct);
    }

    public static string Render(ClusterStatsSnapshot s)
    {
        var inv = CultureInfo.InvariantCulture;
        var t = s.Totals;
        var sb = new StringBuilder();
        sb.Append("<b>Status</b> ").Append(Html.Escape(s.At.ToLocalTime().ToString("yyyy-MM-dd HH:mm zzz", inv))).Append('\n');
        var icon = t.Containers == 0 ? "⚪" : t.Running == s.Containers.Count ? "🟢" : t.Running == 0 ? "🔴" : "🟡";
        sb.Append(icon).Append(" Containers: ").Append(Html.Bold(string.Create(inv, $"{t.Running}/{s.Containers.Count}"))).Append(" running\n");
        sb.Append("👥 Clients: ").Append(Html.Bold(t.Connected.ToString(inv))).Append(" connected, ")
          .Append(Html.Escape(t.Connecting.ToString(inv))).Append(" connecting\n");
        sb.Append("📊 Traffic: ↑ ").Append(Html.Escape(Units.Bytes(t.BytesUp))).Append(" ↓ ").Append(Html.Escape(Units.Bytes(t.BytesDown))).Append('\n');
        if (s.LongestUptime is { } up) sb.Append("⏱ Uptime: ").Append(Html.Escape(Duration(up))).Append('\n');
        sb.Append("🖥 Nodes: CPU ").Append(Html.Escape(string.Create(inv, $"{t.CpuPercent:0.0}%"))).Append(", RAM ").Append(Html.Escape(Units.Binary(t.MemoryBytes))).Append('\n');
        if (s.Host is { } h)
            sb.Append("🖥 Host: CPU ").Append(Html.Escape(string.Create(inv, $"{h.CpuPercent:0}%"))).Append(", RAM ")
              .Append(Html.Escape(string.Create(inv, $"{h.MemPercent:0}%"))).Append('\n');
        if (s.DataCap.Enabled)
            sb.Append("📦 Data cap: ").Append(Html.Escape($"{Units.Binary(s.DataCap.UsedBytes)} of {Units.Binary(s.DataCap.CapBytes)}"))
              .Append(Html.Escape(string.Create(inv, $" ({s.DataCap.Percent:0}%)"))).Append(s.DataCap.Exceeded ? " — <b>exceeded</b>" : "").Append('\n');
        sb.Append("🛰 Tracker: ").Append(Html.Escape(s.Tracker.Running ? "running" : s.Tracker.Detail)).Append('\n');
        var countries = s.ClientsByCountry(code => code);
        if (countries.Count > 0)
        {
            sb.Append("🌍 Top: ");
            sb.Append(string.Join(", ", countries.Take(5).Select(c => Html.Escape(string.Create(inv, $"{c.Code} {c.Connected}")))));
            sb.Append('\n');
        }
        foreach (var c in s.Containers.Where(c => c.Problem is not null))
            sb.Append("⚠ ").Append(Html.Escape($"{c.Name}: {c.Problem}")).Append('\n');
        return sb.ToString().TrimEnd('\n');
    }

    /// <summary>/containers: one line per container.</summary>
    public static string Containers(ClusterStatsSnapshot s)
    {
        var inv = CultureInfo.InvariantCulture;
        if (s.Containers.Count == 0) return "No containers (CONTAINER_COUNT=0).";
        var sb = new StringBuilder("<b>Containers</b>\n");
        foreach (var c in s.Containers)
        {
            var icon = c.Running ? "🟢" : "🔴";
            sb.Append(icon).Append(' ').Append(Html.Escape(c.Index.ToString(inv))).Append(". ").Append(Html.Code(c.Name)).Append(' ').Append(Html.Escape(c.State));
            if (c.Running)
            {
                sb.Append(Html.Escape(string.Create(inv, $", {c.Reading.Connected ?? 0} clients")));
                if (c.StartedAt is { } st) sb.Append(", up ").Append(Html.Escape(Duration(s.At - st)));
            }
            if (c.Restarts > 0) sb.Append(Html.Escape(string.Create(inv, $", {c.Restarts} restarts")));
            sb.Append('\n');
        }
        return sb.ToString().TrimEnd('\n');
    }

    public static string Duration(TimeSpan u) => u < TimeSpan.Zero ? "0m"
        : u.TotalDays >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)u.TotalDays}d {u.Hours}h")
        : u.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)u.TotalHours}h {u.Minutes}m")
        : string.Create(CultureInfo.InvariantCulture, $"{(int)u.TotalMinutes}m");
}
