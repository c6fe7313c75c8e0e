using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Conduit.Cluster;
using Conduit.DataCap;
using Conduit.Tests.Cluster;
using Conduit.Tests.Support;
using Conduit.Tests.Tracking;

namespace Conduit.Tests.DataCap;

/// <summary>
/// A veth pair this test makes: one end in the host namespace (what the cap counts, as DATA_CAP_IFACE), the other
/// in a namespace of its own with a UDP sink, so bounded traffic crosses it and nothing else does (IPv6 off: no
/// neighbour discovery chatter). Removed on dispose, also after a failure.
/// </summary>
sealed class CapVeth : IDisposable
{
    public string Ns { get; }
    public string Host { get; }
    readonly string _peer;
    readonly string _hostAddress, _peerAddress;
    const int Port = 9;
    Socket? _sink;

    public CapVeth()
    {
        var id = Guid.NewGuid().ToString("N")[..6];
        Ns = $"ct-cap-{id}";
        Host = $"ccap{id}";
        _peer = $"ccp{id}";
        var net = Random.Shared.Next(1, 250);
        _hostAddress = $"10.97.{net}.1";
        _peerAddress = $"10.97.{net}.2";
        try
        {
            NetnsPair.Sh($"ip netns add {Ns}");
            NetnsPair.Sh($"ip -n {Ns} link set lo up");
            Create();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    void Create()
    {
        NetnsPair.Sh($"ip link add {Host} type veth peer name {_peer} netns {Ns}");
        NetnsPair.Sh($"sysctl -qw net.ipv6.conf.{Host}.disable_ipv6=1");
        NetnsPair.Sh($"ip netns exec {Ns} sysctl -qw net.ipv6.conf.{_peer}.disable_ipv6=1");
        NetnsPair.Sh($"ip addr add {_hostAddress}/30 dev {Host}");
        NetnsPair.Sh($"ip -n {Ns} addr add {_peerAddress}/30 dev {_peer}");
        NetnsPair.Sh($"ip link set {Host} up");
        NetnsPair.Sh($"ip -n {Ns} link set {_peer} up");
        _sink?.Dispose();
        // A bound socket that never reads: datagrams are dropped there, no ICMP comes back.
        _sink = NetnsPair.InNamespace(Ns, () =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 1 };
            s.Bind(new IPEndPoint(IPAddress.Parse(_peerAddress), Port));
            return s;
        });
    }

    /// <summary>Deletes and recreates the pair: the kernel's counters start again from 0.</summary>
    public void Recreate()
    {
        NetnsPair.Sh($"ip link del {Host}");
        Create();
    }

    /// <summary>rx + tx bytes of the host end, what the cap reads.</summary>
    public long Counter() =>
        long.Parse(File.ReadAllText($"/sys/class/net/{Host}/statistics/rx_bytes")) + long.Parse(File.ReadAllText($"/sys/class/net/{Host}/statistics/tx_bytes"));

    /// <summary>Sends 1400-byte datagrams across until the counter has grown to <paramref name="target"/> (bounded).</summary>
    public void PushUntil(long target)
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var to = new IPEndPoint(IPAddress.Parse(_peerAddress), Port);
        var payload = new byte[1400];
        for (var sent = 0; Counter() < target; sent++)
        {
            if (sent > 20_000) throw new InvalidOperationException($"counter of {Host} stuck at {Counter()} (target {target})");
            s.SendTo(payload, to);
            if (sent % 32 == 31) Thread.Sleep(1); // let the peer keep up so nothing is dropped before counting
        }
    }

    public void Dispose()
    {
        _sink?.Dispose();
        try { NetnsPair.Sh($"ip link del {Host}"); } catch (InvalidOperationException) { }
        try { NetnsPair.Sh($"ip netns del {Ns}"); } catch (InvalidOperationException) { }
    }
}

