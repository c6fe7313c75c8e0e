#nullable disable warnings
using System.Text.Json;
using Conduit.Cluster;

namespace Conduit.Tests.Cluster;

public class NetworkModeTests
{
    static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };

    static async Task<string?> TryGet(string url)
    {
        try { return await Http.GetStringAsync(url); }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { return null; }
    }

    [Fact]
    public async Task HostModeServesMetricsOnTheAdvertisedLoopbackAddress()
    {
        using var box = new DockerSandbox();
        Assert.Equal(0, box.Conduit("scale", "2").ExitCode);
        Assert.Equal("host", box.Inspect(box.Names.Container(1))!.HostConfig.NetworkMode);
        var snapshot = await box.Ops().SnapshotAsync(default);
        Assert.Equal([$"127.0.0.1:{box.MetricsPortBase + 1}", $"127.0.0.1:{box.MetricsPortBase + 2}"], snapshot.Containers.Select(c => c.MetricsAddress));
        foreach (var c in snapshot.Containers)
            await DockerSandbox.WaitUntil(async () => (await TryGet($"http://{c.MetricsAddress}/metrics"))?.Contains("conduit_connected_clients ") == true, $"metrics of {c.Name}");

        var r = box.Conduit("status", "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        using var json = JsonDocument.Parse(r.Stdout);
        var totals = json.RootElement.GetProperty("totals");
        Assert.Equal(2, totals.GetProperty("configured").GetInt32());
        Assert.Equal(2, totals.GetProperty("running").GetInt32());
        Assert.Equal(2, totals.GetProperty("healthy").GetInt32());
        var first = json.RootElement.GetProperty("containers")[0];
        Assert.Equal(box.Instance, first.GetProperty("name").GetString());
        Assert.Equal("running", first.GetProperty("state").GetString());
        Assert.Equal("healthy", first.GetProperty("health").GetString());
        Assert.Equal(0.22, first.GetProperty("limits").GetProperty("cpus").GetDouble());
        Assert.Equal(384L << 20, first.GetProperty("limits").GetProperty("memory_bytes").GetInt64());
        Assert.Equal(16384, first.GetProperty("limits").GetProperty("nofile").GetInt32());
        Assert.Equal(DockerSandbox.StandinImage, first.GetProperty("image").GetString());
        Assert.Equal($"127.0.0.1:{box.MetricsPortBase + 1}", first.GetProperty("metrics_address").GetString());
        Assert.True(first.GetProperty("uptime_seconds").GetInt64() >= 0);

        var table = box.Conduit("status");
        Assert.Contains("2/2 running, 2 healthy", table.Stdout);
    }

    sealed class Recorder(string instance) : IBridgeBackendsListener
    {
        public List<IReadOnlyList<BridgeBackend>> Calls { get; } = [];
        public Task BackendsChangedAsync(string cluster, IReadOnlyList<BridgeBackend> backends, CancellationToken ct)
        {
            // Other tests in this process scale too: keep only this sandbox's notifications.
            if (cluster == instance)
                lock (Calls) Calls.Add(backends);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task BridgeModePublishesOnLoopbackOnlyAndTellsTheBalancer()
    {
        using var box = new DockerSandbox("NETWORK_MODE=bridge\n");
        var recorder = new Recorder(box.Instance);
        ClusterHooks.AddBridgeListener(recorder);
        try
        {
            var report = await box.Ops().ScaleAsync(2, purge: false, Conduit.Settings.HostFacts.Current(), default);
            Assert.False(report.Failed, string.Join("; ", report.Nodes));
            var network = await box.Engine.TryInspectNetworkAsync(box.Names.Network, default);
            Assert.NotNull(network);
            Assert.True(box.Names.Owns(network.Labels));
            for (var i = 1; i <= 2; i++)
            {
                var c = box.Inspect(box.Names.Container(i))!;
                Assert.Equal(box.Names.Network, c.HostConfig.NetworkMode);
                var bindings = c.HostConfig.PortBindings!;
                Assert.All(bindings.Values.SelectMany(b => b), b => Assert.Equal("127.0.0.1", b.HostIP));
                Assert.Equal($"{box.BridgePortBase + i}", bindings["443/tcp"][0].HostPort);
                Assert.Equal($"{box.BridgePortBase + i}", bindings["443/udp"][0].HostPort);
                Assert.Equal($"{box.MetricsPortBase + i}", bindings[$"{box.MetricsPortBase + i}/tcp"][0].HostPort);
                var url = $"http://127.0.0.1:{box.MetricsPortBase + i}/metrics";
                await DockerSandbox.WaitUntil(async () => (await TryGet(url))?.Contains("conduit_is_live 1") == true, $"bridge metrics of node {i}");
            }
            var call = Assert.Single(recorder.Calls);
            Assert.Equal([(1, box.BridgePortBase + 1), (2, box.BridgePortBase + 2)], call.Select(b => (b.Index, b.Port)));
            Assert.All(call, b => Assert.Equal("127.0.0.1", b.HostIp));

            var snapshot = await box.Ops().SnapshotAsync(default);
            Assert.All(snapshot.Containers, c => Assert.Equal("bridge", c.NetworkMode));
            Assert.Equal(3, snapshot.Containers[0].Ports.Count);

            await box.Ops().ScaleAsync(0, purge: true, Conduit.Settings.HostFacts.Current(), default);
            Assert.Null(await box.Engine.TryInspectNetworkAsync(box.Names.Network, default));
            Assert.Equal(2, recorder.Calls.Count);
            Assert.Empty(recorder.Calls[1]);
        }
        finally
        {
            ClusterHooks.RemoveBridgeListener(recorder);
        }
    }
}
