using System.Diagnostics;
using System.Text.Json;
using Conduit.Host.Tuning;
using Conduit.Tests.Support;

namespace Conduit.Tests.Host;

/// <summary>Kernel tuning against a temp /proc/sys and temp /etc, plus one real round trip in a network namespace.</summary>
public sealed class TuningTests
{
    static readonly Dictionary<string, string> Host = new()
    {
        ["net/core/somaxconn"] = "4096",
        ["net/ipv4/tcp_max_syn_backlog"] = "2048",
        ["net/core/netdev_max_backlog"] = "1000",
        ["fs/file-max"] = "9223372036854775807",       // far above the seed's 524288: must be kept
        ["net/core/default_qdisc"] = "pfifo_fast",
        ["net/ipv4/tcp_congestion_control"] = "cubic",
        ["net/ipv4/tcp_fastopen"] = "1",
        ["net/ipv4/tcp_mem"] = "100\t2000000\t300",     // middle element higher than the seed's
        ["net/core/rmem_max"] = "212992",
        ["net/core/wmem_max"] = "212992",
        ["net/ipv4/tcp_fin_timeout"] = "10",            // already shorter than 15: kept
        ["net/ipv4/tcp_tw_reuse"] = "2",
        // no net/netfilter: the conntrack module is not loaded
    };

    static string MakeProc(TempRoot root)
    {
        var proc = root.Combine("proc", "sys");
        foreach (var (key, value) in Host) root.Write(Path.Combine("proc", "sys", key), value + "\n");
        return proc;
    }

    static string Read(string proc, string key) => File.ReadAllText(Path.Combine(proc, key)).Trim();

    static Dictionary<string, string> Snapshot(string dir) =>
        Directory.GetFiles(dir, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllText);

    [Fact]
    public void Apply_raises_low_values_keeps_better_ones_and_skips_missing_keys()
    {
        using var root = new TempRoot();
        var proc = MakeProc(root);
        var r = ConduitProcess.RunIn(root, "tune", "apply", "--proc-sys", proc, "--json");
        Assert.True(r.ExitCode == 0, r.ToString());

        Assert.Equal("8192", Read(proc, "net/core/somaxconn"));
        Assert.Equal("8192", Read(proc, "net/ipv4/tcp_max_syn_backlog"));
        Assert.Equal("5000", Read(proc, "net/core/netdev_max_backlog"));
        Assert.Equal("9223372036854775807", Read(proc, "fs/file-max"));
        Assert.Equal("fq", Read(proc, "net/core/default_qdisc"));
        Assert.Equal("bbr", Read(proc, "net/ipv4/tcp_congestion_control"));
        Assert.Equal("3", Read(proc, "net/ipv4/tcp_fastopen"));
        Assert.Equal("786432 2000000 26777216", Read(proc, "net/ipv4/tcp_mem")); // element-wise: no part lowered
        Assert.Equal("134217728", Read(proc, "net/core/rmem_max"));
        Assert.Equal("10", Read(proc, "net/ipv4/tcp_fin_timeout"));
        Assert.Equal("1", Read(proc, "net/ipv4/tcp_tw_reuse"));
        Assert.False(Directory.Exists(Path.Combine(proc, "net", "netfilter")));

        using var json = JsonDocument.Parse(r.Stdout);
        var status = json.RootElement.GetProperty("keys").EnumerateArray()
            .ToDictionary(k => k.GetProperty("key").GetString()!, k => k.GetProperty("status").GetString());
        Assert.Equal("missing", status["net.netfilter.nf_conntrack_max"]);
        Assert.Equal("kept", status["fs.file-max"]);
        Assert.Equal("kept", status["net.ipv4.tcp_fin_timeout"]);
        Assert.Equal("change", status["net.core.somaxconn"]);

        var sysctl = File.ReadAllText(root.Combine("etc", "sysctl.d", "99-conduit-cluster.conf"));
        Assert.Contains("\nnet.core.somaxconn = 8192\n", sysctl);
        Assert.Contains("\nnet.core.default_qdisc = fq\n", sysctl);
        Assert.Contains("\nnet.ipv4.tcp_mem = 786432 2000000 26777216\n", sysctl);
        // A boot-time file must never lower what the host has, nor name keys the kernel lacks.
        Assert.DoesNotContain("\nfs.file-max =", sysctl);
        Assert.DoesNotContain("\nnet.ipv4.tcp_fin_timeout =", sysctl);
        Assert.DoesNotContain("\nnet.netfilter.nf_conntrack_max =", sysctl);
        Assert.Contains("# net.netfilter.nf_conntrack_max: skipped", sysctl);

        var limits = File.ReadAllText(root.Combine("etc", "security", "limits.d", "99-conduit.conf"));
        Assert.Contains("*     soft nofile 262144\n", limits);
        Assert.Contains("*     hard nofile 524288\n", limits);
        Assert.Contains("root  hard nofile 524288\n", limits);
        Assert.False(File.Exists(root.Combine("etc", "security", "limits.conf")));
    }