/// <summary>The cap against stand-in nodes: real counters, real containers, the real binary.</summary>
public sealed class CapEnforcementTests
{
    const long Cap = 10_737_418; // 0.01 GB (GiB)

    static RunResult Run(DockerSandbox box, string now, params string[] args) =>
        ConduitProcess.Run(args, new Dictionary<string, string?>
        {
            ["CONDUIT_SYSROOT"] = box.Root.Path,
            ["CONDUIT_HOME"] = box.Paths.Home,
            ["DOCKER_HOST"] = null,
            [CapClock.Variable] = now,
        });

    static JsonElement Show(DockerSandbox box, string now)
    {
        var r = Run(box, now, "cap", "show", "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        return JsonDocument.Parse(r.Stdout).RootElement.Clone();
    }

    static string[] Command(DockerSandbox box, int i) => [.. box.Inspect(box.Names.Container(i))!.Config!.Cmd!];

    static string After(string[] cmd, string flag) => cmd[Array.IndexOf(cmd, flag) + 1];

    [Fact]
    public async Task Interface_cap_throttles_at_90_stops_at_100_survives_a_counter_reset_and_restores_on_the_reset_day()
    {
        using var box = new DockerSandbox("MAX_CLIENTS=50\nBANDWIDTH=5\n");
        using var veth = new CapVeth();
        box.Set("DATA_CAP_IFACE", veth.Host);
        Assert.False((await box.Ops().ScaleAsync(2, false, global::Conduit.Settings.HostFacts.Current(), default)).Failed);
        await DockerSandbox.WaitUntil(async () => (await box.Ops().SnapshotAsync(default)).Healthy == 2, "both nodes healthy");
        var keys = new[] { (await box.Ops().Data.ReadKeyAsync(1, default)).Content, (await box.Ops().Data.ReadKeyAsync(2, default)).Content };
        Assert.All(keys, Assert.NotNull);
        const string day4 = "2026-12-04T12:00:00Z";

        var r = Run(box, day4, "cap", "set", "0.01GB", "--reset-day", "5");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("count started", r.Stdout);
        Assert.Contains("resets 2026-12-05 (in 1 days)", r.Stdout);
        var start = veth.Counter();

        // ~10 MB across: between 90% and 100%. One check: running nodes recreated with half the clients and 1 Mbps.
        veth.PushUntil(start + (long)(Cap * 0.93));
        r = Run(box, day4, "cap", "check");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("90% of the data cap used: 2 nodes recreated with half the clients and 1 Mbps per client", r.Stdout);
        var shown = Show(box, day4);
        Assert.Equal("throttled", shown.GetProperty("nodes").GetString());
        Assert.InRange(shown.GetProperty("used_bytes").GetInt64(), (long)(Cap * 0.93), (long)(Cap * 0.99));
        for (var i = 1; i <= 2; i++)
        {
            var cmd = Command(box, i);
            Assert.Equal("25", After(cmd, "--max-common-clients"));
            Assert.Equal("1", After(cmd, "--bandwidth"));
            Assert.True(box.Inspect(box.Names.Container(i))!.State!.Running);
        }
        // A start while throttled keeps the throttled spec (nothing recreated back).
        Assert.Equal(0, Run(box, day4, "start").ExitCode);
        Assert.Equal("25", After(Command(box, 1), "--max-common-clients"));

        // ~1.1 MB more: past 100%. One check: nodes stopped, every start path refuses with the reset date.
        veth.PushUntil(start + (long)(Cap * 1.03));
        r = Run(box, day4, "cap", "check");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("data cap reached: 2 nodes stopped until 2026-12-05", r.Stdout);
        Assert.All(new[] { 1, 2 }, i => Assert.False(box.Inspect(box.Names.Container(i))!.State!.Running));
        Assert.True(File.Exists(StartGuard.DataCapFlag(box.Paths)));
        foreach (var args in new[] { new[] { "start" }, ["restart"], ["scale", "3"] })
        {
            r = Run(box, day4, args);
            Assert.True(r.ExitCode == 1, $"{args[0]}: {r}");
            Assert.Contains("refusing to start: data cap of 0.01 GB reached", r.Stderr);
            Assert.Contains("until the cap resets on 2026-12-05 (00:00 UTC)", r.Stderr);
        }
        Assert.Contains("CONTAINER_COUNT=2", File.ReadAllText(box.Paths.SettingsFile));
        await Assert.ThrowsAsync<global::Conduit.Platform.ConduitException>(() => box.Ops().StartOneAsync(1, restart: false, default));
        var used = Show(box, day4).GetProperty("used_bytes").GetInt64();
        Assert.True(used >= Cap, $"used {used}");

        // Nodes started behind conduit's back are stopped again by the next pass.
        await box.Docker.Containers.StartContainerAsync(box.Names.Container(1), new());
        r = Run(box, day4, "cap", "check");
        Assert.Contains("1 nodes started while the cap is reached were stopped again", r.Stdout);
        Assert.False(box.Inspect(box.Names.Container(1))!.State!.Running);

        // The veth is deleted and recreated (as a reboot resets counters): usage does not go down, the new traffic adds.
        used = Show(box, day4).GetProperty("used_bytes").GetInt64();
        veth.Recreate();
        veth.PushUntil(100_000);
        var fresh = veth.Counter();
        r = Run(box, day4, "cap", "check");
        Assert.True(r.ExitCode == 0, r.ToString());
        var after = Show(box, day4).GetProperty("used_bytes").GetInt64();
        Assert.InRange(after, used + fresh, used + fresh + 2_000);
        Assert.Equal("stopped", Show(box, day4).GetProperty("nodes").GetString());

        // The reset day passes: count restarts and the nodes come back by themselves with their normal spec.
        const string day5 = "2026-12-05T00:00:30Z";
        r = Run(box, day5, "cap", "check");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("new period from 2026-12-05", r.Stdout);
        Assert.Contains("nodes back to their normal spec: 2 of 2", r.Stdout);
        Assert.False(File.Exists(StartGuard.DataCapFlag(box.Paths)));
        Assert.False(File.Exists(StartGuard.ThrottleFile(box.Paths)));
        shown = Show(box, day5);
        Assert.Equal("normal", shown.GetProperty("nodes").GetString());
        Assert.InRange(shown.GetProperty("used_bytes").GetInt64(), 0, 2_000);
        Assert.Equal("2027-01-05T00:00:00Z", shown.GetProperty("next_reset").GetString());
        for (var i = 1; i <= 2; i++)
        {
            var cmd = Command(box, i);
            Assert.Equal("50", After(cmd, "--max-common-clients"));
            Assert.Equal("5", After(cmd, "--bandwidth"));
            Assert.True(box.Inspect(box.Names.Container(i))!.State!.Running);
            Assert.Equal(box.Ops().Spec(i).Hash, box.Inspect(box.Names.Container(i))!.Config!.Labels![ClusterNames.SpecHashLabel]);
        }
        // Keys and volumes were never touched.
        Assert.Equal(keys[0], (await box.Ops().Data.ReadKeyAsync(1, default)).Content);
        Assert.Equal(keys[1], (await box.Ops().Data.ReadKeyAsync(2, default)).Content);
        r = Run(box, day5, "cap", "show");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("2027-01-05 00:00 UTC (in 31 days)", r.Stdout);
        r = Run(box, day5, "status", "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        var cap = JsonDocument.Parse(r.Stdout).RootElement.GetProperty("data_cap");
        Assert.Equal(31, cap.GetProperty("days_to_reset").GetInt32());
        Assert.Equal("2027-01-05T00:00:00Z", cap.GetProperty("next_reset").GetString());
        Assert.Equal("normal", cap.GetProperty("nodes").GetString());
        Assert.False(cap.GetProperty("exceeded").GetBoolean());
    }

    [Fact]
    public async Task Nodes_source_counts_the_stand_in_nodes_byte_counters_and_remove_brings_them_back()
    {
        using var box = new DockerSandbox("MAX_CLIENTS=40\n");
        Assert.False((await box.Ops().ScaleAsync(1, false, global::Conduit.Settings.HostFacts.Current(), default)).Failed);
        await DockerSandbox.WaitUntil(async () => (await box.Ops().SnapshotAsync(default)).Healthy == 1, "node healthy");
        const string now = "2026-12-04T12:00:00Z";

        var r = Run(box, now, "cap", "set", "1GB", "--source", "nodes", "--action", "stop");
        Assert.True(r.ExitCode == 0, r.ToString());
        long Totals()
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(box.Paths.StateDir, "node-counters.json")));
            return doc.RootElement.GetProperty("nodes").EnumerateObject().Sum(n =>
                n.Value.GetProperty("offset_up").GetInt64() + n.Value.GetProperty("last_up").GetInt64() +
                n.Value.GetProperty("offset_down").GetInt64() + n.Value.GetProperty("last_down").GetInt64());
        }
        var atSet = Totals();
        // The stand-in's counters grow every 2 s tick.
        await Task.Delay(TimeSpan.FromSeconds(5));
        r = Run(box, now, "cap", "check");
        Assert.True(r.ExitCode == 0, r.ToString());
        var used = Show(box, now).GetProperty("used_bytes").GetInt64();
        Assert.True(used > 0, r.ToString());
        Assert.Equal(Totals() - atSet, used);
        Assert.Equal(JsonValueKind.Null, Show(box, now).GetProperty("interface").ValueKind);

