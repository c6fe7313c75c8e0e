using System.Net.Http;
using Conduit.Host;
using Conduit.Host.Nginx;
using Conduit.Platform;
using Conduit.Settings;
using Conduit.Tests.Support;

namespace Conduit.Tests.Host;

/// <summary>The bridge-mode balancer against a real nginx with its own prefix and loopback ports.</summary>
public sealed class NginxTests
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(40)]
    public void Generated_config_for_N_containers_passes_nginx_t_with_the_full_udp_range(int containers)
    {
        using var box = new NginxSandbox();
        box.Settings(containers, udpPorts: "16384-32768");
        var r = box.Conduit("nginx", "apply", "--no-reload");
        Assert.True(r.ExitCode == 0, r.ToString());
        var stream = File.ReadAllText(box.StreamFile);
        Assert.Equal(containers * 2, stream.Split('\n').Count(l => l.Contains("max_fails=3 fail_timeout=30s;")));
        Assert.Contains("listen 127.0.0.1:16384-32768 udp;", stream);
        Assert.Contains("least_conn;", stream);
        Assert.Contains("hash $remote_addr consistent;", stream);
        var test = box.Nginx("-t");
        Assert.True(test.Ok, test.Stderr);
        // The full range needs more than ~16400 connections per worker, and two descriptors per connection.
        var conf = File.ReadAllText(box.ConfPath);
        var d = NginxConfText.Parse(conf);
        Assert.True(int.Parse(d.Single(x => x.Name == "worker_connections").Args[0]) > 16400 + 8000);
        Assert.True(int.Parse(d.Single(x => x.Name == "worker_rlimit_nofile").Args[0]) >= 2 * int.Parse(d.Single(x => x.Name == "worker_connections").Args[0]));
        Assert.Null(box.MasterPid()); // --no-reload starts nothing
    }

    [Fact]
    public void Tcp_connections_spread_across_three_backends_and_survive_one_stopping()
    {
        using var box = new NginxSandbox();
        var backends = Enumerable.Range(1, 3).Select(i => new EchoBackend($"backend-{i}", box.BridgeBase + i)).ToList();
        var held = new List<System.Net.Sockets.TcpClient>();
        try
        {
            var r = box.Conduit("nginx", "apply");
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Contains("started nginx", r.Stdout);
            Assert.NotNull(box.MasterPid());

            // least_conn with connections held open: each new one goes to the least busy backend -> 3/3/3.
            var seen = new List<string>();
            for (int i = 0; i < 9; i++)
            {
                var (client, line) = LoopbackPorts.ConnectAndRead(box.TcpPort, Timeout);
                held.Add(client);
                seen.Add(line);
            }
            foreach (var b in backends) Assert.Equal(3, seen.Count(s => s == b.Name));

            backends[1].Dispose();
            var after = new List<string>();
            for (int i = 0; i < 9; i++)
            {
                var (client, line) = LoopbackPorts.ConnectAndRead(box.TcpPort, Timeout);
                held.Add(client);
                after.Add(line);
            }
            Assert.All(after, s => Assert.True(s is "backend-1" or "backend-3", $"got '{s}'"));
        }
        finally
        {
            foreach (var c in held) c.Dispose();
            foreach (var b in backends) b.Dispose();
        }
    }

    [Fact]
    public void Udp_range_forwards_every_port_and_one_client_address_sticks_to_one_backend()
    {
        using var box = new NginxSandbox();
        var backends = Enumerable.Range(1, 3).Select(i => new UdpEchoBackend($"udp-{i}", box.BridgeBase + i)).ToList();
        try
        {
            var r = box.Conduit("nginx", "apply");
            Assert.True(r.ExitCode == 0, r.ToString());
            var answers = new List<string>();
            for (int port = box.UdpLow; port <= box.UdpHigh; port++)
            {
                string? answer = null;
                int p = port;
                Assert.True(Wait.Until(() => (answer = UdpEchoBackend.Ask(p, TimeSpan.FromSeconds(1))) is not null, Timeout), $"no answer on udp {port}");
                answers.Add(answer!);
            }
            // hash $remote_addr consistent: every datagram from 127.0.0.1 lands on the same backend.
            Assert.Single(answers.Distinct());
            Assert.StartsWith("udp-", answers[0]);
        }
        finally
        {
            foreach (var b in backends) b.Dispose();
        }
    }

    [Fact]
    public void Missing_stream_module_is_reported_with_the_package_to_install()
    {
        using var box = new NginxSandbox();
        File.WriteAllText(box.ConfPath, box.OriginalConf.Replace("load_module /usr/lib/nginx/modules/ngx_stream_module.so;\n", ""));
        var r = box.Conduit("nginx", "apply");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("conduit: nginx's stream module is not loaded: install libnginx-mod-stream (Debian/Ubuntu), which enables it in modules-enabled/\n", r.Stderr);
        Assert.False(File.Exists(box.StreamFile));
    }

    [Fact]
    public void A_config_nginx_rejects_is_rolled_back_and_the_old_one_keeps_serving()
    {
        using var box = new NginxSandbox();
        box.Settings(1);
        using var backend = new EchoBackend("backend-1", box.BridgeBase + 1);
        var r = box.Conduit("nginx", "apply");
        Assert.True(r.ExitCode == 0, r.ToString());
        var before = File.ReadAllText(box.StreamFile);
        var confBefore = File.ReadAllText(box.ConfPath);
        var state = File.ReadAllText(Path.Combine(box.Home, "state", "nginx.json"));

        // Another stream config already listens where the new settings want to: nginx -t refuses the pair.
        File.WriteAllText(Path.Combine(box.NginxDir, "stream.d", "other.conf"),
            $"server {{\n    listen 127.0.0.1:{box.AltTcpPort};\n    return \"other\\n\";\n}}\n");
        box.Settings(3, tcpPort: box.AltTcpPort);
        r = box.Conduit("nginx", "apply");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("nginx rejected the new configuration; previous files restored", r.Stderr);
        Assert.True(r.Stderr.Contains("duplicate"), r.Stderr);
        Assert.Single(r.Stderr.Trim().Split('\n'));

        Assert.Equal(before, File.ReadAllText(box.StreamFile));
        Assert.Equal(confBefore, File.ReadAllText(box.ConfPath));
        Assert.Equal(state, File.ReadAllText(Path.Combine(box.Home, "state", "nginx.json")));
        var (client, line) = LoopbackPorts.ConnectAndRead(box.TcpPort, Timeout);
        client.Dispose();
        Assert.Equal("backend-1", line);
    }

    [Fact]
    public async Task The_users_http_site_keeps_serving_after_apply_and_remove_restores_nginx_conf_exactly()
    {
        using var box = new NginxSandbox();
        var start = box.Nginx(); // the user's nginx, already running their site
        Assert.True(start.Ok, start.Stderr);
        Assert.True(Wait.Until(() => box.MasterPid() is not null, Timeout));
        using var http = new HttpClient { Timeout = Timeout };
        Assert.Equal("user site\n", await http.GetStringAsync($"http://127.0.0.1:{box.SitePort}/"));
        using var backend = new EchoBackend("backend-1", box.BridgeBase + 1);

        var r = box.Conduit("nginx", "apply");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("reloaded nginx", r.Stdout);
        Assert.Contains("backed up", r.Stdout);
        var conf = File.ReadAllText(box.ConfPath);
        Assert.StartsWith(box.OriginalConf[..box.OriginalConf.IndexOf("worker_processes", StringComparison.Ordinal)], conf);
        Assert.Single(NginxConfText.Parse(conf), d => d.Name == "stream");
        // The reload is asynchronous: wait for the balancer, then the site must still answer.
        Assert.True(Wait.Until(() => TryRead(box.TcpPort) == "backend-1", Timeout));
        Assert.Equal("user site\n", await http.GetStringAsync($"http://127.0.0.1:{box.SitePort}/"));

        // Applying again changes nothing (no second include, no second backup).
        r = box.Conduit("nginx", "apply");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("configuration already up to date", r.Stdout);
        Assert.Equal(conf, File.ReadAllText(box.ConfPath));
        Assert.Single(Directory.GetFiles(Path.Combine(box.Home, "backups"), "nginx.conf.*"));

        r = box.Conduit("nginx", "remove");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(box.OriginalConf, File.ReadAllText(box.ConfPath));
        Assert.False(File.Exists(box.StreamFile));
        Assert.False(File.Exists(Path.Combine(box.Home, "state", "nginx.json")));
        Assert.True(Wait.Until(() => TryRead(box.TcpPort) is null, Timeout));
        Assert.Equal("user site\n", await http.GetStringAsync($"http://127.0.0.1:{box.SitePort}/"));
    }

    static string? TryRead(int port)
    {
        try
        {
            var (client, line) = LoopbackPorts.ConnectAndRead(port, TimeSpan.FromSeconds(2));
            client.Dispose();
            return line;
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or TimeoutException or AggregateException)
        {
            return null;
        }
    }

    [Fact]
    public void Status_in_host_mode_explains_in_two_lines_and_exits_0()
    {
        using var root = new TempRoot();
        var r = ConduitProcess.RunIn(root, "nginx", "status");
        Assert.Equal(0, r.ExitCode);
        var lines = r.Stdout.Trim().Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Contains("NETWORK_MODE=host: no load balancer", lines[0]);
        Assert.Contains("NAT", lines[1]);
        r = ConduitProcess.RunIn(root, "nginx", "apply");
        Assert.Equal(2, r.ExitCode);
    }

    [Fact]
    public void Existing_stream_block_gets_the_include_inside_it_and_higher_limits_are_kept()
    {
        using var root = new TempRoot();
        var paths = new ConduitPaths(root.Combine("opt", "conduit"), root.Path);
        var settings = ConduitSettings.FromFile(SettingsFile.Parse("x", "NETWORK_MODE=bridge\nCONTAINER_COUNT=2\n"u8), new HostFacts(2, 4L << 30));
        var layer = new NginxLayer(paths, settings);
        const string conf = "worker_rlimit_nofile 999999;\nevents { worker_connections 65535; }\nstream {\n    server { listen 1; return x; }\n}\n";
        var edits = new List<ValueChange>();
        var text = layer.EnsureConf(conf, edits);
        Assert.Single(edits);
        Assert.Equal($"worker_rlimit_nofile 999999;\nevents {{ worker_connections 65535; }}\nstream {{\n    include {layer.Host.StreamDir}/*.conf; # added by conduit\n    server {{ listen 1; return x; }}\n}}\n", text);
        Assert.Empty(edits.Skip(1));
        // A second pass finds the include and adds nothing.
        var again = new List<ValueChange>();
        Assert.Equal(text, layer.EnsureConf(text, again));
        Assert.Empty(again);
    }

    [Fact]
    public void Generated_config_matches_the_seed_shape()
    {
        var b = new NginxBalancer(2, 8080, "", 443, 16384, 32768);
        Assert.Equal("""
            # Written by `conduit nginx apply` (NETWORK_MODE=bridge) for 2 container(s).
            # Regenerated on every apply and scale: change the NGINX_* settings, not this file.
            upstream conduit_tcp_backend {
                least_conn;
                server 127.0.0.1:8081 max_fails=3 fail_timeout=30s;
                server 127.0.0.1:8082 max_fails=3 fail_timeout=30s;
            }
            upstream conduit_udp_backend {
                hash $remote_addr consistent;
                server 127.0.0.1:8081 max_fails=3 fail_timeout=30s;
                server 127.0.0.1:8082 max_fails=3 fail_timeout=30s;
            }
            server {
                listen 443;
                proxy_pass conduit_tcp_backend;
                proxy_timeout 10m;
            }
            server {
                listen 16384-32768 udp;
                proxy_pass conduit_udp_backend;
                proxy_timeout 10m;
            }

            """, b.StreamConfig());
        Assert.Equal(25600, b.WorkerConnections);
    }
}
