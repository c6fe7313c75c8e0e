using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Conduit.Cluster;

/// <summary>Renders a <see cref="ClusterSnapshot"/> as a table or JSON. Never talks to Docker.</summary>
public static class ClusterStatusView
{
    public static void WriteJson(Utf8JsonWriter w, ClusterSnapshot s)
    {
        w.WriteStartObject();
        w.WriteString("instance", s.Instance);
        w.WriteString("taken_at", s.TakenAt);
        w.WriteString("network_mode", s.NetworkMode);
        w.WriteString("image", s.Image);
        w.WriteStartObject("totals");
        w.WriteNumber("configured", s.Configured);
        w.WriteNumber("containers", s.Containers.Count(c => c.State is not ("missing" or "foreign")));
        w.WriteNumber("running", s.Running);
        w.WriteNumber("healthy", s.Healthy);
        w.WriteNumber("restarts", s.Containers.Sum(c => c.Restarts));
        w.WriteEndObject();
        w.WriteStartArray("containers");
        foreach (var c in s.Containers) WriteContainer(w, c);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static void WriteContainer(Utf8JsonWriter w, ContainerStatus c)
    {
        w.WriteStartObject();
        WriteContainerFields(w, c);
        w.WriteEndObject();
    }

    /// <summary>The container's fields without the enclosing object, so richer views can add their own next to them.</summary>
    public static void WriteContainerFields(Utf8JsonWriter w, ContainerStatus c)
    {
        w.WriteNumber("index", c.Index);
        w.WriteString("name", c.Name);
        WriteStringOrNull(w, "id", c.Id);
        w.WriteString("state", c.State);
        w.WriteString("health", c.Health);
        if (c.StartedAt is { } started) w.WriteString("started_at", started); else w.WriteNull("started_at");
        if (c.Uptime is { } up) w.WriteNumber("uptime_seconds", (long)up.TotalSeconds); else w.WriteNull("uptime_seconds");
        w.WriteNumber("restarts", c.Restarts);
        WriteStringOrNull(w, "image", c.Image);
        WriteStringOrNull(w, "image_id", c.ImageId);
        w.WriteStartObject("limits");
        if (c.Cpus is { } cpus) w.WriteNumber("cpus", Math.Round(cpus, 3)); else w.WriteNull("cpus");
        if (c.MemoryBytes is { } mem) w.WriteNumber("memory_bytes", mem); else w.WriteNull("memory_bytes");
        if (c.Nofile is { } nofile) w.WriteNumber("nofile", nofile); else w.WriteNull("nofile");
        w.WriteEndObject();
        w.WriteStartArray("ports");
        foreach (var p in c.Ports)
        {
            w.WriteStartObject();
            w.WriteString("host_ip", p.HostIp);
            w.WriteNumber("host_port", p.HostPort);
            w.WriteNumber("container_port", p.ContainerPort);
            w.WriteString("protocol", p.Protocol);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        WriteStringOrNull(w, "metrics_address", c.MetricsAddress);
        w.WriteString("network_mode", c.NetworkMode);
        w.WriteBoolean("spec_current", c.SpecCurrent);
        WriteStringOrNull(w, "problem", c.Problem);
    }

    static void WriteStringOrNull(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null) w.WriteNull(name); else w.WriteString(name, value);
    }

    public static string RenderTable(ClusterSnapshot s)
    {
        var sb = new StringBuilder();
        var mode = s.NetworkMode == "bridge" ? "bridge networking (nginx in front)" : "host networking";
        sb.Append(CultureInfo.InvariantCulture,
            $"{s.Instance}: {s.Running}/{s.Configured} running, {s.Healthy} healthy, {s.Containers.Sum(c => c.Restarts)} restarts  ({mode}, image {s.Image})\n");
        if (s.Containers.Count == 0)
        {
            sb.Append("no containers: `conduit scale N` creates N nodes\n");
            return sb.ToString();
        }
        string[] header = ["NAME", "STATE", "HEALTH", "UPTIME", "RESTARTS", "CPUS", "MEMORY", "NOFILE", "IMAGE", "PORTS / METRICS"];
        var rows = new List<string[]> { header };
        foreach (var c in s.Containers)
            rows.Add([
                c.Name + (c.SpecCurrent || c.State is "missing" or "foreign" ? "" : "*"),
                c.State, c.Health, c.Uptime is { } u ? Duration(u) : "-",
                c.Restarts.ToString(CultureInfo.InvariantCulture),
                c.Cpus is { } cpu ? cpu.ToString("0.###", CultureInfo.InvariantCulture) : "-",
                c.MemoryBytes is { } m ? Memory(m) : "-",
                c.Nofile?.ToString(CultureInfo.InvariantCulture) ?? "-",
                c.Image ?? "-",
                Endpoints(c),
            ]);
        var widths = new int[header.Length];
        foreach (var r in rows)
            for (var i = 0; i < r.Length; i++) widths[i] = Math.Max(widths[i], r[i].Length);
        foreach (var r in rows)
        {
            for (var i = 0; i < r.Length; i++)
            {
                sb.Append(r[i]);
                if (i < r.Length - 1) sb.Append(' ', widths[i] - r[i].Length + 2);
            }
            sb.Append('\n');
        }
        if (s.Containers.Any(c => !c.SpecCurrent && c.State is not ("missing" or "foreign")))
            sb.Append("* settings changed since this container was created: `conduit start` recreates it\n");
        foreach (var problem in s.Problems) sb.Append("problem: ").Append(problem).Append('\n');
        return sb.ToString();
    }

    static string Endpoints(ContainerStatus c)
    {
        var parts = new List<string>();
        foreach (var p in c.Ports)
            if (c.MetricsAddress is null || $"{p.HostIp}:{p.HostPort}" != c.MetricsAddress)
                parts.Add($"{p.HostIp}:{p.HostPort}/{p.Protocol}");
        if (c.MetricsAddress is not null) parts.Add($"metrics {c.MetricsAddress}");
        return parts.Count == 0 ? "-" : string.Join(' ', parts.Distinct());
    }

    /// <summary>1h2m, 3d4h, 42s: the two largest units.</summary>
    public static string Duration(TimeSpan t)
    {
        if (t < TimeSpan.Zero) t = TimeSpan.Zero;
        if (t.TotalDays >= 1) return $"{(int)t.TotalDays}d{t.Hours}h";
        if (t.TotalHours >= 1) return $"{t.Hours}h{t.Minutes}m";
        if (t.TotalMinutes >= 1) return $"{t.Minutes}m{t.Seconds}s";
        return $"{t.Seconds}s";
    }

    static string Memory(long bytes) =>
        bytes % (1L << 30) == 0 ? $"{bytes >> 30}g" : bytes % (1L << 20) == 0 ? $"{bytes >> 20}m" : $"{bytes}b";
}
