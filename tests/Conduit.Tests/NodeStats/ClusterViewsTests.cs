using System.Text.Json;
using System.Text.RegularExpressions;
using Conduit.Tests.Support;

namespace Conduit.Tests.NodeStats;

/// <summary>The cluster views against three running stand-in nodes (real Docker engine).</summary>
public sealed class ClusterViewsTests(StandinCluster cluster) : IClassFixture<StandinCluster>
{
    static readonly string[] Summed = ["connected", "connecting", "announcing", "bytes_up", "bytes_down"];

    JsonElement Status()
    {
        var r = cluster.Run("status", "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        using var doc = JsonDocument.Parse(r.Stdout);
        return doc.RootElement.Clone();
    }

    [Fact]
    public void Status_totals_equal_the_nodes_metrics_and_survive_a_node_restart()
    {
        var before = Enumerable.Range(1, 3).Select(cluster.Scrape).ToArray();
        var status = Status();
        var after = Enumerable.Range(1, 3).Select(cluster.Scrape).ToArray();

        var containers = status.GetProperty("containers").EnumerateArray().ToArray();
        Assert.Equal(3, containers.Length);
        var totals = status.GetProperty("totals");
        Assert.Equal(3, totals.GetProperty("containers").GetInt32());
        Assert.Equal(3, totals.GetProperty("running").GetInt32());
        foreach (var field in Summed)
            Assert.Equal(containers.Sum(c => c.GetProperty(field).GetInt64()), totals.GetProperty(field).GetInt64());
        for (var i = 0; i < 3; i++)
        {
            var c = containers[i];
            Assert.Equal(cluster.ContainerName(i + 1), c.GetProperty("name").GetString());
            Assert.Equal("running", c.GetProperty("state").GetString());
            Assert.Equal("metrics", c.GetProperty("stats_source").GetString());
            // The node's counters only grow: what status read lies between two scrapes around it.
            var up = c.GetProperty("bytes_up").GetInt64();
            var down = c.GetProperty("bytes_down").GetInt64();
            Assert.InRange(up, before[i].BytesUp!.Value, after[i].BytesUp!.Value);
            Assert.InRange(down, before[i].BytesDown!.Value, after[i].BytesDown!.Value);
            Assert.Equal(up, c.GetProperty("session_bytes_up").GetInt64()); // fresh state: no restart folded in yet
            Assert.Equal(JsonValueKind.Number, c.GetProperty("connected").ValueKind);
            var regionSum = c.GetProperty("regions").EnumerateArray().Sum(g => g.GetProperty("connected").GetInt64());
            Assert.Equal(c.GetProperty("connected").GetInt64(), regionSum); // the stand-in splits clients over US and DE
        }

        // Restart node 2: its own counters start again from zero, the cluster totals must not go backwards.
        var node2Before = containers[1].GetProperty("bytes_up").GetInt64();
        var uptimeBefore = cluster.Scrape(2).UptimeSeconds!.Value;
        var restart = StandinCluster.Docker("restart", "-t", "2", cluster.ContainerName(2));
        Assert.True(restart.Exit == 0, restart.Output);
        StandinCluster.WaitFor(() => cluster.TryScrape(2) is { UptimeSeconds: { } u } && u < uptimeBefore, "node 2 to come back with a fresh uptime");
        var second = Status();
        var node2 = second.GetProperty("containers")[1];
        Assert.True(node2.GetProperty("session_bytes_up").GetInt64() < node2Before, "node 2's own counter did not reset");
        Assert.True(node2.GetProperty("bytes_up").GetInt64() >= node2Before, "node 2's cumulative bytes went backwards");
        foreach (var field in new[] { "bytes_up", "bytes_down" })
            Assert.True(second.GetProperty("totals").GetProperty(field).GetInt64() >= totals.GetProperty(field).GetInt64(), $"totals.{field} went backwards");
        Assert.True(File.Exists(cluster.Root.Combine("opt", "conduit", "state", "node-counters.json")));
    }

    [Fact]
    public void Status_screen_shows_every_container_and_the_cluster_figures()
    {
        var r = cluster.Run("status");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Matches(@"Containers 3/3 running, [0-3] healthy", r.Stdout);
        Assert.Matches(@"Clients\s+\d+ connected, \d+ connecting, \d+ announcing", r.Stdout);
        Assert.Contains("Tracker    tracker not running", r.Stdout);
        Assert.Contains($"image {StandinCluster.Image}", r.Stdout);
        for (var i = 1; i <= 3; i++) Assert.Matches($@"\n\s*{i}\s+{cluster.ContainerName(i)}\s+(healthy|starting)\s", r.Stdout);
        Assert.DoesNotContain(" \n", r.Stdout); // plain text to a pipe: no padding
    }

    [Fact]
    public void Stats_live_prints_one_aggregated_line_per_update()
    {
        var r = cluster.Run("stats", "--live", "--interval", "1", "--count", "2");
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Stdout.TrimEnd('\n').Split('\n');
        Assert.Equal(2, lines.Length);
        foreach (var line in lines)
            Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[CLUSTER\] Containers: 3/3 \| Announcing: \d+ \| Connecting: \d+ \| Connected: \d+ \| Up: [\d.]+ [kMGTPE]?B \| Down: [\d.]+ [kMGTPE]?B \| Uptime: ", line);
    }

    [Fact]
    public void Stats_and_peers_print_one_screen_when_not_on_a_terminal()
    {
        var stats = cluster.Run("stats");
        Assert.True(stats.ExitCode == 0, stats.ToString());
        Assert.Contains("ADVANCED STATS", stats.Stdout);
        Assert.DoesNotContain("next refresh", stats.Stdout);
        Assert.Contains("Tracker: tracker not running", stats.Stdout);
        var peers = cluster.Run("peers");
        Assert.True(peers.ExitCode == 0, peers.ToString());
        Assert.Contains("tracker not running: start it with `conduit track --service`", peers.Stdout);
    }

    [Fact]
    public void Logs_hide_stats_lines_unless_asked_and_prefix_names_when_several()
    {
        StandinCluster.WaitFor(() => cluster.Run("logs", "1", "--tail", "all", "--stats").Stdout.Contains("[STATS]"), "a [STATS] line in node 1's log");
        var one = cluster.Run("logs", "1", "--tail", "all");
        Assert.True(one.ExitCode == 0, one.ToString());
        Assert.Contains("Conduit stand-in", one.Stdout);
        Assert.DoesNotContain("[STATS]", one.Stdout);
        Assert.DoesNotContain(" | Conduit", one.Stdout); // one container: no name prefix

        var withStats = cluster.Run("logs", "1", "--tail", "all", "--stats", "--grep", "[STATS]");
        Assert.True(withStats.ExitCode == 0, withStats.ToString());
        var lines = withStats.Stdout.TrimEnd('\n').Split('\n');
        Assert.All(lines, l => Assert.Contains("[STATS] Announcing:", l));

        var all = cluster.Run("logs", "all", "--tail", "all");
        Assert.True(all.ExitCode == 0, all.ToString());
        for (var i = 1; i <= 3; i++)
            Assert.Matches($@"(?m)^{Regex.Escape(cluster.ContainerName(i))}\s* \| Conduit stand-in", all.Stdout);

        var missing = cluster.Run("logs", "9");
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal("conduit: container 9 does not exist (see `conduit status`)\n", missing.Stderr);
        var bad = cluster.Run("logs", "first");
        Assert.Equal(2, bad.ExitCode);
        Assert.Equal("conduit: logs: 'first' is not a container number (1, 2, ...) or 'all'\n", bad.Stderr);
    }

    [Fact]
    public void Dashboard_under_tmux_shows_the_screen_and_a_key_restores_the_terminal()
    {
        var env = cluster.Environment();
        var command = $"env -u NO_COLOR CONDUIT_SYSROOT='{env["CONDUIT_SYSROOT"]}' CONDUIT_HOME='{env["CONDUIT_HOME"]}' '{ConduitProcess.Binary}' dashboard --interval 1; echo DASHBOARD-EXIT:$?; sleep 600";
        using var tmux = new TmuxSession(command);
        var screen = tmux.WaitFor("ACTIVE CLIENTS");
        Assert.Contains("CONDUIT DASHBOARD", screen);
        Assert.Contains("Containers: 3/3", screen);
        Assert.Contains("TOP 5 UPLOAD by country", screen);
        Assert.Equal("1 0", tmux.Display("#{alternate_on} #{cursor_flag}"));

        tmux.SendKeys("x");
        var restored = tmux.WaitFor("DASHBOARD-EXIT:");
        Assert.Contains("DASHBOARD-EXIT:0", restored);
        Assert.DoesNotContain("CONDUIT DASHBOARD", restored); // the alternate screen is gone
        Assert.Equal("0 1", tmux.Display("#{alternate_on} #{cursor_flag}"));
    }
}
