using System.Net.Sockets;
using Conduit.Cluster;
using Conduit.Tests.Support;

namespace Conduit.Tests.Cluster;

public class DockerEngineTests
{
    [Theory]
    [InlineData("1.41", "1.12", "1.41")]
    [InlineData("1.47", "1.24", "1.47")]
    [InlineData("1.60", "1.44", "1.52")]
    public void NegotiatesTheNewestCommonApi(string daemon, string min, string expected) =>
        Assert.Equal(Version.Parse(expected), DockerEngine.Negotiate(daemon, min));

    [Fact]
    public void RefusesADaemonThatIsTooNew()
    {
        var e = Assert.Throws<ConduitException>(() => DockerEngine.Negotiate("1.70", "1.60"));
        Assert.Contains("update conduit", e.Message);
    }

    [Fact]
    public void DockerHostDecidesTheEndpoint()
    {
        Assert.Equal("unix:///var/run/docker.sock", DockerEngine.ResolveEndpoint(_ => null).ToString());
        Assert.Equal("/run/x.sock", DockerEngine.ResolveEndpoint(_ => "unix:///run/x.sock").LocalPath);
        var e = Assert.Throws<UsageException>(() => DockerEngine.ResolveEndpoint(_ => "ftp://nowhere"));
        Assert.Contains("DOCKER_HOST=ftp://nowhere", e.Message);
    }

    [Fact]
    public void MissingSocketSaysInstalledAndRunning()
    {
        using var root = new TempRoot();
        var r = ConduitProcess.Run(["status"], new Dictionary<string, string?>
        {
            ["DOCKER_HOST"] = $"unix://{root.Combine("docker.sock")}",
            ["CONDUIT_HOME"] = root.Combine("home"),
        });
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("", r.Stdout);
        var line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("conduit: cannot reach the Docker engine at unix://", line);
        Assert.Contains("is Docker installed", line);
        Assert.Contains("running", line);
    }

    [Fact]
    public void DeadSocketSaysTheDaemonIsNotRunning()
    {
        using var root = new TempRoot();
        var path = root.Combine("docker.sock");
        // A socket file nobody listens on: what a crashed or stopped dockerd leaves behind.
        // (Bound, never listening; .NET unlinks the file on dispose, so keep it open during the run.)
        using var dead = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        dead.Bind(new UnixDomainSocketEndPoint(path));
        var r = ConduitProcess.Run(["start"], new Dictionary<string, string?>
        {
            ["DOCKER_HOST"] = $"unix://{path}",
            ["CONDUIT_HOME"] = root.Combine("home"),
        });
        Assert.Equal(1, r.ExitCode);
        var line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("cannot reach the Docker engine", line);
        Assert.True(line.Contains("is the Docker daemon running", StringComparison.Ordinal), line);
    }
}
