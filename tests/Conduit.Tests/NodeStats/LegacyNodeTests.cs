using System.Text.Json;

namespace Conduit.Tests.NodeStats;

/// <summary>A 1.x node (NODE_FLAGS=1: no metrics endpoint) is read from its --stats-file through the engine.</summary>
public sealed class LegacyNodeTests
{
    [Fact]
    public void Status_reads_a_1x_node_from_its_stats_file()
    {
        using var cluster = new StandinCluster(1, nodeFlags: 1);
        JsonElement node = default;
        // The node writes its first stats file on its first tick: poll until status sees it.
        StandinCluster.WaitFor(() =>
        {
            var r = cluster.Run("status", "--json");
            Assert.True(r.ExitCode == 0, r.ToString());
            using var doc = JsonDocument.Parse(r.Stdout);
            node = doc.RootElement.GetProperty("containers")[0].Clone();
            return node.GetProperty("stats_source").GetString() == "stats_file";
        }, "the stats file to be read");
        Assert.Equal(JsonValueKind.Null, node.GetProperty("metrics_address").ValueKind);
        Assert.InRange(node.GetProperty("connected").GetInt64(), 1, 7); // the stand-in reports 1..7
        Assert.True(node.GetProperty("bytes_up").GetInt64() > 0);
        Assert.False(node.GetProperty("bytes_rounded").GetBoolean()); // the file has exact byte counts
        Assert.Equal(JsonValueKind.True, node.GetProperty("is_live").ValueKind);
    }
}
