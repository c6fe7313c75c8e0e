using Conduit.NodeStats;

namespace Conduit.Tests.Ui;

/// <summary>Fixed snapshots the view tests render: a busy cluster, a stopped one, and one without the tracker.</summary>
internal static class SnapshotFixtures
{
    public static readonly DateTimeOffset At = new(2026, 2, 20, 14, 41, 4, TimeSpan.Zero);

    public static string CountryName(string code) => code switch
    {
        "IR" => "Iran",
        "RU" => "Russia",
        "CN" => "China",
        "US" => "United States",
        "DE" => "Germany",
        "TR" => "Turkey",
        "BR" => "Brazil",
        _ => code,
    };

    static readonly ContainerConfig HostConfig = new("down", "ghcr.io/psiphon-inc/conduit/cli:latest", 0.22, 384L << 20, 16384, [], true);

    static readonly SettingsSummary Settings = new(3, 250, 5, "host", "ghcr.io/psiphon-inc/conduit/cli:latest", "0.22", "384m");

    public static ClusterStatsSnapshot Busy()
    {
        var n1 = new NodeReading
        {
            Source = ReadingSource.Metrics, Announcing = 1, Connecting = 4, Connected = 21, BytesUp = 3_500_000_000, BytesDown = 420_000_000,
            UptimeSeconds = 3723, IsLive = true, MaxCommonClients = 250,
            Regions =
            [
                new RegionStats("common", "IR", 12, 2, 2_000_000_000, 200_000_000),
                new RegionStats("common", "RU", 5, 1, 900_000_000, 100_000_000),
                new RegionStats("common", "CN", 3, 1, 500_000_000, 100_000_000),
                new RegionStats("personal", "US", 1, 0, 100_000_000, 20_000_000),
            ],
        };
        var n2 = new NodeReading
        {
            Source = ReadingSource.Metrics, Announcing = 0, Connecting = 2, Connected = 9, BytesUp = 1_200_000_000, BytesDown = 150_000_000,
            UptimeSeconds = 600, IsLive = true, MaxCommonClients = 250,
            Regions =
            [
                new RegionStats("common", "IR", 6, 1, 800_000_000, 90_000_000),
                new RegionStats("common", "TR", 2, 1, 300_000_000, 40_000_000),
                new RegionStats("common", "DE", 1, 0, 100_000_000, 20_000_000),
            ],
        };
        ContainerStats[] containers =
        [
            new(1, "conduit", "running", true, At.AddSeconds(-3723), 0, n1, 5_000_000_000, 600_000_000, 35.5, 180L << 20, 384L << 20, Config: HostConfig with { Health = "healthy" }),
            new(2, "conduit-2", "running", true, At.AddSeconds(-600), 1, n2, 1_200_000_000, 150_000_000, 12.25, 96L << 20, 384L << 20, Config: HostConfig with { Health = "healthy" }),
            new(3, "conduit-3", "exited", false, null, 0, NodeReading.Empty, 40_000_000, 4_000_000, Config: HostConfig),
        ];
        var tracker = new TrackerState(true, "running", 1_234_567, 900_000_000, 5_600_000_000, 3_456,
        [
            new("IR", "Iran", 600_000_000, 3_900_000_000, 50_000, 420_000, 2_100),
            new("RU", "Russia", 150_000_000, 900_000_000, 12_000, 95_000, 600),
            new("CN", "China", 80_000_000, 500_000_000, 6_000, 40_000, 450),
            new("TR", "Turkey", 40_000_000, 200_000_000, 3_000, 12_000, 200),
            new("US", "United States", 20_000_000, 60_000_000, 900, 2_000, 90),
            new("DE", "Germany", 9_000_000, 30_000_000, 100, 400, 15),
            new("BR", "Brazil", 1_000_000, 10_000_000, 0, 0, 1),
        ]);
        var host = new HostUsage(23.4, 2, 1_300_000_000, 4_100_000_000, "eth0", 1_500_000, 4_250_000, 0, 0);
        return new ClusterStatsSnapshot(At, Settings, containers, ClusterTotals.Of(containers), host,
            new DataCapState(100L << 30, 12_345_678_901, "eth0"), tracker, "not used in host mode");
    }

    /// <summary>Nodes stopped, a 1.x node read from its log line, no tracker, data cap exceeded.</summary>
    public static ClusterStatsSnapshot Quiet()
    {
        StatsLine.TryParse("2026-02-20 14:40:00 [STATS] Announcing: 0 | Connecting: 1 | Connected: 6 | Up: 12.1 KB | Down: 66.4 KB | Uptime: 1h2m3s | Regions: common[IR(conn:4|traffic:10.0 KB), RU(conn:1|traffic:1.0 KB), CN(conn:1|traffic:5 B), (+2 more...)]", out var line);
        ContainerStats[] containers =
        [
            new(1, "conduit", "running", true, At.AddSeconds(-4000), 0, line, 12390, 67994, 3.0, 40L << 20, null,
                Config: new("unhealthy", "conduit:1.5.0", 1.0, 512L << 20, 16384, ["127.0.0.1:8081/tcp", "127.0.0.1:8081/udp"], false)),
            new(2, "conduit-2", "running", true, At.AddSeconds(-20), 0, NodeReading.Empty, 0, 0, 0.5, 20L << 20, null,
                Config: new("starting", "conduit:1.5.0", 0.5, 512L << 20, 16384, ["127.0.0.1:8082/tcp", "127.0.0.1:8082/udp"], true)),
            new(3, "conduit-3", "created", false, null, 0, NodeReading.Empty, 0, 0, Problem: "key file corrupt"),
        ];
        var settings = Settings with { NetworkMode = "bridge", BandwidthMbps = -1 };
        return new ClusterStatsSnapshot(At, settings, containers, ClusterTotals.Of(containers), null,
            new DataCapState(10L << 30, 11L << 30, null), TrackerState.NotRunning(), "nginx running, config valid, 3 upstreams");
    }
}
