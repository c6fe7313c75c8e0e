using System.Text.Json;
using Conduit.Cluster;
using Conduit.Tests.Support;

namespace Conduit.Tests.Cluster;

public class ClusterStatusViewTests
{
    static ClusterSnapshot Sample() => new("conduit", DateTimeOffset.Parse("2026-11-26T05:00:00Z"), 3, "bridge", "img:1",
    [
        new(1, "conduit", "abc", "running", "healthy", DateTimeOffset.Parse("2026-11-26T03:58:00Z"), TimeSpan.FromMinutes(62), 2, "img:1", "sha256:1",
            0.22, 384L << 20, 16384, [new("127.0.0.1", 8081, 443, "tcp"), new("127.0.0.1", 8081, 443, "udp"), new("127.0.0.1", 9501, 9501, "tcp")],
            "127.0.0.1:9501", "bridge", true, null),
        new(2, "conduit-2", "def", "exited", "down", null, null, 0, "img:1", "sha256:1", 0.5, 1L << 30, 16384, [], "127.0.0.1:9502", "bridge", false, "exited with code 1"),
        new(3, "conduit-3", null, "missing", "down", null, null, 0, null, null, null, null, null, [], "127.0.0.1:9503", "bridge", false, null),
    ]);

    [Fact]
    public void TableShowsTotalsRowsAndProblems()
    {
        var text = ClusterStatusView.RenderTable(Sample());
        var lines = text.Split('\n');
        Assert.Equal("conduit: 1/3 running, 1 healthy, 2 restarts  (bridge networking (nginx in front), image img:1)", lines[0]);
        Assert.Matches(@"^conduit\s+running\s+healthy\s+1h2m\s+2\s+0\.22\s+384m\s+16384\s+img:1\s+127\.0\.0\.1:8081/tcp 127\.0\.0\.1:8081/udp metrics 127\.0\.0\.1:9501$", lines[2]);
        Assert.Matches(@"^conduit-2\*\s+exited\s+down\s+-\s+0\s+0\.5\s+1g", lines[3]);
        Assert.Matches(@"^conduit-3\s+missing\s+down\s+-", lines[4]);
        Assert.Contains("* settings changed since this container was created", text);
        Assert.Contains("problem: conduit-2: exited with code 1", text);
    }

    [Fact]
    public void JsonCarriesEveryField()
    {
        using var doc = JsonDocument.Parse(Terminal.JsonString(w => ClusterStatusView.WriteJson(w, Sample())));
        var root = doc.RootElement;
        Assert.Equal(3, root.GetProperty("totals").GetProperty("configured").GetInt32());
        Assert.Equal(2, root.GetProperty("totals").GetProperty("containers").GetInt32());
        Assert.Equal(1, root.GetProperty("totals").GetProperty("running").GetInt32());
        var first = root.GetProperty("containers")[0];
        Assert.Equal(3720, first.GetProperty("uptime_seconds").GetInt64());
        Assert.Equal(2, first.GetProperty("restarts").GetInt32());
        Assert.Equal(402653184, first.GetProperty("limits").GetProperty("memory_bytes").GetInt64());
        Assert.Equal(3, first.GetProperty("ports").GetArrayLength());
        Assert.Equal("udp", first.GetProperty("ports")[1].GetProperty("protocol").GetString());
        var missing = root.GetProperty("containers")[2];
        Assert.Equal(JsonValueKind.Null, missing.GetProperty("id").ValueKind);
        Assert.Equal(JsonValueKind.Null, missing.GetProperty("limits").GetProperty("cpus").ValueKind);
    }

    [Theory]
    [InlineData(42, "42s")]
    [InlineData(125, "2m5s")]
    [InlineData(3720, "1h2m")]
    [InlineData(90000, "1d1h")]
    public void DurationsShowTwoUnits(int seconds, string expected) =>
        Assert.Equal(expected, ClusterStatusView.Duration(TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData("ghcr.io/psiphon-inc/conduit/cli:latest", "ghcr.io/psiphon-inc/conduit/cli", "latest")]
    [InlineData("localhost:5000/node", "localhost:5000/node", "latest")]
    [InlineData("img@sha256:abc", "img@sha256:abc", null)]
    public void PullSplitsReferences(string reference, string repo, string? tag) =>
        Assert.Equal((repo, tag), ImagePull.Split(reference));

    [Fact]
    public void PullOfAnUnreachableRegistryIsOneLineNamingTheImage()
    {
        using var root = new TempRoot();
        // Port 9 on loopback: nothing listens, so the engine's pull fails at once (no traffic leaves the host).
        var r = ConduitProcess.Run(["pull", "--image", "127.0.0.1:9/nothing:latest"], new Dictionary<string, string?> { ["CONDUIT_HOME"] = root.Path });
        Assert.Equal(1, r.ExitCode);
        var line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("conduit: ", StringComparison.Ordinal));
        Assert.StartsWith("conduit: pull 127.0.0.1:9/nothing:latest: ", line);
    }
}

public class MissingImageTests
{
    [Fact]
    public void StartPullsAMissingImageAndReportsWhyItCouldNot()
    {
        using var box = new DockerSandbox();
        box.Set("CONDUIT_IMAGE", "127.0.0.1:9/nothing:latest");
        var r = box.Conduit("scale", "1");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("pulling 127.0.0.1:9/nothing:latest (not on this host yet)", r.Stderr);
        Assert.Contains("conduit: pull 127.0.0.1:9/nothing:latest: ", r.Stderr);
        Assert.Null(box.Inspect(box.Names.Container(1)));
        Assert.Contains("CONTAINER_COUNT=0", File.ReadAllText(box.Paths.SettingsFile));
    }
}
