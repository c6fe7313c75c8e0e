using System.Globalization;
using Conduit.NodeStats;

namespace Conduit.Doctor;

public enum Verdict { Ok, Info, Warn, Fail }

/// <summary>One fact about a node with what it means and what to do.</summary>
public sealed record Finding(string Check, Verdict Verdict, string Fact, string? Advice = null);

/// <summary>The host's public addresses and how many nodes use each (the network rate-limits per IP).</summary>
public sealed record PublicAddress(string Address, int Nodes);

/// <summary>What `doctor` knows about one node, gathered by <see cref="DoctorOperations"/> (or fixed, in tests).</summary>
public sealed record NodeFacts(
    int Index,
    string Name,
    string State,
    string? MetricsText,
    string? MetricsError,
    DateTimeOffset? KeyCreated,
    string NetworkMode,
    IReadOnlyList<PublicAddress> PublicAddresses,
    string? ReducedHours,
    bool ReducedNow);

/// <summary>The verdicts of `conduit doctor` for one node: "why is my node idle?".</summary>
public static class NodeDiagnosis
{
    public static readonly TimeSpan NewKeyAge = TimeSpan.FromHours(48);

    public static IReadOnlyList<Finding> Diagnose(NodeFacts f, DateTimeOffset now)
    {
        var list = new List<Finding>();
        if (f.State != "running")
        {
            list.Add(new("running", Verdict.Fail, $"container is {f.State}", $"start it: `conduit start` (then `conduit logs {f.Index}` if it does not stay up)"));
            AddStatic(list, f, now);
            return list;
        }
        MetricsDocument? m = null;
        if (f.MetricsText is not null)
        {
            try { m = PrometheusText.Parse(f.MetricsText); }
            catch (FormatException e) { list.Add(new("metrics", Verdict.Warn, $"metrics page unreadable: {e.Message}")); }
        }
        else
        {
            list.Add(new("metrics", Verdict.Warn, $"no metrics: {f.MetricsError ?? "the node serves none (1.x image?)"}", "live/announcing/idle cannot be checked; a 2.x image serves them on --metrics-addr"));
        }
        if (m is not null)
        {
            var live = m.Value("conduit_is_live");
            list.Add(live switch
            {
                >= 1 => new("live", Verdict.Ok, "live: connected to the Psiphon broker"),
                null => new("live", Verdict.Warn, "conduit_is_live missing from the metrics"),
                _ => new("live", Verdict.Fail, "not live: the node has not reached the Psiphon broker yet",
                    $"check outbound HTTPS, DNS and the clock on this host; `conduit logs {f.Index}` shows what it tries"),
            });
            var announcing = m.Value("conduit_announcing") ?? 0;
            var connected = m.Value("conduit_connected_clients") ?? 0;
            var connecting = m.Value("conduit_connecting_clients") ?? 0;
            list.Add(announcing > 0 || connected > 0 || connecting > 0
                ? new("announcing", Verdict.Ok, $"announcing {N(announcing)}, connecting {N(connecting)}, connected {N(connected)}")
                : new("announcing", live >= 1 ? Verdict.Warn : Verdict.Info, "not announcing and no clients right now",
                    "a live node announces whenever it has room; if this lasts, see idle time and key age below"));
            if (m.Value("conduit_idle_seconds") is double idle)
            {
                var span = TimeSpan.FromSeconds(idle);
                list.Add(idle < 3600
                    ? new("idle", Verdict.Ok, $"idle {Duration(span)}")
                    : new("idle", idle >= 86400 ? Verdict.Warn : Verdict.Info, $"idle for {Duration(span)} (no client traffic)",
                        "the broker decides who gets clients: new keys, shared IPs and NAT get fewer; never regenerate the key to \"get clients\""));
            }
            var common = m.Value("conduit_max_common_clients");
            var personal = m.Value("conduit_max_personal_clients");
            var bps = m.Value("conduit_bandwidth_limit_bytes_per_second");
            if (common is not null || personal is not null || bps is not null)
            {
                var bw = bps is null ? "?" : bps == 0 ? "unlimited" : $"{(bps.Value * 8 / 1_000_000).ToString("0.##", CultureInfo.InvariantCulture)} Mbps";
                var fact = $"limits in force: max {N(common ?? 0)} common + {N(personal ?? 0)} personal clients, {bw} per client";
                list.Add((common ?? 0) + (personal ?? 0) == 0
                    ? new("limits", Verdict.Fail, fact, "give MAX_CLIENTS or MAX_PERSONAL_CLIENTS 1 or more")
                    : new("limits", Verdict.Info, fact));
            }
        }
        AddStatic(list, f, now);
        return list;
    }

    static void AddStatic(List<Finding> list, NodeFacts f, DateTimeOffset now)
    {
        if (f.ReducedHours is { } reduced)
            list.Add(new("reduced hours", Verdict.Info, $"reduced hours {reduced} ({(f.ReducedNow ? "in force now: lower limits" : "not now")})"));
        if (f.KeyCreated is { } created)
        {
            var age = now - created;
            list.Add(age < NewKeyAge
                ? new("key age", Verdict.Warn, $"key is new ({Duration(age)} old)",
                    "a new key gets little or no traffic for hours or days while the network learns it; keep it (never regenerate it to get clients) and back it up: `conduit backup`")
                : new("key age", Verdict.Ok, $"key is {Duration(age)} old"));
        }
        list.Add(f.NetworkMode == "bridge"
            ? new("networking", Verdict.Warn, "bridge networking: Docker NAT adds a layer in front of the node",
                "NAT can demote the node to a worse NAT class and fewer clients; NETWORK_MODE=host avoids it")
            : new("networking", Verdict.Ok, "host networking: no extra NAT layer"));
        foreach (var ip in f.PublicAddresses)
            list.Add(new("public IP", ip.Nodes > 1 ? Verdict.Info : Verdict.Ok, $"{ip.Address} used by {ip.Nodes} node{(ip.Nodes == 1 ? "" : "s")}",
                ip.Nodes > 1 ? "the network rate-limits per IP: nodes on one IP share its budget; more IPs bring more clients than more containers" : null));
        if (f.PublicAddresses.Count == 0)
            list.Add(new("public IP", Verdict.Warn, "no public address on this host's interfaces (behind NAT?)",
                "a node behind NAT is matched with fewer clients; forwarding UDP or a public IP helps"));
    }

    static string N(double v) => v.ToString("0", CultureInfo.InvariantCulture);

    /// <summary>"3d 4h", "5h 2m", "12m", "40s".</summary>
    public static string Duration(TimeSpan t)
    {
        if (t < TimeSpan.Zero) t = TimeSpan.Zero;
        if (t.TotalDays >= 1) return $"{(int)t.TotalDays}d {t.Hours}h";
        if (t.TotalHours >= 1) return $"{(int)t.TotalHours}h {t.Minutes}m";
        if (t.TotalMinutes >= 1) return $"{(int)t.TotalMinutes}m";
        return $"{(int)t.TotalSeconds}s";
    }
}
