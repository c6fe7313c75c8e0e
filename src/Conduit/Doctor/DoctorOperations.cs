using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Conduit.Cluster;
using Conduit.Personal;
using Conduit.Platform;
using Conduit.Settings;

namespace Conduit.Doctor;

/// <summary>One node's facts and verdicts.</summary>
public sealed record NodeReport(NodeFacts Facts, IReadOnlyList<Finding> Findings);

/// <summary>Gathers the facts `conduit doctor` judges: container state, metrics, key (volume) age, networking, public IPs.</summary>
public static class DoctorOperations
{
    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(3) };

    public static async Task<IReadOnlyList<NodeReport>> RunAsync(DockerEngine engine, ConduitSettings settings, ConduitPaths paths, int? only, CancellationToken ct)
    {
        if (only is int n && (n < 1 || n > settings.ContainerCount))
            throw new UsageException($"container {n} does not exist: CONTAINER_COUNT is {settings.ContainerCount}");
        var ops = new ClusterOperations(engine, settings, paths);
        var snapshot = await ops.SnapshotAsync(ct);
        var now = DateTimeOffset.UtcNow;
        var nodes = snapshot.Containers.Where(c => c.Index >= 1 && c.Index <= settings.ContainerCount && (only is null || c.Index == only)).ToArray();
        var running = snapshot.Containers.Count(c => c.State == "running");
        var addresses = PublicAddresses().Select(a => new PublicAddress(a, running)).ToArray();
        var reduced = ReducedHours.From(settings);
        var reports = new List<NodeReport>();
        foreach (var c in nodes)
        {
            string? text = null, error = null;
            if (c.State == "running" && c.MetricsAddress is { } addr)
            {
                try { text = await Http.GetStringAsync($"http://{addr}/metrics", ct); }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
                {
                    error = $"http://{addr}/metrics did not answer";
                }
            }
            var volume = await engine.TryInspectVolumeAsync(ops.Names.Volume(c.Index), ct);
            DateTimeOffset? created = DateTimeOffset.TryParse(volume?.CreatedAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;
            var facts = new NodeFacts(c.Index, c.Name, c.State, text, error, created, c.NetworkMode, addresses,
                reduced?.Describe(), reduced?.Contains(now) == true);
            reports.Add(new NodeReport(facts, NodeDiagnosis.Diagnose(facts, now)));
        }
        return reports;
    }

    /// <summary>Global unicast addresses on this host's interfaces (what the nodes' traffic leaves from).</summary>
    public static IReadOnlyList<string> PublicAddresses()
    {
        var list = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus != OperationalStatus.Up || nic.NetworkInterfaceType == NetworkInterfaceType.Loopback) continue;
            foreach (var u in nic.GetIPProperties().UnicastAddresses)
                if (IsPublic(u.Address)) list.Add(u.Address.ToString());
        }
        return [.. list];
    }

    public static bool IsPublic(IPAddress a)
    {
        if (IPAddress.IsLoopback(a)) return false;
        if (a.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = a.GetAddressBytes();
            return !(b[0] == 10 || b[0] == 0 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168)
                     || (b[0] == 100 && b[1] is >= 64 and <= 127) || (b[0] == 169 && b[1] == 254) || b[0] >= 224);
        }
        if (a.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var b = a.GetAddressBytes();
            return (b[0] & 0xe0) == 0x20; // 2000::/3, global unicast
        }
        return false;
    }
}