    [Fact]
    public void Applying_twice_changes_nothing_and_revert_restores_exactly_the_previous_values()
    {
        using var root = new TempRoot();
        var proc = MakeProc(root);
        var original = Snapshot(proc);
        Assert.Equal(0, ConduitProcess.RunIn(root, "tune", "apply", "--proc-sys", proc).ExitCode);
        var etc = root.Combine("etc");
        var state = root.Combine("opt", "conduit", "state", "tune.json");
        var (procAfter, etcAfter, stateAfter) = (Snapshot(proc), Snapshot(etc), File.ReadAllText(state));
        var stamps = Directory.GetFiles(etc, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc);

        var r = ConduitProcess.RunIn(root, "tune", "apply", "--proc-sys", proc, "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        using (var json = JsonDocument.Parse(r.Stdout))
            Assert.DoesNotContain(json.RootElement.GetProperty("keys").EnumerateArray(), k => k.GetProperty("status").GetString() == "change");
        Assert.Equal(procAfter, Snapshot(proc));
        Assert.Equal(etcAfter, Snapshot(etc));
        Assert.Equal(stateAfter, File.ReadAllText(state));
        Assert.All(stamps, s => Assert.Equal(s.Value, File.GetLastWriteTimeUtc(s.Key)));

        // check lists what conduit changed and changes nothing itself
        r = ConduitProcess.RunIn(root, "tune", "check", "--proc-sys", proc);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("recorded: net.core.somaxconn was 4096, set to 8192", r.Stdout);
        Assert.Contains("99-conduit-cluster.conf (created)", r.Stdout);

        // An admin changes one value afterwards: revert leaves that one alone.
        File.WriteAllText(Path.Combine(proc, "net/core/rmem_max"), "999999999\n");
        r = ConduitProcess.RunIn(root, "tune", "revert", "--proc-sys", proc);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("net.core.rmem_max: now 999999999, changed since conduit set 134217728; left alone", r.Stdout);
        var restored = Snapshot(proc);
        restored[Path.Combine(proc, "net/core/rmem_max")] = original[Path.Combine(proc, "net/core/rmem_max")];
        Assert.Equal(original.ToDictionary(kv => kv.Key, kv => SysctlWant.Normalize(kv.Value)), restored.ToDictionary(kv => kv.Key, kv => SysctlWant.Normalize(kv.Value)));
        Assert.Empty(Directory.GetFiles(etc, "*", SearchOption.AllDirectories));
        Assert.False(File.Exists(state));
    }

    [Fact]
    public void Dry_run_changes_nothing_and_higher_limits_elsewhere_are_kept()
    {
        using var root = new TempRoot();
        var proc = MakeProc(root);
        var original = Snapshot(proc);
        var r = ConduitProcess.RunIn(root, "tune", "apply", "--proc-sys", proc, "--dry-run");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("would be written", r.Stdout);
        Assert.Equal(original, Snapshot(proc));
        Assert.False(Directory.Exists(root.Combine("etc")));
        Assert.False(Directory.Exists(root.Combine("opt", "conduit", "state")));

        root.Write("etc/security/limits.d/10-big.conf", "*  hard  nofile  1048576\nroot - nofile unlimited\n");
        r = ConduitProcess.RunIn(root, "tune", "apply", "--proc-sys", proc);
        Assert.Equal(0, r.ExitCode);
        var limits = File.ReadAllText(root.Combine("etc", "security", "limits.d", "99-conduit.conf"));
        Assert.Contains("*     hard nofile 1048576\n", limits);
        Assert.Contains("*     soft nofile 262144\n", limits);
        Assert.Contains("root  soft nofile unlimited\n", limits);
        Assert.Contains("root  hard nofile unlimited\n", limits);
        // revert removes only conduit's file
        Assert.Equal(0, ConduitProcess.RunIn(root, "tune", "revert", "--proc-sys", proc).ExitCode);
        Assert.True(File.Exists(root.Combine("etc", "security", "limits.d", "10-big.conf")));
        Assert.False(File.Exists(root.Combine("etc", "security", "limits.d", "99-conduit.conf")));
    }

    [Fact]
    public void Tuning_a_subset_keeps_the_other_boot_time_lines()
    {
        using var root = new TempRoot();
        var proc = MakeProc(root);
        Assert.Equal(0, ConduitProcess.RunIn(root, "tune", "apply", "--proc-sys", proc).ExitCode);
        var file = root.Combine("etc", "sysctl.d", "99-conduit-cluster.conf");
        var full = File.ReadAllText(file);
        File.WriteAllText(Path.Combine(proc, "net/core/somaxconn"), "100\n");
        var r = ConduitProcess.RunIn(root, "tune", "apply", "--proc-sys", proc, "--only", "net.core.somaxconn");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("8192", Read(proc, "net/core/somaxconn"));
        var after = File.ReadAllText(file);
        foreach (var line in full.Split('\n').Where(l => l.Contains(" = ")))
            Assert.Contains(line + "\n", after);
    }

    [Fact]
    public void Unknown_only_key_is_a_usage_error()
    {
        using var root = new TempRoot();
        var r = ConduitProcess.RunIn(root, "tune", "check", "--proc-sys", MakeProc(root), "--only", "vm.swappiness");
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("conduit: --only: 'vm.swappiness' is not one of the tuned keys", r.Stderr);
    }

    [Theory]
    [InlineData("8192", TuneRule.AtLeast, "4096", "8192")]
    [InlineData("8192", TuneRule.AtLeast, "10000", null)]
    [InlineData("15", TuneRule.AtMost, "60", "15")]
    [InlineData("15", TuneRule.AtMost, "5", null)]
    [InlineData("3", TuneRule.Bits, "1", "3")]
    [InlineData("3", TuneRule.Bits, "1027", null)]
    [InlineData("1 5 3", TuneRule.AtLeastEach, "2 4 6", "2 5 6")]
    [InlineData("1 5 3", TuneRule.AtLeastEach, "2\t5\t6", null)]
    [InlineData("bbr", TuneRule.Exact, "cubic", "bbr")]
    [InlineData("bbr", TuneRule.Exact, "bbr", null)]
    public void Rules_never_make_a_better_host_value_worse(string wanted, TuneRule rule, string host, string? expected)
    {
        Assert.Equal(expected, new SysctlWant("k", wanted, rule).Target(host, out _));
    }

    /// <summary>
    /// The real thing: per-namespace keys written through the real /proc/sys inside a network namespace this
    /// test creates (the host's own values are untouched), then checked and reverted.
    /// </summary>
    [Fact]
    public void Apply_check_revert_round_trip_in_a_fresh_network_namespace()
    {
        using var root = new TempRoot();
        var ns = $"conduit-tune-{Guid.NewGuid():N}"[..24];
        var hostSomaxconn = File.ReadAllText("/proc/sys/net/core/somaxconn");
        Assert.True(Run("ip", "netns", "add", ns).ExitCode == 0);
        try
        {
            string InNs(string key) => Run("ip", "netns", "exec", ns, "cat", "/proc/sys/" + key).Stdout.Trim();
            var before = (InNs("net/core/somaxconn"), InNs("net/ipv4/tcp_fin_timeout"));
            Assert.Equal(("4096", "60"), before); // a fresh namespace starts from the kernel defaults

            RunResult Tune(params string[] args) => Run(["ip", "netns", "exec", ns, ConduitProcess.Binary, "tune", .. args,
                "--only", "net.core.somaxconn,net.ipv4.tcp_fin_timeout"], root);
            var r = Tune("apply");
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal(("8192", "15"), (InNs("net/core/somaxconn"), InNs("net/ipv4/tcp_fin_timeout")));
            Assert.Equal(hostSomaxconn, File.ReadAllText("/proc/sys/net/core/somaxconn"));
            var file = File.ReadAllText(root.Combine("etc", "sysctl.d", "99-conduit-cluster.conf"));
            Assert.Contains("net.core.somaxconn = 8192\n", file);
            Assert.Contains("net.ipv4.tcp_fin_timeout = 15\n", file);

            r = Tune("check", "--json");
            Assert.Equal(0, r.ExitCode);
            using (var json = JsonDocument.Parse(r.Stdout))
                Assert.All(json.RootElement.GetProperty("keys").EnumerateArray(), k => Assert.Equal("ok", k.GetProperty("status").GetString()));

            r = Tune("revert");
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal(before, (InNs("net/core/somaxconn"), InNs("net/ipv4/tcp_fin_timeout")));
        }
        finally
        {
            Run("ip", "netns", "del", ns);
        }
    }

    static RunResult Run(params string[] args) => Run(args, null);

    static RunResult Run(string[] args, TempRoot? root)
    {
        var psi = new ProcessStartInfo(args[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args.Skip(1)) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        if (root is not null)
        {
            psi.Environment["CONDUIT_SYSROOT"] = root.Path;
            psi.Environment["CONDUIT_HOME"] = root.Combine("opt", "conduit");
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60))) p.Kill(entireProcessTree: true);
        p.WaitForExit();
        return new RunResult(p.ExitCode, stdout.Result, stderr.Result);
    }
}
