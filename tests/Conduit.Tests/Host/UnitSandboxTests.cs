using System.Text.Json;
using Conduit.Tests.Support;
using Conduit.Tests.Tracking;

namespace Conduit.Tests.Host;

/// <summary>
/// The units `services install` writes, run in their own sandbox (<see cref="UnitSandbox"/>): the tracker must
/// capture and keep its state with exactly the capabilities and writable paths its unit gives it. The install
/// root is made under /var/lib, because the unit's PrivateTmp= hides whatever is in /tmp.
/// </summary>
public sealed class UnitSandboxTests
{
    const int SigTerm = 15;

    static (TempRoot Root, string Unit) Installed(string unit)
    {
        var root = new TempRoot("conduit-unit", "/var/lib");
        var r = ConduitProcess.RunIn(root, "services", "install", "--mode", "systemd");
        Assert.True(r.ExitCode == 0, r.ToString());
        return (root, File.ReadAllText(root.Combine("etc", "systemd", "system", unit)));
    }

    /// <summary>The sandbox is not a no-op: outside the writable paths nothing can be written, /tmp is private,
    /// and the bounding set is the unit's.</summary>
    [Fact]
    public void The_emulated_tracker_sandbox_confines_like_systemd()
    {
        var (root, unit) = Installed("conduit-tracker.service");
        using var _ = root;
        using var outside = new TempRoot();
        var home = root.Combine("opt", "conduit");
        var probe = Sandboxed(UnitSandbox.Wrapper(unit), "sh", "-c",
            $"touch {home}/ok && echo home-writable; touch /run/probe-$$ 2>/dev/null || echo run-readonly; " +
            $"touch /usr/probe-$$ 2>/dev/null || echo usr-readonly; [ -e {outside.Path} ] || echo tmp-private; " +
            "grep CapBnd /proc/self/status; grep NoNewPrivs /proc/self/status");
        Assert.True(probe.ExitCode == 0, probe.ToString());
        Assert.Equal(
            ["home-writable", "run-readonly", "usr-readonly", "tmp-private",
             // CAP_NET_ADMIN 12, CAP_NET_RAW 13, CAP_PERFMON 38, CAP_BPF 39
             "CapBnd:\t000000c000003000", "NoNewPrivs:\t1"],
            probe.Stdout.Trim().Split('\n'));
    }

    /// <summary>On a real host this unit's ProtectSystem=strict makes /run read-only: the eBPF backend took its
    /// lock in /run/conduit and exited 1 ("Read-only file system"). Both backends must count there.</summary>
    [Theory]
    [InlineData("ebpf")]
    [InlineData("pcap")]
    public void The_tracker_service_counts_inside_its_units_sandbox(string backend)
    {
        var (root, unit) = Installed("conduit-tracker.service");
        using var _ = root;
        var home = root.Combine("opt", "conduit");
        using var net = new NetnsPair(["8.8.8.8"]);
        using var sink = Traffic.UdpSink(net.LocalNs, 5004);
        using var track = TrackProcess.Under(UnitSandbox.Wrapper(unit), net.LocalNs, home,
            "track", "--service", "--interface", net.LocalInterface, "--backend", backend, "--flush-seconds", "1");
        var started = DateTime.UtcNow.AddSeconds(30);
        while (!track.Stderr.Contains($"backend {backend} on {net.LocalInterface}", StringComparison.Ordinal))
        {
            if (track.HasExited) Assert.Fail($"exit {track.WaitForExit(TimeSpan.FromSeconds(5)).ExitCode}: {track.Stderr}");
            Assert.True(DateTime.UtcNow < started, $"never started: {track.Stderr}");
            Thread.Sleep(50);
        }
        Traffic.Udp(net.RemoteNs, "8.8.8.8", 5004, datagrams: 40, payload: 60);
        track.Signal(SigTerm);
        var (code, _) = track.WaitForExit(TimeSpan.FromSeconds(30));
        Assert.True(code == 0, $"exit {code}: {track.Stderr}");
        var state = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(home, "traffic_stats", "tracker.json"))).RootElement;
        Assert.Equal(40UL, state.GetProperty("packets").GetUInt64());
    }

    static RunResult Sandboxed(string[] wrapper, params string[] command)
    {
        var r = Conduit.Platform.ProcessRunner.Run(wrapper[0], [.. wrapper[1..], .. command], TimeSpan.FromSeconds(30));
        return new RunResult(r.ExitCode, r.Stdout, r.Stderr);
    }
}
