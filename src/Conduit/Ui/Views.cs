using System.Globalization;
using Conduit.Platform;
using Conduit.NodeStats;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Conduit.Ui;

/// <summary>
/// The cluster screens, each a pure function of a <see cref="ClusterStatsSnapshot"/>: no I/O here, so each can be
/// rendered to text from a fixed snapshot in tests. Figures that are not exact counts are marked as such.
/// </summary>
internal static class Views
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>`conduit status`: one screen with totals, resources, modes and the per-container table.</summary>
    public static IRenderable Status(ClusterStatsSnapshot s) => new Rows(
        new Markup($"[bold]Conduit cluster[/]  {Time(s.At)}"),
        Facts(
            ("Status", StatusText(s)),
            ("Containers", ContainersText(s)),
            ("Clients", ClientsText(s)),
            ("Traffic", TrafficText(s)),
            ("App", AppText(s)),
            ("System", SystemText(s)),
            ("Networking", NetworkingText(s)),
            ("Limits", LimitsText(s)),
            ("Tracker", TrackerText(s.Tracker)),
            ("Data cap", DataCapText(s.DataCap))),
        ContainerTable(s, withResources: true));

    /// <summary>`conduit dashboard`: the live screen users know, with the two TOP 5 country charts.</summary>
    public static IRenderable Dashboard(ClusterStatsSnapshot s, Func<string, string> countryName, TimeSpan interval)
    {
        var clients = s.ClientsByCountry(countryName);
        var clientTitle = s.RegionsPartial ? "ACTIVE CLIENTS (top 3 per node)" : "ACTIVE CLIENTS by country";
        var clientChart = new BarChart().Width(38).UseValueFormatter(v => ((long)v).ToString(Inv));
        var shown = 0;
        foreach (var c in clients)
        {
            if (c.Connected <= 0 || shown == 5) continue;
            clientChart.AddItem(Label(c.Code, c.Name), c.Connected, Color.Green);
            shown++;
        }
        IRenderable left = shown > 0 ? Titled(clientTitle, clientChart) : Titled(clientTitle, new Text("no connected clients"));

        IRenderable right;
        const string uploadTitle = "TOP 5 UPLOAD by country";
        if (!s.Tracker.Running) right = Titled(uploadTitle, new Text(s.Tracker.Detail));
        else
        {
            var upload = new BarChart().Width(38).UseValueFormatter(v => Units.Bytes(v));
            var n = 0;
            foreach (var c in ByDescending(s.Tracker.Countries, static c => c.BytesOut))
            {
                if (c.BytesOut <= 0 || n++ == 5) break;
                upload.AddItem(Label(c.Code, c.Name), c.BytesOut, Color.Blue);
            }
            right = Titled(uploadTitle, n > 0 ? upload : new Text("no upload seen yet"));
        }

        var charts = new Grid().AddColumn(new GridColumn().Width(39)).AddColumn(new GridColumn().Width(39));
        charts.AddRow(left, right);
        return new Rows(
            new Markup($"[bold]CONDUIT DASHBOARD[/]  {Time(s.At)}  refresh {Format.Duration(interval)}, any key exits"),
            new Text(SettingsText(s.Settings)),
            Facts(
                ("Status", $"{StatusText(s)}  Containers: {s.Totals.Running}/{s.Totals.Containers}"),
                ("Clients", ClientsText(s)),
                ("Traffic", TrafficText(s)),
                ("App", AppText(s)),
                ("System", SystemText(s)),
                ("Data cap", DataCapText(s.DataCap)),
                ("Tracker", TrackerText(s.Tracker))),
            new Text(""),
            charts);
    }

    /// <summary>`conduit stats`: per-container table, tracker totals and TOP lists, with the refresh countdown.</summary>
    public static IRenderable Stats(ClusterStatsSnapshot s, TimeSpan? nextRefresh)
    {
        var rows = new List<IRenderable>
        {
            new Markup($"[bold]ADVANCED STATS[/]  {Time(s.At)}"
                + (nextRefresh is { } n ? $"  next refresh in {(int)Math.Ceiling(n.TotalSeconds)} s" : "")),
            ContainerTable(s, withResources: true),
            new Text($"Cluster: {ClientsText(s)}; {TrafficText(s)}"),
        };
        if (!s.Tracker.Running)
        {
            rows.Add(new Text($"Tracker: {s.Tracker.Detail}"));
            return new Rows(rows);
        }
        var t = s.Tracker;
        rows.Add(new Text($"Tracker: {Format.Number(t.UniqueIps)} unique IPs, in {Units.Bytes(t.BytesIn)}, out {Units.Bytes(t.BytesOut)}, {t.Countries.Count} countries"));
        var tops = new Grid();
        tops.AddColumn().AddColumn().AddColumn();
        tops.AddRow(
            Top("TOP by unique IPs", t.Countries, static c => c.Ips, static v => Format.Number(v)),
            Top("TOP download (from peers)", t.Countries, static c => c.BytesIn, static v => Units.Bytes(v)),
            Top("TOP upload (to peers)", t.Countries, static c => c.BytesOut, static v => Units.Bytes(v)));
        rows.Add(tops);
        return new Rows(rows);
    }

    /// <summary>`conduit peers`: traffic from and to peers by country, top 10 each.</summary>
    public static IRenderable Peers(ClusterStatsSnapshot s, Func<string, string> countryName)
    {
        if (!s.Tracker.Running)
            return new Rows(new Markup($"[bold]LIVE PEERS[/]  {Time(s.At)}"), new Text($"{s.Tracker.Detail}: start it with `conduit track --service` to see traffic by country"));
        var clients = new Dictionary<string, CountryClients>(StringComparer.Ordinal);
        foreach (var c in s.ClientsByCountry(countryName)) clients[c.Code] = c;
        return new Rows(
            new Markup($"[bold]LIVE PEERS[/]  {Time(s.At)}  {Format.Number(s.Tracker.UniqueIps)} unique IPs"),
            PeerTable("TRAFFIC FROM (peers connecting to you)", s.Tracker.Countries, clients, inbound: true),
            PeerTable("TRAFFIC TO (data sent to peers)", s.Tracker.Countries, clients, inbound: false),
            new Text(s.RegionsPartial
                ? "Clients: the nodes' own per-country counts; some nodes report only their top 3 countries."
                : "Clients: the nodes' own per-country counts (region metrics); - where no node reports the country."));
    }

    /// <summary>`conduit stats --live`: one aggregated line per update, like a node's own [STATS] line.</summary>
    public static string LiveLine(ClusterStatsSnapshot s)
    {
        var t = s.Totals;
        var up = s.LongestUptime is { } u ? Format.Duration(u) : "-";
        return string.Create(Inv,
            $"{s.At.UtcDateTime:yyyy-MM-dd HH:mm:ss} [CLUSTER] Containers: {t.Running}/{t.Containers} | Announcing: {t.Announcing} | Connecting: {t.Connecting} | Connected: {t.Connected} | Up: {Units.Bytes(t.BytesUp)} | Down: {Units.Bytes(t.BytesDown)} | Uptime: {up}");
    }

    static IRenderable PeerTable(string title, IReadOnlyList<TrackerCountry> countries, Dictionary<string, CountryClients> clients, bool inbound)
    {
        var table = new Table().Title(title).Border(TableBorder.Simple);
        Column(table, "Country");
        Column(table, "Total", right: true);
        Column(table, "Speed", right: true);
        Column(table, "IPs", right: true);
        Column(table, "Clients", right: true);
        var n = 0;
        foreach (var c in ByDescending(countries, inbound ? static c => c.BytesIn : static c => c.BytesOut))
        {
            var bytes = inbound ? c.BytesIn : c.BytesOut;
            if (bytes <= 0 || n++ == 10) break;
            table.AddRow(
                new Text(Label(c.Code, c.Name)),
                new Text(Units.Bytes(bytes)),
                new Text(Units.Rate(inbound ? c.BytesInPerSecond : c.BytesOutPerSecond)),
                new Text(Format.Number(c.Ips)),
                new Text(clients.TryGetValue(c.Code, out var k) ? Format.Number(k.Connected) : "-"));
        }
        if (n == 0) table.AddRow("no traffic yet", "", "", "", "");
        return table;
    }

    static IRenderable Top(string title, IReadOnlyList<TrackerCountry> countries, Func<TrackerCountry, long> key, Func<long, string> format)
    {
        var table = new Table().Title(title).Border(TableBorder.Simple).HideHeaders();
        Column(table, "Country");
        Column(table, "Value", right: true);
        var n = 0;
        foreach (var c in ByDescending(countries, key))
        {
            if (key(c) <= 0 || n++ == 10) break;
            table.AddRow(new Text(Label(c.Code, c.Name)), new Text(format(key(c))));
        }
        if (n == 0) table.AddRow("none yet", "");
        return table;
    }

    static IRenderable ContainerTable(ClusterStatsSnapshot s, bool withResources)
    {
        var table = new Table().Border(TableBorder.Simple);
        Column(table, "#", right: true);
        Column(table, "Container");
        Column(table, "State");
        Column(table, "Uptime");
        Column(table, "Clients", right: true);
        Column(table, "Up", right: true);
        Column(table, "Down", right: true);
        if (withResources)
        {
            Column(table, "CPU", right: true);
            Column(table, "RAM", right: true);
        }
        foreach (var c in s.Containers)
        {
            var r = c.Reading;
            var cells = new List<IRenderable>
            {
                new Text(c.Index.ToString(Inv)),
                new Text(c.Name + (c.Config is { SpecCurrent: false } && c.State != "missing" ? "*" : "")),
                new Text(c.Running && c.Config is { } cfg ? cfg.Health : c.State),
                new Text(c.Running && r.UptimeSeconds is { } u ? Format.Duration(TimeSpan.FromSeconds(u))
                    : c.Running && c.StartedAt is { } st ? Format.Duration(s.At - st) : "-"),
                new Text(c.Running && r.Connected is { } conn ? $"{conn}/{r.Connecting ?? 0}" : "-"),
                new Text(Approx(r) + Units.Bytes(c.BytesUpTotal)),
                new Text(Approx(r) + Units.Bytes(c.BytesDownTotal)),
            };
            if (withResources)
            {
                cells.Add(new Text(c.CpuPercent is { } cpu ? Format.Percent(cpu) : "-"));
                cells.Add(new Text(c.MemoryBytes is { } mem ? Units.Binary(mem) : "-"));
            }
            table.AddRow(cells);
        }
        if (s.Containers.Count == 0) table.Caption("no node containers: `conduit start` creates them");
        // Where a figure did not come from the node's metrics endpoint, say where it came from.
        var notes = new List<IRenderable> { table };
        foreach (var c in s.Containers)
        {
            if (Note(c) is { } note) notes.Add(new Text($"  {c.Name}: {note}"));
            if (c.Restarts > 0) notes.Add(new Text($"  {c.Name}: restarted {c.Restarts} time{(c.Restarts == 1 ? "" : "s")} by Docker"));
            if (c.Config is { Ports.Count: > 0 } cfg) notes.Add(new Text($"  {c.Name}: ports {string.Join(", ", cfg.Ports)}"));
        }
        foreach (var c in s.Containers)
            if (c.Config is { SpecCurrent: false } && c.State != "missing")
            {
                notes.Add(new Text("  * settings changed since it was created: `conduit start` recreates it"));
                break;
            }
        return new Rows(notes);
    }

    /// <summary>Narrow padding and no wrapping: the table fits 80 columns.</summary>
    static void Column(Table table, string header, bool right = false)
    {
        var column = new TableColumn(header).NoWrap().Padding(0, 0, 1, 0);
        table.AddColumn(right ? column.RightAligned() : column);
    }

    static string? Note(ContainerStats c) => c.Problem ?? (!c.Running ? null : c.Reading.Source switch
    {
        ReadingSource.Metrics => null,
        ReadingSource.StatsLine => "figures from its last [STATS] log line (sizes rounded)",
        ReadingSource.StatsFile => "figures from its stats file",
        _ => "no stats yet (an idle node prints none)",
    });

    static string Approx(NodeReading r) => r.BytesRounded ? "~" : "";

    static string StatusText(ClusterStatsSnapshot s)
    {
        if (s.Totals.Containers == 0) return "Not installed";
        if (s.Totals.Running == 0) return "Stopped";
        var up = s.LongestUptime is { } u ? $" ({Format.Duration(u)})" : "";
        return (s.Totals.Running == s.Totals.Containers ? "Running" : "Degraded") + up;
    }

    static string ContainersText(ClusterStatsSnapshot s)
    {
        var healthy = 0;
        foreach (var c in s.Containers) if (c.Running && c.Config?.Health == "healthy") healthy++;
        var text = $"{s.Totals.Running}/{s.Totals.Containers} running, {healthy} healthy";
        return s.Settings.ContainerCount != s.Totals.Containers ? $"{text} ({s.Settings.ContainerCount} configured)" : text;
    }

    static string ClientsText(ClusterStatsSnapshot s) =>
        $"{Format.Number(s.Totals.Connected)} connected, {Format.Number(s.Totals.Connecting)} connecting, {Format.Number(s.Totals.Announcing)} announcing"
        + (s.Totals.Complete ? "" : " (some nodes have not reported yet)");

    static string TrafficText(ClusterStatsSnapshot s)
    {
        var approx = false;
        foreach (var c in s.Containers) approx |= c.Running && c.Reading.BytesRounded;
        var a = approx ? "~" : "";
        return $"up {a}{Units.Bytes(s.Totals.BytesUp)}, down {a}{Units.Bytes(s.Totals.BytesDown)} in total; this session up {a}{Units.Bytes(s.Totals.SessionBytesUp)}, down {a}{Units.Bytes(s.Totals.SessionBytesDown)}";
    }

    static string AppText(ClusterStatsSnapshot s)
    {
        var cores = s.Host?.Cores ?? 1;
        var anyCpu = false;
        foreach (var c in s.Containers) anyCpu |= c.CpuPercent is not null;
        if (!anyCpu) return "CPU -, RAM - (containers not running)";
        var cpu = s.Totals.CpuPercent;
        return string.Create(Inv, $"CPU {cpu / cores:0.0}% of host ({cpu / 100:0.00} vCPU), RAM {Units.Binary(s.Totals.MemoryBytes)}");
    }

    static string SystemText(ClusterStatsSnapshot s)
    {
        if (s.Host is not { } h) return "not available";
        var net = h.Interface is null ? "no default route" : $"{h.Interface} down {Units.Rate(h.RxBytesPerSecond)}, up {Units.Rate(h.TxBytesPerSecond)}";
        return $"CPU {Format.Percent(h.CpuPercent)} of {h.Cores} cores, RAM {Units.Binary(h.MemUsedBytes)} of {Units.Binary(h.MemTotalBytes)} ({Format.Percent(h.MemPercent)}), net {net}";
    }

    static string NetworkingText(ClusterStatsSnapshot s) =>
        s.Settings.NetworkMode == "bridge"
            ? $"bridge (nodes behind Docker NAT); load balancer: {s.LoadBalancer}"
            : "host (each node on the host's address; metrics on 127.0.0.1)";

    /// <summary>Limits and image when every container has the same (the usual case), else a pointer to the JSON.</summary>
    static string LimitsText(ClusterStatsSnapshot s)
    {
        ContainerConfig? first = null;
        foreach (var c in s.Containers)
        {
            if (c.Config is not { Image: not null } cfg) continue;
            if (first is null) first = cfg;
            else if (cfg.Cpus != first.Cpus || cfg.MemoryBytes != first.MemoryBytes || cfg.Nofile != first.Nofile || cfg.Image != first.Image)
                return "differ per container (see `conduit status --json`)";
        }
        if (first is null) return "-";
        var cpu = first.Cpus is { } c0 ? c0.ToString("0.###", Inv) : "unlimited";
        var mem = first.MemoryBytes is { } m ? Units.Binary(m) : "unlimited";
        var nofile = first.Nofile is { } n ? n.ToString(Inv) : "default";
        return $"CPU {cpu}, RAM {mem}, nofile {nofile} per container; image {first.Image}";
    }

    static string TrackerText(TrackerState t) =>
        t.Running ? $"running, {Format.Number(t.UniqueIps)} unique IPs, {t.Countries.Count} countries" : t.Detail;

    static string DataCapText(DataCapState d)
    {
        if (!d.Enabled) return "off";
        var text = $"{Units.Binary(d.UsedBytes)} of {Units.Binary(d.CapBytes)} ({Format.Percent(d.Percent)})";
        if (d.Interface is not null) text += $" on {d.Interface}";
        if (d.Level == "throttled") text += ", nodes THROTTLED";
        if (d.NextReset is { } next) text += $", resets {next.ToUniversalTime():yyyy-MM-dd} (in {d.DaysToReset} days)";
        return d.Exceeded ? text + ", EXCEEDED: nodes stay stopped" : text;
    }

    static string SettingsText(SettingsSummary x) =>
        $"Settings: {x.ContainerCount} containers, max {x.MaxClients} clients each, {Format.Mbps(x.BandwidthMbps)} per client, " +
        $"{x.NetworkMode} networking, CPU {x.CpuLimit}, RAM {x.MemoryLimit}, image {x.Image}";

    static IRenderable Facts(params (string Key, string Value)[] facts)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(1)).AddColumn();
        foreach (var (k, v) in facts) grid.AddRow(new Markup($"[bold]{Markup.Escape(k)}[/]"), new Text(v));
        return grid;
    }

    static IRenderable Titled(string title, IRenderable body) => new Rows(new Markup($"[bold]{Markup.Escape(title)}[/]"), body);

    static string Label(string code, string name) => name.Length == 0 || name == code ? code : $"{code} {Shorten(name, 9)}";

    static string Shorten(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";

    static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", Inv);

    static List<TrackerCountry> ByDescending(IReadOnlyList<TrackerCountry> countries, Func<TrackerCountry, long> key)
    {
        var list = new List<TrackerCountry>(countries);
        list.Sort((a, b) => key(a) != key(b) ? key(b).CompareTo(key(a)) : string.CompareOrdinal(a.Code, b.Code));
        return list;
    }
}
