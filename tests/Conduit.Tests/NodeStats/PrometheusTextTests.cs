using Conduit.NodeStats;

namespace Conduit.Tests.NodeStats;

public class PrometheusTextTests
{
    // Shape of a real 2.0 node's page: HELP/TYPE for every family, region series with both scopes, go_/process_.
    internal const string NodePage = """
        # HELP conduit_announcing Number of announcements in flight
        # TYPE conduit_announcing gauge
        conduit_announcing 2
        # HELP conduit_bandwidth_limit_bytes_per_second Bandwidth limit per client
        # TYPE conduit_bandwidth_limit_bytes_per_second gauge
        conduit_bandwidth_limit_bytes_per_second 5e+06
        # HELP conduit_build_info Build information
        # TYPE conduit_build_info gauge
        conduit_build_info{build_repo="github.com/Psiphon-Inc/conduit",build_rev="abc123",go_version="go1.24.1",version="2.0.0"} 1
        # HELP conduit_bytes_downloaded Bytes downloaded since start
        # TYPE conduit_bytes_downloaded gauge
        conduit_bytes_downloaded 6.5536e+06
        # HELP conduit_bytes_uploaded Bytes uploaded since start
        # TYPE conduit_bytes_uploaded gauge
        conduit_bytes_uploaded 123456789
        # TYPE conduit_connected_clients gauge
        conduit_connected_clients 7
        # TYPE conduit_connecting_clients gauge
        conduit_connecting_clients 3
        # TYPE conduit_idle_seconds gauge
        conduit_idle_seconds 0
        # TYPE conduit_is_live gauge
        conduit_is_live 1
        # TYPE conduit_max_common_clients gauge
        conduit_max_common_clients 250
        # TYPE conduit_max_personal_clients gauge
        conduit_max_personal_clients 0
        # TYPE conduit_region_bytes_downloaded gauge
        conduit_region_bytes_downloaded{region="IR",scope="common"} 4000
        conduit_region_bytes_downloaded{region="RU",scope="common"} 1000
        conduit_region_bytes_downloaded{region="IR",scope="personal"} 10
        # TYPE conduit_region_bytes_uploaded gauge
        conduit_region_bytes_uploaded{region="IR",scope="common"} 90000
        conduit_region_bytes_uploaded{region="RU",scope="common"} 8000
        conduit_region_bytes_uploaded{region="IR",scope="personal"} 20
        # TYPE conduit_region_connected_clients gauge
        conduit_region_connected_clients{region="IR",scope="common"} 5
        conduit_region_connected_clients{region="RU",scope="common"} 1
        conduit_region_connected_clients{region="IR",scope="personal"} 1
        # TYPE conduit_region_connecting_clients gauge
        conduit_region_connecting_clients{region="IR",scope="common"} 2
        conduit_region_connecting_clients{region="RU",scope="common"} 1
        # TYPE conduit_uptime_seconds gauge
        conduit_uptime_seconds 3723.5
        # HELP go_goroutines Number of goroutines that currently exist.
        # TYPE go_goroutines gauge
        go_goroutines 42
        # HELP process_resident_memory_bytes Resident memory size in bytes.
        # TYPE process_resident_memory_bytes gauge
        process_resident_memory_bytes 3.3554432e+07
        """;

    [Fact]
    public void Node_page_maps_to_typed_reading()
    {
        var r = NodeMetrics.Parse(NodePage);
        Assert.Equal(ReadingSource.Metrics, r.Source);
        Assert.Equal(2, r.Announcing);
        Assert.Equal(3, r.Connecting);
        Assert.Equal(7, r.Connected);
        Assert.Equal(123456789, r.BytesUp);
        Assert.Equal(6553600, r.BytesDown);
        Assert.False(r.BytesRounded);
        Assert.Equal(3723.5, r.UptimeSeconds);
        Assert.Equal(0, r.IdleSeconds);
        Assert.True(r.IsLive);
        Assert.Equal(250, r.MaxCommonClients);
        Assert.Equal(0, r.MaxPersonalClients);
        Assert.Equal(5_000_000, r.BandwidthLimitBytesPerSecond);
        Assert.Equal(3, r.Regions.Count);
        Assert.Equal(new RegionStats("common", "IR", 5, 2, 90000, 4000), r.Regions[0]);
        Assert.Equal(new RegionStats("common", "RU", 1, 1, 8000, 1000), r.Regions[1]);
        Assert.Equal(new RegionStats("personal", "IR", 1, 0, 20, 10), r.Regions[2]);
    }

