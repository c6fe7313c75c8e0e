using System.Globalization;
using Conduit.NodeStats;
using Conduit.Settings;

namespace Conduit.Menu;

/// <summary>How the cluster looked when a menu was drawn: from the container snapshot, or why there is none.</summary>
internal sealed record ClusterLine(int Running, int Total, string? Problem = null);

/// <summary>
/// The menu's screens as pure functions of settings and snapshots (no I/O), so each is rendered to text in the
/// tests. Entry keys follow the old tool: digits for the common entries, 0 back or exit, letters for the rest.
/// </summary>
internal static class Pages
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static MenuPage MainMenu(string version, ConduitSettings settings, ClusterLine? cluster) => new(
        $"conduit {version} · main menu",
        [
            SettingsLine(settings),
            cluster is null ? "Containers: (not read yet)"
                : cluster.Problem is not null ? $"Containers: unknown: {cluster.Problem}"
                : $"Containers: {cluster.Running}/{cluster.Total} running (settings: {settings.ContainerCount})",
        ],
        [
            new('1', "Status dashboard"),
            new('2', "Live stats (a line per update)"),
            new('3', "Logs (all nodes, follow)"),
            new('4', "Live peers by country"),
            new('a', "Advanced stats"),
            new('5', "Start nodes"),
            new('6', "Stop nodes"),
            new('7', "Restart nodes"),
            new('8', "Update the node image"),
            new('9', "Manage containers"),
            new('s', "Settings & tools"),
            new('i', "Info & help"),
            new('0', "Exit"),
        ]);

    public static string SettingsLine(ConduitSettings s) =>
        string.Create(Inv, $"Nodes: {s.ContainerCount} · max clients {s.MaxClients} · {Bandwidth(s.Bandwidth)} per client · {s.NetworkMode} networking");

    static string Bandwidth(double mbps) => mbps == -1 ? "unlimited" : string.Create(Inv, $"{mbps:0.##} Mbps");

    /// <summary>The container table: # name state clients(connected/connecting) up down CPU RAM.</summary>
    public static List<string> ContainerTable(ClusterStatsSnapshot s)
    {
        var name = Math.Clamp(s.Containers.Count == 0 ? 4 : s.Containers.Max(c => c.Name.Length), 4, 20);
        var lines = new List<string> { $"{"#",3} {"NAME".PadRight(name)} {"STATE",-10} {"CLIENTS",9} {"UP",9} {"DOWN",9} {"CPU",6} {"RAM",9}" };
        foreach (var c in s.Containers)
        {
            var clients = c.Running ? $"{c.Reading.Connected ?? 0}/{c.Reading.Connecting ?? 0}" : "-";
            var cpu = c.CpuPercent is { } p ? string.Create(Inv, $"{p:0.0}%") : "-";
            var ram = c.MemoryBytes is { } m ? Units.Binary(m) : "-";
            lines.Add($"{c.Index,3} {MenuPage.Fit(c.Name, name).PadRight(name)} {MenuPage.Fit(c.State, 10),-10} {clients,9} {Units.Bytes(c.BytesUpTotal),9} {Units.Bytes(c.BytesDownTotal),9} {cpu,6} {ram,9}");
        }
        if (s.Containers.Count == 0) lines.Add("    no containers: [a] adds some");
        var t = s.Totals;
        lines.Add(string.Create(Inv, $"    {t.Running}/{t.Containers} running · {t.Connected} connected, {t.Connecting} connecting"));
        return lines;
    }

    public static MenuPage Containers(ClusterStatsSnapshot s) => new(
        "Manage containers",
        ContainerTable(s),
        [
            new('c', "Choose a container (start/stop/logs/settings/QR/key)"),
            new('a', "Add containers"),
            new('r', "Remove the last containers"),
            new('s', "Scale to N containers"),
            new('0', "Back"),
        ]);

    public static MenuPage Container(int index, string name, ContainerStats? stats, ContainerSettings settings) => new(
        $"Container {index} ({name})",
        [
            stats is null ? "State: no container yet (start creates it)"
                : string.Create(Inv, $"State: {stats.State} · clients {stats.Reading.Connected ?? 0} connected, {stats.Reading.Connecting ?? 0} connecting · up {Units.Bytes(stats.BytesUpTotal)} · down {Units.Bytes(stats.BytesDownTotal)}"),
            ContainerSettingsLine(settings),
        ],
        [
            new('1', "Start"),
            new('2', "Stop"),
            new('3', "Restart"),
            new('4', "Logs (follow)"),
            new('5', "Its settings"),
            new('6', "QR code & proxy ID"),
            new('7', "Back up its key"),
            new('8', "Restore a key from a backup"),
            new('0', "Back"),
        ]);

    public static string ContainerSettingsLine(ContainerSettings c) =>
        string.Create(Inv, $"Max clients {c.MaxClients} · {Bandwidth(c.Bandwidth)} per client · CPU {(c.Cpus is { } cpu ? cpu.ToString("0.##", Inv) : "no limit")} · memory {c.MemoryText ?? "no limit"}");

    public static MenuPage ContainerSettings(int index, ConduitSettings settings) => new(
        $"Settings of container {index}",
        [
            ContainerSettingsLine(settings.ForContainer(index)),
            Overrides(settings, index) is { Length: > 0 } o ? $"Overrides: {o}" : "Overrides: none (the global values apply)",
        ],
        [
            new('1', "Max clients"),
            new('2', "Bandwidth"),
            new('3', "CPU limit"),
            new('4', "Memory limit"),
            new('5', "Clear its overrides"),
            new('0', "Back"),
        ]);

    public static string Overrides(ConduitSettings settings, int? index = null) => string.Join(", ",
        settings.Overrides.Where(o => index is null || o.Key.Container == index)
            .OrderBy(o => o.Key.Container).ThenBy(o => o.Key.Key, StringComparer.Ordinal)
            .Select(o => string.Create(Inv, $"{o.Key.Key}_{o.Key.Container}={o.Value}")));

    public static MenuPage Settings(ConduitSettings s) => new(
        "Settings & tools",
        [
            SettingsLine(s),
            $"CPU {s["CONTAINER_CPU_LIMIT"]} · memory {s["CONTAINER_MEM_LIMIT"]} per container",
            $"Node image: {s.Image}",
            Overrides(s) is { Length: > 0 } o ? $"Overrides: {o}" : "Overrides: none",
        ],
        [
            new('1', "Max clients (all or one container)"),
            new('2', "Bandwidth (all or one container)"),
            new('3', "CPU limit"),
            new('4', "Memory limit"),
            new('5', "Networking mode"),
            new('6', "Node image"),
            new('7', "Health check"),
            new('8', "Kernel tuning"),
            new('9', "Back up node keys"),
            new('b', "List key backups"),
            new('v', "Version"),
            new('0', "Back"),
        ]);

    public static MenuPage Tuning() => new(
        "Kernel tuning",
        ["Sysctl values and open-file limits for many connections. Apply never lowers a value", "the host already has higher, and records what it changed so revert can undo it."],
        [
            new('1', "Check (changes nothing)"),
            new('2', "Apply"),
            new('3', "Revert what apply changed"),
            new('0', "Back"),
        ]);

    public static MenuPage Info() => new(
        "Info & help",
        [],
        [.. InfoPages.All.Select(p => new MenuEntry(p.Key, p.Title)), new('0', "Back")]);
}
