using Conduit.NodeStats;

namespace Conduit.Tests.NodeStats;

public class StatsLineTests
{
    [Fact]
    public void Version_2_line_from_the_node_source()
    {
        const string line = "2026-02-20 14:41:04 [STATS] Announcing: 0 | Connecting: 1 | Connected: 6 | Up: 12.1 KB | Down: 66.4 KB | Uptime: 1h2m3s | Regions: personal[US(conn:1|traffic:363 B), CA(conn:0|traffic:64 B)] common[BR(conn:0|traffic:792 B), DE(conn:1|traffic:3 B)]";
        Assert.True(StatsLine.TryParse(line, out var r));
        Assert.Equal(ReadingSource.StatsLine, r.Source);
        Assert.Equal(0, r.Announcing);
        Assert.Equal(1, r.Connecting);
        Assert.Equal(6, r.Connected);
        Assert.Equal(12390, r.BytesUp);   // 12.1 * 1024 = 12390.4
        Assert.Equal(67994, r.BytesDown); // 66.4 * 1024 = 67993.6
        Assert.True(r.BytesRounded);
        Assert.Equal(3723, r.UptimeSeconds);
        Assert.Equal(new DateTimeOffset(2026, 2, 20, 14, 41, 4, TimeSpan.Zero), r.ReportedAt);
        Assert.Equal(
            [
                new RegionStats("personal", "US", 1, null, null, null, 363),
                new RegionStats("personal", "CA", 0, null, null, null, 64),
                new RegionStats("common", "BR", 0, null, null, null, 792),
                new RegionStats("common", "DE", 1, null, null, null, 3),
            ], r.Regions);
        Assert.Equal(0, r.MoreRegions);
    }

    [Fact]
    public void Version_1_line_has_no_announcing_or_regions()
    {
        Assert.True(StatsLine.TryParse("2025-11-02 08:00:00 [STATS] Connecting: 4 | Connected: 17 | Up: 1.5 GB | Down: 900 B | Uptime: 2m3s", out var r));
        Assert.Null(r.Announcing);
        Assert.Equal(4, r.Connecting);
        Assert.Equal(17, r.Connected);
        Assert.Equal(1610612736, r.BytesUp);
        Assert.Equal(900, r.BytesDown);
        Assert.Equal(123, r.UptimeSeconds);
        Assert.Empty(r.Regions);
    }

    [Fact]
    public void Regions_none_and_more_markers()
    {
        Assert.True(StatsLine.TryParse("[STATS] Announcing: 1 | Connecting: 0 | Connected: 0 | Up: 0 B | Down: 0 B | Uptime: 3s | Regions: none", out var idle));
        Assert.Empty(idle.Regions);
        Assert.Equal(3, idle.UptimeSeconds);
        Assert.Null(idle.ReportedAt);

        Assert.True(StatsLine.TryParse("[STATS] Announcing: 0 | Connecting: 0 | Connected: 9 | Up: 1.0 MB | Down: 2.0 MB | Uptime: 10s | Regions: common[IR(conn:5|traffic:1.0 MB), RU(conn:2|traffic:10.0 KB), CN(conn:1|traffic:5 B), (+4 more...)] personal[US(conn:1|traffic:1 B)] (+2 more...)", out var r));
        Assert.Equal(4, r.Regions.Count);
        Assert.Equal(6, r.MoreRegions);
        Assert.Equal(new RegionStats("common", "IR", 5, null, null, null, 1048576), r.Regions[0]);
        Assert.Equal(1048576, r.Regions[0].Traffic);
    }

    [Theory]
    [InlineData("0 B", 0L)]
    [InlineData("1023 B", 1023L)]
    [InlineData("1.0 KB", 1024L)]
    [InlineData("12.1 KB", 12390L)]
    [InlineData("2.5 MB", 2621440L)]
    [InlineData("1.0 GB", 1073741824L)]
    [InlineData("3.2 TB", 3518437208883L)]
    [InlineData("1.0 PB", 1125899906842624L)]
    [InlineData("2.0 EB", 2305843009213693952L)]
    public void Every_1024_based_unit(string text, long bytes)
    {
        Assert.True(StatsLine.TryParseSize(text, out var b));
        Assert.Equal(bytes, b);
    }

    [Theory]
    [InlineData("12 kB")]
    [InlineData("12KB")]
    [InlineData("-1 B")]
    [InlineData("1.0 ZB")]
    [InlineData("9.0 EB")] // beyond a signed 64-bit counter
    public void Bad_sizes_are_rejected(string text) => Assert.False(StatsLine.TryParseSize(text, out _));

    [Theory]
    [InlineData("3s", 3.0)]
    [InlineData("2m3s", 123.0)]
    [InlineData("1h2m3s", 3723.0)]
    [InlineData("250h0m0s", 900000.0)]
    [InlineData("1.5s", 1.5)]
    [InlineData("0s", 0.0)]
    public void Uptime_forms(string text, double seconds)
    {
        Assert.True(StatsLine.TryParseUptime(text, out var s));
        Assert.Equal(seconds, s, 6);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1d")]
    [InlineData("h")]
    [InlineData("5")]
    public void Bad_uptimes_are_rejected(string text) => Assert.False(StatsLine.TryParseUptime(text, out _));

    [Theory]
    [InlineData("2026-02-20 14:41:04 Connected to broker")]
    [InlineData("[STATS] Connecting: x | Connected: 1 | Up: 0 B | Down: 0 B | Uptime: 1s")]
    [InlineData("[STATS] Connected: 1 | Up: 0 B | Down: 0 B | Uptime: 1s")]
    [InlineData("[STATS] Connecting: 0 | Connected: 1 | Up: 0 B | Down: 0 B | Uptime: 1s | Regions: common[IR(conn:1)]")]
    [InlineData("[STATS] Connecting: 0 | Connected: 1 | Up: 0 B | Down: 0 B | Uptime: 1s | Regions: common[IR(conn:1|traffic:1 B)")]
    public void Lines_that_are_not_well_formed_stats(string line) => Assert.False(StatsLine.TryParse(line, out _));

    [Fact]
    public void Last_picks_the_newest_stats_line()
    {
        var r = StatsLine.Last(
        [
            "[STATS] Connecting: 0 | Connected: 1 | Up: 0 B | Down: 0 B | Uptime: 1s",
            "[STATS] Connecting: 0 | Connected: 2 | Up: 0 B | Down: 0 B | Uptime: 6s",
            "some other line",
        ]);
        Assert.Equal(2, r!.Connected);
        Assert.Null(StatsLine.Last(["Starting conduit"]));
    }
}
