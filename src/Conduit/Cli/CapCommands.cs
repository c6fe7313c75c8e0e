using System.Globalization;
using System.Text.Json;
using Conduit.Cluster;
using Conduit.DataCap;
using Conduit.Host.Health;
using Conduit.Settings;
using ConsoleAppFramework;

namespace Conduit.Cli;

/// <summary>`conduit cap ...`: the data cap (its rules live in Conduit.DataCap).</summary>
public sealed class CapCommands
{
    static DataCapOperations Ops() => new(CliApp.Paths, CapClock.From(Environment.GetEnvironmentVariable));

    /// <summary>Show the data cap: size, usage in this period, what it has done to the nodes, the next reset.</summary>
    /// <param name="json">print JSON</param>
    public void Show(bool json = false)
    {
        var s = Ops().Status();
        if (json) Terminal.WriteJson(w => WriteJson(w, s));
        else Print(s);
    }

    /// <summary>Set the data cap and apply it now (the services re-check every minute).</summary>
    /// <param name="size">-size, the cap: 500GB, 1.5TB, 0.01GB, 800MB (GB = GiB, 2^30 bytes; a bare number is GB)</param>
    /// <param name="resetDay">day of month (1-28, the provider's billing day) the count restarts; 0 = never</param>
    /// <param name="action">throttle (default: reduced nodes at 90%, stopped at 100%) or stop (stopped at 100%)</param>
    /// <param name="source">interface (rx+tx of DATA_CAP_IFACE, what a provider bills) or nodes (the nodes' byte counters)</param>
    public async Task Set([Argument, Verbatim] string size, [Integer] int? resetDay = null, string? action = null, string? source = null, CancellationToken ct = default)
    {
        var ops = Ops();
        ops.Set(size, resetDay, action, source, HostFacts.Current());
        Console.WriteLine($"data cap set to {CapSize.Format(CapSize.ParseGb(size))} GB (saved to {CliApp.Paths.SettingsFile})");
        await CheckAndPrint(ops, quiet: false, ct);
    }

    /// <summary>Start a new count now; nodes the cap stopped or throttled come back to their normal spec.</summary>
    public async Task Reset(CancellationToken ct = default)
    {
        var ops = Ops();
        await ops.ResetAsync(ct);
        Console.WriteLine("data cap count restarted");
        await CheckAndPrint(ops, quiet: false, ct);
    }

    /// <summary>Turn the data cap off (DATA_CAP_GB=0); nodes it stopped or throttled come back to their normal spec.</summary>
    public async Task Remove(CancellationToken ct = default)
    {
        var ops = Ops();
        ops.Remove(HostFacts.Current());
        Console.WriteLine("data cap removed");
        await CheckAndPrint(ops, quiet: false, ct);
    }

    /// <summary>One enforcement pass: read the counter, persist usage, throttle at 90% / stop at 100% / restore after a reset (the services run it every minute and at boot).</summary>
    /// <param name="quiet">print only what changed</param>
    public Task Check(bool quiet = false, CancellationToken ct = default) => CheckAndPrint(Ops(), quiet, ct);

    static async Task CheckAndPrint(DataCapOperations ops, bool quiet, CancellationToken ct)
    {
        var result = await ops.CheckAsync(new AlertLogNotifier(CliApp.Paths), ct);
        foreach (var e in result.Events) Console.WriteLine(e);
        foreach (var n in result.Nodes.Where(n => n.IsFailure)) Terminal.Error($"{n.Name}: {n.Action}: {n.Detail}");
        if (!quiet) Console.WriteLine(Summary(result.Status));
        if (result.Failed)
            throw new ConduitException($"{result.Nodes.Count(n => n.IsFailure)} of {result.Nodes.Count} nodes could not be changed; the next pass tries again");
    }

    static string Summary(CapStatus s)
    {
        if (!s.Enabled) return "data cap: off";
        var reset = s.NextReset is { } n ? $", resets {n:yyyy-MM-dd} (in {s.DaysToReset} days)" : ", no reset day";
        return $"data cap: {Units.Binary(s.UsedBytes)} of {Units.Binary(s.CapBytes)} ({s.Percent.ToString("0.0", CultureInfo.InvariantCulture)}%), nodes {Level(s.Applied)}{reset}";
    }

    static string Level(CapLevel l) => l.ToString().ToLowerInvariant();

    static void Print(CapStatus s)
    {
        if (!s.Enabled)
        {
            Console.WriteLine("data cap: off (`conduit cap set SIZE` sets one)");
            return;
        }
        var counts = s.Source == "nodes" ? "the nodes' byte counters (up + down)" : $"rx + tx of {s.Interface ?? "(no interface: set DATA_CAP_IFACE)"}";
        PlainTable.Print(Console.Out, ["DATA CAP", ""],
        [
            ["cap", $"{Units.Binary(s.CapBytes)} ({s.CapBytes.ToString(CultureInfo.InvariantCulture)} bytes)"],
            ["used", s.LastReading is null ? "not counted yet (`conduit cap check`)" : $"{Units.Binary(s.UsedBytes)} ({s.UsedBytes.ToString(CultureInfo.InvariantCulture)} bytes, {s.Percent.ToString("0.0", CultureInfo.InvariantCulture)}%)"],
            ["counts", counts],
            ["action", s.Action == "throttle" ? $"throttle: half the clients and {s.ThrottleMbps.ToString(CultureInfo.InvariantCulture)} Mbps per client at 90%, stop at 100%" : "stop at 100%"],
            ["nodes", Level(s.Applied) + (s.Due != s.Applied ? $" (due: {Level(s.Due)} at the next check)" : "")],
            ["period", s.PeriodStart is { } p ? $"since {p:yyyy-MM-dd HH:mm} UTC" : "-"],
            ["reset", s.NextReset is { } n ? $"{n:yyyy-MM-dd} 00:00 UTC (in {s.DaysToReset} days)" : s.ResetDay == 0 ? "never (DATA_CAP_RESET_DAY=0; `conduit cap reset`)" : $"day {s.ResetDay}"],
            ["last reading", s.LastReading is { } r ? $"{r:yyyy-MM-dd HH:mm:ss} UTC" : "-"],
        ]);
    }

    static void WriteJson(Utf8JsonWriter w, CapStatus s)
    {
        w.WriteStartObject();
        w.WriteBoolean("enabled", s.Enabled);
        w.WriteNumber("cap_bytes", s.CapBytes);
        w.WriteNumber("used_bytes", s.UsedBytes);
        w.WriteNumber("percent", Math.Round(s.Percent, 2));
        w.WriteString("nodes", Level(s.Applied));
        w.WriteString("due", Level(s.Due));
        w.WriteString("action", s.Action);
        w.WriteString("source", s.Source);
        if (s.Interface is null) w.WriteNull("interface"); else w.WriteString("interface", s.Interface);
        w.WriteNumber("throttle_mbps", s.ThrottleMbps);
        w.WriteNumber("reset_day", s.ResetDay);
        WriteTime(w, "period_start", s.PeriodStart);
        WriteTime(w, "next_reset", s.NextReset);
        if (s.DaysToReset is { } d) w.WriteNumber("days_to_reset", d); else w.WriteNull("days_to_reset");
        WriteTime(w, "last_reading", s.LastReading);
        w.WriteEndObject();
    }

    static void WriteTime(Utf8JsonWriter w, string name, DateTimeOffset? t)
    {
        if (t is { } v) w.WriteString(name, v.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        else w.WriteNull(name);
    }
}
