using System.Net;
using System.Net.Sockets;
using Conduit.Tests.Support;

namespace Conduit.Tests.Tracking;

/// <summary>The tracker's status endpoint address: a taken port fails at once, and the tracker exits.</summary>
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
}
