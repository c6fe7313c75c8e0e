using Conduit.Doctor;
using Conduit.Settings;
using Conduit.Tests.Cluster;

namespace Conduit.Tests.Doctor;

public class DoctorTests
{
    static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    static string Page(int live, int announcing, int connected, long idleSeconds, int common = 250, int personal = 0, long bps = 375000) => $"""
        # TYPE conduit_announcing gauge
        conduit_announcing {announcing}
        # TYPE conduit_connecting_clients gauge
        conduit_connecting_clients 0
        # TYPE conduit_connected_clients gauge
        conduit_connected_clients {connected}
        # TYPE conduit_is_live gauge
        conduit_is_live {live}
        conduit_max_common_clients {common}
        conduit_max_personal_clients {personal}
        conduit_bandwidth_limit_bytes_per_second {bps}
        conduit_idle_seconds {idleSeconds}

        """;

    static NodeFacts Facts(string? page, string network = "host", TimeSpan? keyAge = null, int nodesPerIp = 1) =>
        new(1, "conduit", "running", page, page is null ? "http://127.0.0.1:9501/metrics did not answer" : null,
            Now - (keyAge ?? TimeSpan.FromDays(30)), network, [new PublicAddress("203.0.113.7", nodesPerIp)], null, false);

    static Finding Of(IReadOnlyList<Finding> findings, string check) => Assert.Single(findings, f => f.Check == check);

    [Fact]
    public void A_live_busy_node_with_an_old_key_in_host_mode_is_fine()
    {
        var f = NodeDiagnosis.Diagnose(Facts(Page(live: 1, announcing: 2, connected: 9, idleSeconds: 0)), Now);
        Assert.Equal(Verdict.Ok, Of(f, "live").Verdict);
        Assert.Equal(Verdict.Ok, Of(f, "announcing").Verdict);
        Assert.Equal(Verdict.Ok, Of(f, "idle").Verdict);
        Assert.Equal(Verdict.Ok, Of(f, "key age").Verdict);
        Assert.Equal(Verdict.Ok, Of(f, "networking").Verdict);
        Assert.Equal("limits in force: max 250 common + 0 personal clients, 3 Mbps per client", Of(f, "limits").Fact);
        Assert.DoesNotContain(f, x => x.Verdict is Verdict.Warn or Verdict.Fail);
    }

    [Fact]
    public void A_node_idle_for_a_day_is_warned_about_without_advice_to_regenerate_its_key()
    {
        var f = NodeDiagnosis.Diagnose(Facts(Page(live: 1, announcing: 0, connected: 0, idleSeconds: 90000)), Now);
        var idle = Of(f, "idle");
        Assert.Equal(Verdict.Warn, idle.Verdict);
        Assert.Equal("idle for 1d 1h (no client traffic)", idle.Fact);
        Assert.Contains("never regenerate the key", idle.Advice);
        Assert.Equal(Verdict.Warn, Of(f, "announcing").Verdict);
    }

    [Fact]
    public void A_new_key_is_explained_as_the_likely_reason()
    {
        var f = NodeDiagnosis.Diagnose(Facts(Page(1, 0, 0, 7200), keyAge: TimeSpan.FromHours(5)), Now);
        var key = Of(f, "key age");
        Assert.Equal(Verdict.Warn, key.Verdict);
        Assert.Equal("key is new (5h 0m old)", key.Fact);
        Assert.Contains("never regenerate it", key.Advice);
        Assert.Equal(Verdict.Info, Of(f, "idle").Verdict);
    }

    [Fact]
    public void Bridge_mode_adds_a_nat_layer_and_shared_ips_are_explained()
    {
        var f = NodeDiagnosis.Diagnose(Facts(Page(1, 1, 1, 0), network: "bridge", nodesPerIp: 8), Now);
        Assert.Equal(Verdict.Warn, Of(f, "networking").Verdict);
        Assert.Contains("NAT", Of(f, "networking").Fact);
        var ip = Of(f, "public IP");
        Assert.Equal("203.0.113.7 used by 8 nodes", ip.Fact);
        Assert.Contains("rate-limits per IP", ip.Advice);
    }

    [Fact]
    public void A_node_that_is_not_live_or_not_answering_fails_or_warns()
    {
        var dead = NodeDiagnosis.Diagnose(Facts(Page(0, 0, 0, 0)), Now);
        Assert.Equal(Verdict.Fail, Of(dead, "live").Verdict);
        var silent = NodeDiagnosis.Diagnose(Facts(null), Now);
        Assert.Equal(Verdict.Warn, Of(silent, "metrics").Verdict);
        Assert.DoesNotContain(silent, x => x.Check == "live");
        var stopped = NodeDiagnosis.Diagnose(Facts(null) with { State = "exited" }, Now);
        Assert.Equal(Verdict.Fail, Of(stopped, "running").Verdict);
    }

    [Fact]
    public void Only_global_addresses_count_as_public()
    {
        Assert.True(DoctorOperations.IsPublic(System.Net.IPAddress.Parse("203.0.113.7")));
        Assert.True(DoctorOperations.IsPublic(System.Net.IPAddress.Parse("2001:db8::1")));
        foreach (var a in new[] { "10.1.2.3", "172.17.0.1", "192.168.1.1", "100.64.0.1", "127.0.0.1", "169.254.1.1", "fe80::1", "fd00::1", "::1" })
            Assert.False(DoctorOperations.IsPublic(System.Net.IPAddress.Parse(a)), a);
    }

    [Fact]
    public async Task Doctor_reads_a_running_stand_in_node()
    {
        using var box = new DockerSandbox();
        Assert.False((await box.Ops().ScaleAsync(1, false, HostFacts.Current(), default)).Failed);
        await DockerSandbox.WaitUntil(async () =>
        {
            try { return (await new HttpClient().GetStringAsync($"http://127.0.0.1:{box.MetricsPortBase + 1}/metrics")).Contains("conduit_is_live"); }
            catch (HttpRequestException) { return false; }
        }, "the node's metrics");
        var r = box.Conduit("doctor", "1");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains($"Node 1 ({box.Instance}): running", r.Stdout);
        Assert.Contains("OK   live", r.Stdout);
        Assert.Contains("WARN key age", r.Stdout); // the volume was just created
        Assert.Contains("OK   networking    host networking", r.Stdout);
        var json = box.Conduit("doctor", "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        using var doc = System.Text.Json.JsonDocument.Parse(json.Stdout);
        var findings = doc.RootElement.GetProperty("nodes")[0].GetProperty("findings");
        Assert.Contains(findings.EnumerateArray(), x => x.GetProperty("check").GetString() == "live" && x.GetProperty("verdict").GetString() == "ok");
        var missing = box.Conduit("doctor", "5");
        Assert.Equal(2, missing.ExitCode);
    }
}
