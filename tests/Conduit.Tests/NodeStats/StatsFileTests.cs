using Conduit.NodeStats;

namespace Conduit.Tests.NodeStats;

public class StatsFileTests
{
    [Fact]
    public void Version_1_stats_file()
    {
        var r = StatsFile.Parse("""
            {"announcing":1,"connectingClients":2,"connectedClients":30,"totalBytesUp":1234567890123,
             "totalBytesDown":42,"uptimeSeconds":86400.5,"idleSeconds":0,"isLive":true,
             "timestamp":"2026-01-02T03:04:05Z","extra":{"nested":[1,2]}}
            """);
        Assert.Equal(ReadingSource.StatsFile, r.Source);
        Assert.Equal(1, r.Announcing);
        Assert.Equal(2, r.Connecting);
        Assert.Equal(30, r.Connected);
        Assert.Equal(1234567890123, r.BytesUp);
        Assert.Equal(42, r.BytesDown);
        Assert.Equal(86400.5, r.UptimeSeconds);
        Assert.Equal(0, r.IdleSeconds);
        Assert.True(r.IsLive);
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), r.ReportedAt);
        Assert.False(r.BytesRounded);
    }

    [Theory]
    [InlineData("[]", "stats file: expected a JSON object")]
    [InlineData("{\"connectedClients\":\"7\"}", "stats file: connectedClients is not a non-negative number")]
    [InlineData("{\"connectedClients\":-1}", "stats file: connectedClients is not a non-negative number")]
    [InlineData("{\"isLive\":1,\"connectedClients\":1}", "stats file: isLive is not true/false")]
    [InlineData("{\"announcing\":0}", "stats file: connectedClients is missing")]
    [InlineData("{\"connectedClients\":1", "stats file: invalid JSON at byte 21")]
    public void Bad_files_say_what_is_wrong(string json, string message)
    {
        var e = Assert.Throws<FormatException>(() => StatsFile.Parse(json));
        Assert.Equal(message, e.Message);
    }
}
