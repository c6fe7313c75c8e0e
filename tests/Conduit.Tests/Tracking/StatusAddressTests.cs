using System.Net;
using System.Net.Sockets;
using Conduit.Tests.Support;

namespace Conduit.Tests.Tracking;

/// <summary>The tracker's status endpoint address: a taken port fails at once, bad and public addresses are refused.</summary>
public class StatusAddressTests
{
    static string SmallCapture(TempRoot root)
    {
        var file = root.Combine("small.pcap");
        using var w = new PcapWriter(file, 1);
        w.Write(Frames.Ethernet(Frames.Ipv4("8.8.8.8", "203.0.113.10", Frames.Udp, 100)));
        return file;
    }

    [Fact]
    public void A_taken_metrics_port_fails_with_one_line_and_exit_1_instead_of_hanging()
    {
        using var root = new TempRoot();
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        string addr = $"127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";
        var run = ConduitProcess.Run(["track", "--read", SmallCapture(root), "--json", "--once", "--metrics-addr", addr],
            new Dictionary<string, string?> { ["CONDUIT_HOME"] = root.Combine("opt", "conduit") }, timeout: TimeSpan.FromSeconds(30));
        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"conduit: cannot listen on {addr}: in use", run.Stderr.Trim());
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public void A_second_tracker_service_on_a_taken_status_port_fails_instead_of_hanging()
    {
        using var root = new TempRoot();
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        string addr = $"127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";
        root.Write("opt/conduit/settings.conf", $"TRACK_STATUS_ADDR={addr}\n");
        var run = ConduitProcess.Run(["track", "--service", "-i", "lo", "--backend", "pcap"],
            new Dictionary<string, string?> { ["CONDUIT_HOME"] = root.Combine("opt", "conduit") }, timeout: TimeSpan.FromSeconds(30));
        Assert.Equal(1, run.ExitCode);
        Assert.EndsWith($"conduit: cannot listen on {addr}: in use", run.Stderr.Trim());
    }

    static RunResult RunWithHome(TempRoot root, params string[] args) =>
        ConduitProcess.Run(args, new Dictionary<string, string?> { ["CONDUIT_HOME"] = root.Combine("opt", "conduit") }, timeout: TimeSpan.FromSeconds(30));

    [Theory]
    [InlineData("garbage")]
    [InlineData("127.0.0.1:99999")]
    [InlineData("127.0.0.1:0")]
    [InlineData("127.1:9479")]
    public void A_bad_status_address_setting_is_refused(string value)
    {
        using var root = new TempRoot();
        var set = RunWithHome(root, "settings", "set", "TRACK_STATUS_ADDR", value);
        Assert.Equal(2, set.ExitCode);
        Assert.Contains("TRACK_STATUS_ADDR", set.Stderr);
        var metrics = RunWithHome(root, "track", "--read", SmallCapture(root), "--json", "--once", "--metrics-addr", value);
        Assert.Equal(2, metrics.ExitCode);
        Assert.Equal($"conduit: --metrics-addr: '{value}' is not HOST:PORT with a port 1..65535 (e.g. 127.0.0.1:9479)", metrics.Stderr.Trim());
    }

    [Fact]
    public void A_public_listen_address_needs_the_public_switch()
    {
        using var root = new TempRoot();
        var capture = SmallCapture(root);
        var refused = RunWithHome(root, "track", "--read", capture, "--json", "--once", "--metrics-addr", "0.0.0.0:19479");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--metrics-addr: 0.0.0.0:19479 is not a loopback address", refused.Stderr);
        Assert.Contains("--metrics-public", refused.Stderr);
        Assert.Equal("", refused.Stdout);

        Assert.Equal(0, RunWithHome(root, "settings", "set", "TRACK_STATUS_ADDR", "0.0.0.0:19479").ExitCode);
        var service = RunWithHome(root, "track", "--service", "-i", "lo", "--backend", "pcap");
        Assert.Equal(2, service.ExitCode);
        Assert.Contains("TRACK_STATUS_ADDR: 0.0.0.0:19479 is not a loopback address", service.Stderr);
        Assert.Contains("TRACK_STATUS_PUBLIC=true", service.Stderr);

        using var free = new TcpListener(IPAddress.Loopback, 0);
        free.Start();
        int port = ((IPEndPoint)free.LocalEndpoint).Port;
        free.Stop();
        var allowed = RunWithHome(root, "track", "--read", capture, "--json", "--once", "--metrics-addr", $"0.0.0.0:{port}", "--metrics-public");
        Assert.True(allowed.ExitCode == 0, allowed.ToString());
        Assert.Contains("\"packets\":1,", allowed.Stdout);
    }

    [Theory]
    [InlineData("010.010.010.010")]
    [InlineData("8.8.8")]
    [InlineData("0x08.8.8.8")]
    [InlineData("134744072")]
    [InlineData("8.8.8.256")]
    public void Only_dotted_quad_ipv4_is_an_address(string text)
    {
        using var root = new TempRoot();
        var lookup = RunWithHome(root, "geoip", "lookup", text);
        Assert.Equal(2, lookup.ExitCode);
        Assert.Contains($"'{text}' is not an IP address", lookup.Stderr);
        var local = RunWithHome(root, "track", "--read", SmallCapture(root), "--json", "--once", "--local", text);
        Assert.Equal(2, local.ExitCode);
        Assert.Contains(text, local.Stderr);
    }

    [Fact]
    public void Dotted_quads_and_ipv6_still_look_up()
    {
        using var root = new TempRoot();
        var lookup = RunWithHome(root, "geoip", "lookup", "--json", "8.8.8.8", "0.0.0.0", "2a00:1450::1");
        Assert.True(lookup.ExitCode == 0, lookup.ToString());
        Assert.Contains("\"ip\": \"8.8.8.8\"", lookup.Stdout);
        Assert.Contains("\"ip\": \"2a00:1450::1\"", lookup.Stdout);
    }
}