    [Fact]
    public void Missing_metrics_are_null_not_zero()
    {
        var r = NodeMetrics.Parse("conduit_connected_clients 4\n");
        Assert.Equal(4, r.Connected);
        Assert.Null(r.Connecting);
        Assert.Null(r.Announcing);
        Assert.Null(r.BytesUp);
        Assert.Null(r.UptimeSeconds);
        Assert.Null(r.IsLive);
        Assert.Empty(r.Regions);
    }

    [Fact]
    public void Label_values_unescape_quotes_backslashes_and_newlines()
    {
        var doc = PrometheusText.Parse("m{a=\"say \\\"hi\\\"\",b=\"C:\\\\dir\\\\\",c=\"two\\nlines\",d=\"{x=1, y}\",} 1\n");
        var s = Assert.Single(doc.Samples);
        Assert.Equal("say \"hi\"", s.Label("a"));
        Assert.Equal("C:\\dir\\", s.Label("b"));
        Assert.Equal("two\nlines", s.Label("c"));
        Assert.Equal("{x=1, y}", s.Label("d"));
        Assert.Equal(4, s.Labels.Count);
    }

    [Fact]
    public void Special_values_timestamps_whitespace_and_help_escapes()
    {
        var doc = PrometheusText.Parse(
            "# HELP a Line one\\nwith \\\\ backslash\n# TYPE a gauge\n" +
            "a NaN\nb +Inf 1700000000000\nc -Inf\n  d\t{ x = \"1\" }\t-1.5e3   42\r\ne{} 16\n");
        Assert.Equal("Line one\nwith \\ backslash", doc.Help["a"]);
        Assert.Equal("gauge", doc.Types["a"]);
        Assert.True(double.IsNaN(doc.Samples[0].Value));
        Assert.Equal(double.PositiveInfinity, doc.Samples[1].Value);
        Assert.Equal(1700000000000, doc.Samples[1].Timestamp);
        Assert.Equal(double.NegativeInfinity, doc.Samples[2].Value);
        Assert.Equal(-1500, doc.Samples[3].Value);
        Assert.Equal(42, doc.Samples[3].Timestamp);
        Assert.Equal("1", doc.Samples[3].Label("x"));
        Assert.Equal(("e", 16.0), (doc.Samples[4].Name, doc.Samples[4].Value));
    }

    [Fact]
    public void OpenMetrics_eof_ends_the_document()
    {
        var doc = PrometheusText.Parse("# TYPE conduit_connected_clients gauge\n# UNIT x seconds\nconduit_connected_clients 5 1.7e9\n# EOF\nthis is not parsed {\n");
        Assert.Single(doc.Samples);
        Assert.Equal(1.7e9, doc.Samples[0].Timestamp);
    }

    [Fact]
    public void NaN_and_infinite_node_gauges_do_not_become_counts()
    {
        var r = NodeMetrics.Parse("conduit_connected_clients NaN\nconduit_bytes_uploaded +Inf\nconduit_uptime_seconds NaN\n");
        Assert.Null(r.Connected);
        Assert.Null(r.BytesUp);
        Assert.Null(r.UptimeSeconds);
    }

    [Theory]
    [InlineData("m{a=\"x} 1", "line 1: unterminated value of label a")]
    [InlineData("m{a=x} 1", "line 1: expected '\"' to open the value of label a")]
    [InlineData("ok 1\nm{a=\"\\t\"} 1", "line 2: invalid escape '\\t' in label a")]
    [InlineData("m", "line 1: m has no value")]
    [InlineData("m one", "line 1: m: 'one' is not a number")]
    [InlineData("m 1 2 3", "line 1: m: unexpected text after the timestamp")]
    [InlineData("m{a=\"1\" b=\"2\"} 1", "line 1: expected ',' or '}' after label a")]
    [InlineData("9m 1", "line 1: expected a metric name")]
    [InlineData("# TYPE", "line 1: # TYPE without a valid metric name")]
    public void Malformed_lines_name_the_line(string text, string message)
    {
        var e = Assert.Throws<FormatException>(() => PrometheusText.Parse(text));
        Assert.Equal(message, e.Message);
    }
}
