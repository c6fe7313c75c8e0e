using Conduit.Tracking.Geo;
using Conduit.Tracking.Model;
using Conduit.Tracking.Views;

namespace Conduit.Tests.Tracking;

public class TrafficTableTests
{
    static CountryRow Row(string code, ulong bytes, ulong ips) =>
        new(Countries.Id(code), code, Countries.Name(Countries.Id(code)),
            new CountryTotals { BytesIn = bytes, BytesOut = bytes / 3, PacketsIn = bytes / 700, PacketsOut = bytes / 2100, Ips = ips, ActiveIps = ips / 2 },
            123_456_789, 98_765_432);

    // Big numbers everywhere, and one country far ahead (a full share bar): the widest lines the view makes.
    static TrafficSnapshot Busy() => new(
        DateTime.UnixEpoch, TimeSpan.FromHours(1234.5), "ebpf", "enp1s0f0np0", new CaptureCounters(123_456_789_012, 98_765_432_109_876, 12_345_678, 9_876_543, 0, 0, 0),
        1_234_567, 123_456_789, 98_765_432, 1_234_567, 7_654_321,
        [Row("IR", 987_654_321_098_765, 1_234_567), Row("CD", 1_000_000, 12), Row("RU", 500_000, 3)],
        Row("US", 0, 0) with { Code = "--", Name = "Local/reserved", Totals = default }, []);

    [Theory]
    [InlineData(60)]
    [InlineData(80)]
    [InlineData(100)]
    [InlineData(120)]
    [InlineData(200)]
    public void Every_line_fits_the_terminal(int width)
    {
        var text = TrafficTable.Render(Busy(), TableSort.Total, 20, width, color: false, footer: "sort: [t]otal [i]n [o]ut [p] IPs [r]ate   [q]uit   (sorted by total)");
        foreach (var line in text.Split('\n'))
            Assert.True(line.Length < width, $"{line.Length} columns at width {width}: '{line}'");
        Assert.Contains("Congo", text);
        Assert.Contains("100.0%", text);
    }

    [Fact]
    public void Narrow_terminals_lose_the_active_column_then_the_rates()
    {
        string Header(int width) => TrafficTable.Render(Busy(), TableSort.Total, 20, width, color: false).Split('\n')[4];
        Assert.Contains("Active", Header(120));
        Assert.Contains("In/s", Header(120));
        Assert.DoesNotContain("Active", Header(80));
        Assert.Contains("In/s", Header(80));
        Assert.DoesNotContain("In/s", Header(60));
        Assert.Contains("IPs", Header(60));
        // The name column takes what the other columns leave (28 at most); longer names end in an ellipsis.
        Assert.Contains("Congo, The Democratic Repub…", TrafficTable.Render(Busy(), TableSort.Total, 20, 120, color: false));
        Assert.Contains("Congo, The Democr…", TrafficTable.Render(Busy(), TableSort.Total, 20, 60, color: false));
    }

    [Fact]
    public void Unattributed_packets_are_named_in_the_header_when_there_are_any()
    {
        Assert.DoesNotContain("unattributed", TrafficTable.Render(Busy(), TableSort.Total, 20, 120, color: false));
        var some = Busy() with { Counters = new CaptureCounters(100, 6000, 0, 0, 0, 100, 6000) };
        Assert.Contains("packets 100  dropped 0  malformed 0  unattributed 100  IPs", TrafficTable.Render(some, TableSort.Total, 20, 120, color: false));
    }
}
