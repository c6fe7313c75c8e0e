using System.Runtime.CompilerServices;
using Conduit.NodeStats;
using Conduit.Ui;

namespace Conduit.Tests.Ui;

/// <summary>
/// Each view rendered from a fixed snapshot at 80x24 and 120x40 and compared with expected/*.txt.
/// Set UPDATE_SNAPSHOTS=1 to rewrite the expected files after an intended change (then review the diff).
/// </summary>
public class ViewSnapshotTests
{
    public static TheoryData<string, int, int> Cases()
    {
        var data = new TheoryData<string, int, int>();
        foreach (var view in new[] { "status-busy", "status-quiet", "dashboard-busy", "dashboard-quiet", "stats-busy", "stats-quiet", "peers-busy", "peers-quiet" })
        {
            data.Add(view, 80, 24);
            data.Add(view, 120, 40);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void View_matches_expected_text(string view, int width, int height)
    {
        var text = Screen.ToText(Render(view), width, height);
        var expectedPath = ExpectedPath($"{view}-{width}x{height}.txt");
        if (Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1")
            File.WriteAllText(expectedPath, text);
        Assert.True(File.Exists(expectedPath), $"missing {expectedPath}; run with UPDATE_SNAPSHOTS=1 and review it");
        Assert.Equal(File.ReadAllText(expectedPath), text);
        foreach (var line in text.Split('\n'))
            Assert.True(line.Length <= width, $"line wider than {width}: {line}");
    }

    [Theory]
    [InlineData(80, 24)]
    [InlineData(120, 40)]
    public void Dashboard_fits_the_terminal(int width, int height)
    {
        var lines = Screen.ToText(Views.Dashboard(SnapshotFixtures.Busy(), SnapshotFixtures.CountryName, TimeSpan.FromSeconds(5)), width, height)
            .TrimEnd('\n').Split('\n');
        Assert.True(lines.Length <= height, $"{lines.Length} lines do not fit in {height}");
    }

    [Fact]
    public void Live_line_aggregates_the_cluster()
    {
        Assert.Equal(
            "2026-02-20 14:41:04 [CLUSTER] Containers: 2/3 | Announcing: 1 | Connecting: 6 | Connected: 30 | Up: 6.2 GB | Down: 754.0 MB | Uptime: 1h 2m",
            Views.LiveLine(SnapshotFixtures.Busy()));
    }

    [Fact]
    public void Figures_agree_across_views()
    {
        var s = SnapshotFixtures.Busy();
        Assert.Equal(new ClusterTotals(3, 2, 30, 6, 1, 6_240_000_000, 754_000_000, 4_700_000_000, 570_000_000, 47.75, 276L << 20, true), s.Totals);
        var clients = s.ClientsByCountry(SnapshotFixtures.CountryName);
        Assert.Equal(("IR", 18L, 3L), (clients[0].Code, clients[0].Connected, clients[0].Connecting));
        long sum = 0;
        foreach (var c in clients) sum += c.Connected;
        Assert.Equal(s.Totals.Connected, sum);
    }

    static Spectre.Console.Rendering.IRenderable Render(string view) => view switch
    {
        "status-busy" => Views.Status(SnapshotFixtures.Busy()),
        "status-quiet" => Views.Status(SnapshotFixtures.Quiet()),
        "dashboard-busy" => Views.Dashboard(SnapshotFixtures.Busy(), SnapshotFixtures.CountryName, TimeSpan.FromSeconds(5)),
        "dashboard-quiet" => Views.Dashboard(SnapshotFixtures.Quiet(), SnapshotFixtures.CountryName, TimeSpan.FromSeconds(5)),
        "stats-busy" => Views.Stats(SnapshotFixtures.Busy(), TimeSpan.FromSeconds(12)),
        "stats-quiet" => Views.Stats(SnapshotFixtures.Quiet(), null),
        "peers-busy" => Views.Peers(SnapshotFixtures.Busy(), SnapshotFixtures.CountryName),
        "peers-quiet" => Views.Peers(SnapshotFixtures.Quiet(), SnapshotFixtures.CountryName),
        _ => throw new ArgumentException(view),
    };

    static string ExpectedPath(string name, [CallerFilePath] string source = "") =>
        Path.Combine(Path.GetDirectoryName(source)!, "expected", name);
}
