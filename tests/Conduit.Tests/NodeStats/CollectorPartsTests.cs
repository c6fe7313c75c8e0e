using System.Text;
using Conduit.NodeStats;
using Conduit.Settings;
using Conduit.Tests.Support;

namespace Conduit.Tests.NodeStats;

public class CollectorPartsTests
{
    // The tracker service's /snapshot body, as its JSON contract (tracker issue) writes it.
    const string TrackerSnapshot = """
        {"time":"2026-02-20T14:41:04Z","uptime_seconds":3725.5,"backend":"pcap","source":"eth0","packets":123456,"bytes":99999,
         "malformed":0,"dropped":0,"not_ip":0,"unattributed":{"packets":0,"bytes":0},"packets_per_second":10.5,
         "bytes_in_per_second":1000,"bytes_out_per_second":2000,"ips_held":3,"ips_folded":0,
         "countries":[
           {"code":"IR","name":"Iran","bytes_in":5000,"bytes_out":90000,"packets_in":10,"packets_out":20,"ips":7,"active_ips":2,"bytes_in_per_second":100.5,"bytes_out_per_second":900},
           {"code":"DE","name":"Germany","bytes_in":300,"bytes_out":20,"packets_in":3,"packets_out":1,"ips":2,"active_ips":0,"bytes_in_per_second":0,"bytes_out_per_second":0}],
         "reserved":{"code":"--","name":"Reserved","bytes_in":1,"bytes_out":1,"packets_in":1,"packets_out":1,"ips":1,"active_ips":1,"bytes_in_per_second":0,"bytes_out_per_second":0}}
        """;

    [Fact]
    public void Tracker_snapshot_contract_maps_to_countries_and_totals()
    {
        var t = TrackerReader.Parse(Encoding.UTF8.GetBytes(TrackerSnapshot));
        Assert.True(t.Running);
        Assert.Equal("running for 1h 2m", t.Detail);
        Assert.Equal(123456, t.Packets);
        // The totals `track` shows: countries and the reserved bucket (it is no country, but it is traffic).
        Assert.Equal(5301, t.BytesIn);
        Assert.Equal(90021, t.BytesOut);
        Assert.Equal(10, t.UniqueIps);
        Assert.DoesNotContain(t.Countries, c => c.Code == "--");
        Assert.Equal(new TrackerCountry("IR", "Iran", 5000, 90000, 100.5, 900, 7), t.Countries[0]);
        Assert.Equal("DE", t.Countries[1].Code);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{\"countries\":{}}")]
    [InlineData("{\"countries\":[{\"name\":\"no code\"}]}")]
    [InlineData("not json")]
    public void Bad_tracker_answers_are_format_errors(string json) =>
        Assert.Throws<FormatException>(() => TrackerReader.Parse(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public async Task A_closed_tracker_port_means_not_running()
    {
        using var http = NodeScraper.CreateClient(TimeSpan.FromSeconds(2));
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now
        var t = await TrackerReader.ReadAsync(http, $"127.0.0.1:{port}", CancellationToken.None);
        Assert.False(t.Running);
        Assert.Equal("tracker not running", t.Detail);
    }

    [Fact]
    public void Container_cpu_percent_follows_docker_stats()
    {
        var a = new ContainerUsageSample(DateTimeOffset.UnixEpoch, 1_000_000_000, 100_000_000_000, 2, 0, null);
        // 0.5 s of container CPU while the host's 2 CPUs accumulated 2 s: 25% of the host = 50% of one core.
        var b = a with { CpuTotalNs = 1_500_000_000, SystemCpuNs = 102_000_000_000 };
        Assert.Equal(50, SnapshotCollector.CpuPercent(a, b)!.Value, 6);
        Assert.Null(SnapshotCollector.CpuPercent(b, a)); // counters went back: container restarted
    }

    [Fact]
    public void Data_cap_usage_uses_the_v1_formula()
    {
        using var root = new TempRoot();
        root.Write("sys/class/net/eth1/statistics/rx_bytes", "5000000000\n");
        root.Write("sys/class/net/eth1/statistics/tx_bytes", "3000000000\n");
        var file = SettingsFile.Parse("settings.conf", Encoding.UTF8.GetBytes(
            "DATA_CAP_GB=5\nDATA_CAP_IFACE=eth1\nDATA_CAP_BASELINE_RX=1000000000\nDATA_CAP_BASELINE_TX=500000000\nDATA_CAP_PRIOR_USAGE=250\n"));
        var settings = ConduitSettings.FromFile(file, new HostFacts(2, 4L << 30));
        var host = new HostResources(root.Combine("proc"), root.Combine("sys"));
        var cap = SnapshotCollector.DataCap(settings, host, host.Sample(DateTimeOffset.UnixEpoch, "eth0"));
        Assert.Equal(5L << 30, cap.CapBytes);
        Assert.Equal(4_000_000_000L + 2_500_000_000L + 250, cap.UsedBytes);
        Assert.Equal("eth1", cap.Interface);
        Assert.True(cap.Exceeded);

        var off = SnapshotCollector.DataCap(ConduitSettings.FromFile(SettingsFile.Empty("s"), new HostFacts(2, 4L << 30)), host, host.Sample(DateTimeOffset.UnixEpoch));
        Assert.False(off.Enabled);
    }
}
