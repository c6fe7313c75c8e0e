using System.Text.Json;
using Conduit.Tests.Support;

namespace Conduit.Tests.Host;

static class HealthJson
{
    /// <summary>Runs `conduit health --json [...]` and returns the exit code and the rows by check name.</summary>
    public static (int Exit, Dictionary<string, (string Status, string Detail)> Rows, string Raw) Run(StandinCluster cluster, params string[] extra)
    {
        var r = cluster.Conduit(["health", "--json", .. extra]);
        Assert.True(r.Stdout.TrimStart().StartsWith('{'), r.ToString());
        using var doc = JsonDocument.Parse(r.Stdout);
        var rows = doc.RootElement.GetProperty("checks").EnumerateArray().ToDictionary(
            c => c.GetProperty("check").GetString()!,
            c => (c.GetProperty("status").GetString()!, c.GetProperty("detail").GetString()!));
        return (r.ExitCode, rows, r.ToString());
    }

    /// <summary>Starts the cluster's one node and waits until health calls it ok; returns its check's name.</summary>
    public static string StartHealthy(StandinCluster cluster)
    {
        var start = cluster.Conduit("start");
        Assert.True(start.ExitCode == 0, start.ToString());
        var check = $"container {cluster.Name}";
        Assert.True(Wait.Until(() => Run(cluster).Rows[check].Status == "ok", TimeSpan.FromSeconds(60)));
        return check;
    }
}

/// <summary>Health against the real Docker engine with stand-in node containers.</summary>
public sealed class HealthStoppedContainerTests
{
    [Fact]
    public void A_stopped_container_is_FAIL_and_repair_starts_it_again()
    {
        using var root = new TempRoot();
        using var cluster = new StandinCluster(root, 1);
        var check = HealthJson.StartHealthy(cluster);

        Assert.True(StandinCluster.Docker("stop", "-t", "2", cluster.Name).Ok);
        var (exit, rows, raw) = HealthJson.Run(cluster);
        Assert.Equal(1, exit);
        Assert.Equal("fail", rows[check].Status);
        Assert.Contains("not running (state exited", rows[check].Detail);
        Assert.Equal("ok", rows["docker"].Status);

        (exit, rows, raw) = HealthJson.Run(cluster, "--repair");
        Assert.Equal("fixed", rows[check].Status);
        Assert.Contains("repaired: started", rows[check].Detail);
        Assert.True(rows.Values.All(v => v.Status != "fail") == (exit == 0), raw);
        Assert.Equal("running", cluster.State(1));
        var alerts = File.ReadAllText(Path.Combine(cluster.Home, "logs", "alerts.log"));
        Assert.Contains($"FAIL {check}: not running", alerts);
        Assert.Contains($"FIXED {check}:", alerts);
    }
}

public sealed class HealthHungContainerTests
{
    [Fact]
    public void A_stand_in_whose_metrics_hang_is_detected_and_repair_restarts_it()
    {
        using var root = new TempRoot();
        using var cluster = new StandinCluster(root, 1);
        var check = HealthJson.StartHealthy(cluster);

        // Freeze the node's metrics server: the container keeps running, the node stops answering.
        var stop = StandinCluster.Docker("exec", cluster.Name, "sh", "-c", "kill -STOP $(pidof httpd)");
        Assert.True(stop.Ok, stop.Stderr);
        // A node gets 30 s of grace after it starts; then an unanswered metrics probe means hung.
        (int Exit, Dictionary<string, (string Status, string Detail)> Rows, string Raw) seen = default;
        Assert.True(Wait.Until(() => (seen = HealthJson.Run(cluster)).Rows[check].Status == "fail", TimeSpan.FromSeconds(90)));
        Assert.Equal(1, seen.Exit);
        Assert.Contains("not responsive", seen.Rows![check].Detail);

        var (_, rows, raw) = HealthJson.Run(cluster, "--repair");
        Assert.Equal("fixed", rows[check].Status);
        Assert.Contains("repaired: restarted", rows[check].Detail);
        Assert.True(Wait.Until(() => HealthJson.Run(cluster).Rows[check].Status == "ok", TimeSpan.FromSeconds(60)), raw);
    }
}
