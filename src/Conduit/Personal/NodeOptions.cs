using System.Globalization;
using Conduit.Cluster;
using Conduit.Settings;

namespace Conduit.Personal;

/// <summary>Reduced hours: a daily UTC window in which the node itself lowers its limits (no restart needed).</summary>
public sealed record ReducedHours(string Start, string End, int? MaxClients, double? BandwidthMbps)
{
    /// <summary>Null when REDUCED_START/REDUCED_END are not both set.</summary>
    public static ReducedHours? From(ConduitSettings s)
    {
        if (!s.IsSet("REDUCED_START") || !s.IsSet("REDUCED_END")) return null;
        int? clients = s.IsSet("REDUCED_MAX_CLIENTS") ? int.Parse(s["REDUCED_MAX_CLIENTS"], CultureInfo.InvariantCulture) : null;
        double? bw = s.IsSet("REDUCED_BANDWIDTH") ? double.Parse(s["REDUCED_BANDWIDTH"], CultureInfo.InvariantCulture) : null;
        return new(s["REDUCED_START"], s["REDUCED_END"], clients, bw);
    }

    /// <summary>Whether <paramref name="utc"/> falls in the window (which may wrap past midnight).</summary>
    public bool Contains(DateTimeOffset utc)
    {
        SettingsSchema.TryParseClock(Start, out var a);
        SettingsSchema.TryParseClock(End, out var b);
        var t = TimeOnly.FromTimeSpan(utc.UtcDateTime.TimeOfDay);
        return a < b ? t >= a && t < b : t >= a || t < b;
    }

    /// <summary>"22:00-06:00 UTC: max 50 clients, 2 Mbps" for status.</summary>
    public string Describe()
    {
        var parts = new List<string>();
        if (MaxClients is int c) parts.Add($"max {c.ToString(CultureInfo.InvariantCulture)} common clients");
        if (BandwidthMbps is double bw) parts.Add($"{bw.ToString("0.###", CultureInfo.InvariantCulture)} Mbps");
        return $"{Start}-{End} UTC: {string.Join(", ", parts)}";
    }
}

/// <summary>
/// The node options beyond common clients and bandwidth: personal clients (MAX_PERSONAL_CLIENTS, COMPARTMENT_ID)
/// and reduced hours (REDUCED_*, passed with the node's allow-listed `--set` keys). <see cref="Problems"/> is what
/// every start path checks before any container is touched; <see cref="Flags"/> is what ContainerSpec adds.
/// </summary>
public static class NodeOptions
{
    /// <summary>The node's `--set` keys (cli/internal/config/set_overrides.go allowlist).</summary>
    public const string SetReducedStart = "InproxyReducedStartTime";
    public const string SetReducedEnd = "InproxyReducedEndTime";
    public const string SetReducedMaxCommonClients = "InproxyReducedMaxCommonClients";
    public const string SetReducedUpstream = "InproxyReducedLimitUpstreamBytesPerSecond";
    public const string SetReducedDownstream = "InproxyReducedLimitDownstreamBytesPerSecond";

    /// <summary>Mbps to the node's bytes per second (the node's own conversion: Mbps * 1000 * 1000 / 8).</summary>
    public static long BytesPerSecond(double mbps) => (long)(mbps * 1000 * 1000 / 8);

    /// <summary>The 2.x flags for node <paramref name="node"/>; only what the settings ask for and the image knows.</summary>
    public static IEnumerable<string> Flags(ConduitSettings settings, ContainerSettings node, ImageCli cli)
    {
        if (cli.Generation != NodeCliGeneration.V2) yield break;
        if (cli.Personal)
        {
            if (node.MaxPersonalClients > 0)
            {
                yield return "--max-personal-clients";
                yield return Num(node.MaxPersonalClients);
            }
            if (settings.IsSet("COMPARTMENT_ID"))
            {
                yield return "--compartment-id";
                yield return settings["COMPARTMENT_ID"];
            }
        }
        if (cli.Set && ReducedHours.From(settings) is { } reduced)
        {
            yield return "--set";
            yield return $"{SetReducedStart}={reduced.Start}";
            yield return "--set";
            yield return $"{SetReducedEnd}={reduced.End}";
            if (reduced.MaxClients is int c)
            {
                yield return "--set";
                yield return $"{SetReducedMaxCommonClients}={Num(c)}";
            }
            if (reduced.BandwidthMbps is double bw)
            {
                var bps = Num(BytesPerSecond(bw));
                yield return "--set";
                yield return $"{SetReducedUpstream}={bps}";
                yield return "--set";
                yield return $"{SetReducedDownstream}={bps}";
            }
        }
    }

