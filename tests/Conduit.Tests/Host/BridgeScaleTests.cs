namespace Conduit.Tests.Host;

/// <summary>Scaling in bridge mode tells the nginx layer, which regenerates and applies the balancer.</summary>
public sealed class BridgeScaleTests
{
    static int ServerLines(string file) =>
        File.Exists(file) ? File.ReadAllLines(file).Count(l => l.Contains("max_fails=3 fail_timeout=30s;")) : 0;

    [Fact]
    public void Scale_in_bridge_mode_regenerates_and_applies_the_nginx_config()
    {
        using var box = new NginxSandbox();
        using var cluster = new StandinCluster(box.Root, 0, $"""
            NETWORK_MODE=bridge
            BRIDGE_PORT_BASE={box.BridgeBase}
            NGINX_PREFIX=/etc/nginx
            NGINX_LISTEN_ADDRESS=127.0.0.1
            NGINX_TCP_PORT={box.TcpPort}
            NGINX_UDP_PORTS={box.UdpLow}-{box.UdpHigh}
            """);

        var r = cluster.Conduit("scale", "2");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("nginx: wrote", r.Stdout);
        Assert.Equal(4, ServerLines(box.StreamFile)); // 2 backends in the TCP and the UDP upstream
        Assert.Contains($"server 127.0.0.1:{box.BridgeBase + 2} ", File.ReadAllText(box.StreamFile));
        Assert.NotNull(box.MasterPid());
        Assert.Equal("running", cluster.State(2));
        Assert.True(box.Nginx("-t").Ok);

        r = cluster.Conduit("scale", "1");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("nginx: reloaded nginx", r.Stdout);
        Assert.Equal(2, ServerLines(box.StreamFile));

        r = cluster.Conduit("scale", "0");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.False(File.Exists(box.StreamFile));
        Assert.Equal(box.OriginalConf, File.ReadAllText(box.ConfPath));
        Assert.False(File.Exists(Path.Combine(box.Home, "state", "nginx.json")));
    }

    [Fact]
    public void Install_in_bridge_mode_puts_the_balancer_in_front_and_uninstall_takes_it_away()
    {
        using var box = new NginxSandbox();
        using var cluster = new StandinCluster(box.Root, 0, $"""
            BRIDGE_PORT_BASE={box.BridgeBase}
            NGINX_PREFIX=/etc/nginx
            NGINX_LISTEN_ADDRESS=127.0.0.1
            NGINX_TCP_PORT={box.TcpPort}
            NGINX_UDP_PORTS={box.UdpLow}-{box.UdpHigh}
            """);

        var r = cluster.Conduit("install", "--yes", "--network", "bridge", "--containers", "2");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("(bridge networking)", r.Stdout);
        Assert.Contains($"wrote {box.StreamFile} (2 backend(s))", r.Stdout);
        Assert.DoesNotContain("already up to date", r.Stdout); // the nodes step does not report the nginx step again
        Assert.Equal(4, ServerLines(box.StreamFile)); // 2 backends in the TCP and the UDP upstream
        Assert.Contains($"server 127.0.0.1:{box.BridgeBase + 2} ", File.ReadAllText(box.StreamFile));
        Assert.NotNull(box.MasterPid());
        Assert.True(box.Nginx("-t").Ok);
        Assert.Equal("running", cluster.State(1));
        Assert.Equal("running", cluster.State(2));
        var settings = File.ReadAllText(Path.Combine(cluster.Home, "settings.conf"));
        Assert.Contains("NETWORK_MODE=bridge", settings);
        // The machine's CPU share is split between the 2 nodes installed, not the capacity plan's count.
        var cpu = Conduit.Host.CapacityPlan.For(Conduit.Settings.HostFacts.Current().Cores, Conduit.Settings.HostFacts.Current().MemoryBytes).WithContainers(2).CpuPerContainer;
        Assert.Contains($"CONTAINER_CPU_LIMIT={cpu.ToString(System.Globalization.CultureInfo.InvariantCulture)}\n", settings);

        r = cluster.Conduit("uninstall", "--yes");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.False(File.Exists(box.StreamFile));
        Assert.Equal(box.OriginalConf, File.ReadAllText(box.ConfPath));
        Assert.Equal("", StandinCluster.Docker("ps", "-aq", "--filter", $"label=io.conduit.instance={cluster.Name}").Stdout.Trim());
    }
}