        // A cap below what is used stops the node at once (set runs a pass); remove brings it back.
        r = Run(box, now, "cap", "set", "0.000001GB");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("data cap reached: 1 nodes stopped", r.Stdout);
        Assert.False(box.Inspect(box.Names.Container(1))!.State!.Running);
        Assert.Equal(1, Run(box, now, "start").ExitCode);
        var status = Run(box, now, "status", "--json");
        Assert.True(status.ExitCode == 0, status.ToString());
        var cap = JsonDocument.Parse(status.Stdout).RootElement.GetProperty("data_cap");
        Assert.True(cap.GetProperty("exceeded").GetBoolean());
        Assert.Equal("stopped", cap.GetProperty("nodes").GetString());

        // Raising the cap above the usage brings the node back; `cap reset` starts the count again.
        r = Run(box, now, "cap", "set", "1GB");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("nodes back to their normal spec: 1 of 1", r.Stdout);
        Assert.True(box.Inspect(box.Names.Container(1))!.State!.Running);
        r = Run(box, now, "cap", "reset");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("data cap count restarted", r.Stdout);
        Assert.InRange(Show(box, now).GetProperty("used_bytes").GetInt64(), 0, 200_000);

        // Stopped again; removing the cap brings the node back too.
        r = Run(box, now, "cap", "set", "0.000001GB");
        await DockerSandbox.WaitUntil(async () =>
        {
            r = Run(box, now, "cap", "check");
            await Task.Delay(500);
            return Show(box, now).GetProperty("nodes").GetString() == "stopped";
        }, "the node stopped again", seconds: 30);
        Assert.False(box.Inspect(box.Names.Container(1))!.State!.Running);
        r = Run(box, now, "cap", "remove");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("nodes back to their normal spec: 1 of 1", r.Stdout);
        Assert.True(box.Inspect(box.Names.Container(1))!.State!.Running);
        Assert.False(File.Exists(StartGuard.DataCapFlag(box.Paths)));
        Assert.False(File.Exists(Path.Combine(box.Paths.StateDir, CapState.FileName)));
        Assert.Contains("DATA_CAP_GB=0\n", File.ReadAllText(box.Paths.SettingsFile));
    }
}