    /// <summary>Everything in the settings the node (or this image) would refuse, one line each; empty when fine.</summary>
    public static IReadOnlyList<string> Problems(ConduitSettings s, ImageCli cli, IEnumerable<int> nodes)
    {
        var problems = new List<string>();
        var image = $"image {cli.Image} speaks the {(cli.Generation == NodeCliGeneration.V1 ? "1.x" : "2.x")} node flags";
        var hasCompartment = s.IsSet("COMPARTMENT_ID");
        if (hasCompartment && !cli.Personal)
            problems.Add($"COMPARTMENT_ID is set but {image} without personal clients (no --compartment-id): use a 2.x image or clear it with `conduit settings set COMPARTMENT_ID ''`");
        foreach (var i in nodes)
        {
            var node = s.ForContainer(i);
            var personalKey = Key(s, "MAX_PERSONAL_CLIENTS", i);
            var commonKey = Key(s, "MAX_CLIENTS", i);
            if (node.MaxPersonalClients > 0 && !cli.Personal)
                problems.Add($"{personalKey}={Num(node.MaxPersonalClients)} but {image} without personal clients (no --max-personal-clients)");
            else if (node.MaxPersonalClients > 0 && !hasCompartment)
                problems.Add($"{personalKey}={Num(node.MaxPersonalClients)} needs a personal compartment: create one with `conduit personal new` or set one with `conduit personal set ID_OR_TOKEN`");
            if (node.MaxClients == 0 && cli.Generation == NodeCliGeneration.V1)
                problems.Add($"{commonKey}=0 but {image} (--max-clients must be 1 to 1000)");
            else if (node.MaxClients + node.MaxPersonalClients == 0)
                problems.Add($"node {Num(i)}: {commonKey} and {personalKey} are both 0: the node refuses to start; give one of them 1 or more");
        }
        var start = s.IsSet("REDUCED_START");
        var end = s.IsSet("REDUCED_END");
        if (start != end)
            problems.Add($"{(start ? "REDUCED_START" : "REDUCED_END")} is set without {(start ? "REDUCED_END" : "REDUCED_START")}: set both (HH:MM UTC) or neither");
        var limits = new[] { "REDUCED_MAX_CLIENTS", "REDUCED_BANDWIDTH" }.Where(s.IsSet).ToArray();
        if (!start && !end)
            problems.AddRange(limits.Select(k => $"{k} is set but reduced hours are not: set REDUCED_START and REDUCED_END (HH:MM UTC)"));
        if (ReducedHours.From(s) is { } reduced)
        {
            if (reduced.Start == reduced.End)
                problems.Add($"REDUCED_START and REDUCED_END are both {reduced.Start}: the window would be empty");
            if (limits.Length == 0)
                problems.Add($"reduced hours {reduced.Start}-{reduced.End} lower nothing: set REDUCED_MAX_CLIENTS and/or REDUCED_BANDWIDTH");
            if (!cli.Set)
                problems.Add($"reduced hours are set but {image} without --set: use a 2.x image or clear REDUCED_START and REDUCED_END");
            foreach (var i in nodes)
            {
                var node = s.ForContainer(i);
                if (reduced.MaxClients is int rc && rc > node.MaxClients)
                    problems.Add($"REDUCED_MAX_CLIENTS={Num(rc)} is above {Key(s, "MAX_CLIENTS", i)}={Num(node.MaxClients)}: reduced hours only lower limits");
                if (reduced.BandwidthMbps is double rb && node.Bandwidth >= 0 && rb > node.Bandwidth)
                    problems.Add($"REDUCED_BANDWIDTH={rb.ToString("0.###", CultureInfo.InvariantCulture)} is above {Key(s, "BANDWIDTH", i)}={node.Bandwidth.ToString("0.###", CultureInfo.InvariantCulture)}: reduced hours only lower limits");
            }
        }
        return problems.Distinct().ToArray();
    }

    /// <summary>Refuses (before anything is created or recreated) what the node or the image would refuse.</summary>
    public static void EnsureValid(ConduitSettings s, ImageCli cli, IEnumerable<int> nodes)
    {
        var problems = Problems(s, cli, nodes);
        if (problems.Count > 0)
            throw new UsageException($"refusing to start: {string.Join("; ", problems)} (in {s.File.Path})");
    }

    /// <summary>The key that decides node i's value: KEY_i when it overrides, else KEY.</summary>
    static string Key(ConduitSettings s, string key, int i) =>
        s.Overrides.ContainsKey((key, i)) ? $"{key}_{Num(i)}" : key;

    static string Num(long v) => v.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The lines `conduit status` adds for personal clients and reduced hours (none when neither is set).</summary>
public static class NodeOptionsStatus
{
    public static IReadOnlyList<string> Lines(ConduitSettings s, DateTimeOffset now)
    {
        var lines = new List<string>();
        var state = PersonalOperations.State(s);
        if (state.Configured || !state.ClientsOff)
        {
            var compartment = state.Id is { } id ? $"compartment {id[..8]}… \"{state.Name}\"" : "NO compartment (`conduit personal new`)";
            var limits = state.Overrides.Count == 0 ? $"{state.MaxPersonalClients} per node"
                : $"{state.MaxPersonalClients} per node, " + string.Join(", ", state.Overrides.OrderBy(o => o.Key).Select(o => $"node {o.Key}: {o.Value}"));
            lines.Add($"Personal clients: {limits}, {compartment} (share token: `conduit personal show`)");
        }
        if (ReducedHours.From(s) is { } reduced)
            lines.Add($"Reduced hours: {reduced.Describe()} ({(reduced.Contains(now) ? "in force now" : "not now")})");
        else if (s.IsSet("REDUCED_START") || s.IsSet("REDUCED_END"))
            lines.Add("Reduced hours: incomplete (set both REDUCED_START and REDUCED_END)");
        return lines;
    }
}
