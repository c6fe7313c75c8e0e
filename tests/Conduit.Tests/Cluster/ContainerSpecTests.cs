#nullable disable warnings
using Conduit.Cluster;
using Conduit.Settings;
using Docker.DotNet.Models;
using ContainerSpec = Conduit.Cluster.ContainerSpec;

namespace Conduit.Tests.Cluster;

public class ContainerSpecTests
{
    static readonly HostFacts Host = new(4, 8L << 30);

    static ConduitSettings Parse(string text) =>
        ConduitSettings.FromFile(SettingsFile.Parse("/test/settings.conf", System.Text.Encoding.UTF8.GetBytes(text)), Host);

    [Fact]
    public void HostModeUsesThe20FlagsAndLoopbackMetrics()
    {
        var spec = ContainerSpec.For(Parse("MAX_CLIENTS=200\nBANDWIDTH=5\nMETRICS_PORT_BASE=9500\n"), 2);
        Assert.Equal("conduit-2", spec.Name);
        Assert.Equal("conduit-data-2", spec.Volume);
        Assert.Equal(["start", "--data-dir", "/home/conduit/data", "--max-common-clients", "200", "--bandwidth", "5", "--metrics-addr", "127.0.0.1:9502"], spec.Command);
        Assert.Equal("127.0.0.1:9502", spec.MetricsAddress);
        Assert.Empty(spec.Ports);
        var create = spec.ToCreateParameters();
        Assert.Equal("host", create.HostConfig.NetworkMode);
        Assert.Null(create.HostConfig.PortBindings);
        Assert.Equal(220_000_000, create.HostConfig.NanoCPUs);
        Assert.Equal(384L << 20, create.HostConfig.Memory);
        Assert.True(create.HostConfig.Init);
        Assert.Equal(RestartPolicyKind.UnlessStopped, create.HostConfig.RestartPolicy.Name);
        Assert.Equal("json-file", create.HostConfig.LogConfig.Type);
        Assert.Equal("15m", create.HostConfig.LogConfig.Config["max-size"]);
        Assert.Equal("3", create.HostConfig.LogConfig.Config["max-file"]);
        var nofile = Assert.Single(create.HostConfig.Ulimits);
        Assert.Equal(("nofile", 16384L, 16384L), (nofile.Name, nofile.Soft, nofile.Hard));
        var mount = Assert.Single(create.HostConfig.Mounts);
        Assert.Equal(("volume", "conduit-data-2", "/home/conduit/data"), (mount.Type, mount.Source, mount.Target));
        Assert.Equal("conduit", create.Labels[ClusterNames.ManagedByLabel]);
        Assert.Equal("2", create.Labels[ClusterNames.IndexLabel]);
        Assert.Equal(spec.Hash, create.Labels[ClusterNames.SpecHashLabel]);
    }

    [Fact]
    public void NodeFlags1UsesTheOldFlagSetAndHasNoMetrics()
    {
        var spec = ContainerSpec.For(Parse("NODE_FLAGS=1\nMAX_CLIENTS=300\nBANDWIDTH=-1\n"), 1);
        Assert.Equal(["start", "--data-dir", "/home/conduit/data", "--max-clients", "300", "--bandwidth", "-1", "--stats-file"], spec.Command);
        Assert.Null(spec.MetricsAddress);
    }

    [Fact]
    public void BridgeModePublishesOnLoopbackOnly()
    {
        var spec = ContainerSpec.For(Parse("NETWORK_MODE=bridge\nBRIDGE_PORT_BASE=8080\nMETRICS_PORT_BASE=9500\nCONTAINER_NAME=edge\n"), 3);
        Assert.Equal("edge-3", spec.Name);
        Assert.Equal("edge-net", spec.Network);
        Assert.Contains("0.0.0.0:9503", spec.Command);
        Assert.Equal("127.0.0.1:9503", spec.MetricsAddress);
        var create = spec.ToCreateParameters();
        Assert.Equal("edge-net", create.HostConfig.NetworkMode);
        Assert.Equal(["443/tcp", "443/udp", "9503/tcp"], create.HostConfig.PortBindings.Keys.Order());
        Assert.All(create.HostConfig.PortBindings.Values.SelectMany(b => b), b => Assert.Equal("127.0.0.1", b.HostIP));
        Assert.Equal("8083", create.HostConfig.PortBindings["443/udp"][0].HostPort);
        Assert.Equal("9503", create.HostConfig.PortBindings["9503/tcp"][0].HostPort);
    }

    [Fact]
    public void PerContainerOverrideChangesOnlyThatContainersHash()
    {
        var before = Parse("MAX_CLIENTS=200\n");
        var after = Parse("MAX_CLIENTS=200\nMAX_CLIENTS_2=400\nCPUS_2=1.0\n");
        Assert.Equal(ContainerSpec.For(before, 1).Hash, ContainerSpec.For(after, 1).Hash);
        Assert.NotEqual(ContainerSpec.For(before, 2).Hash, ContainerSpec.For(after, 2).Hash);
        Assert.Equal(1_000_000_000, ContainerSpec.For(after, 2).NanoCpus);
        Assert.Equal(ContainerSpec.For(before, 2).Hash, ContainerSpec.For(Parse("MAX_CLIENTS=200\n"), 2).Hash);
    }

    [Fact]
    public void StationNameDoesNotForceARecreate()
    {
        Assert.Equal(ContainerSpec.For(Parse(""), 1).Hash, ContainerSpec.For(Parse("STATION_NAME=other\n"), 1).Hash);
    }

    [Theory]
    [InlineData("conduit")]
    [InlineData("t1a2b3c4d")]
    [InlineData("node.a_b-c")]
    public void ContainerNameAcceptsDockerNames(string name) =>
        Assert.Equal(name + "-data-2", ContainerSpec.For(Parse($"CONTAINER_NAME={name}\n"), 2).Volume);

    [Theory]
    [InlineData("-bad")]
    [InlineData("has space")]
    [InlineData("slash/name")]
    public void ContainerNameRejectsOthers(string name)
    {
        var e = Assert.Throws<UsageException>(() => Parse($"CONTAINER_NAME={name}\n"));
        Assert.Contains("CONTAINER_NAME", e.Message);
    }
}
