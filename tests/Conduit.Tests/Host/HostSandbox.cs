using System.Net;
using System.Net.Sockets;
using System.Text;
using Conduit.Platform;
using Conduit.Tests.Support;

namespace Conduit.Tests.Host;

/// <summary>
/// A private nginx for one test: its own prefix inside a temp root (which is also CONDUIT_SYSROOT), an http
/// site standing in for the user's website, high loopback ports picked per test. Stopped on dispose.
/// </summary>
public sealed class NginxSandbox : IDisposable
{
    public NginxSandbox()
    {
        Root = new TempRoot("conduit-nginx");
        Directory.CreateDirectory(NginxDir);
        Directory.CreateDirectory(Path.Combine(NginxDir, "tmp"));
        Ports = LoopbackPorts.Reserve(12);
        SitePort = Ports[0];
        TcpPort = Ports[1];
        AltTcpPort = Ports[2];
        UdpLow = Ports[3];
        UdpHigh = Ports[3] + 2;
        BridgeBase = Ports[6] - 1; // containers 1..3 -> Ports[6..8]
        OriginalConf = $$"""
            # the user's own nginx.conf
            load_module /usr/lib/nginx/modules/ngx_stream_module.so;
            worker_processes 1;
            pid {{NginxDir}}/nginx.pid;
            error_log {{NginxDir}}/error.log;

            events {
                worker_connections 768;
            }

            http {
                access_log off;
                client_body_temp_path {{NginxDir}}/tmp;
                proxy_temp_path {{NginxDir}}/tmp;
                fastcgi_temp_path {{NginxDir}}/tmp;
                uwsgi_temp_path {{NginxDir}}/tmp;
                scgi_temp_path {{NginxDir}}/tmp;
                server {
                    listen 127.0.0.1:{{SitePort}};
                    location / { return 200 "user site\n"; }
                }
            }

            """;
        File.WriteAllText(ConfPath, OriginalConf);
        Settings(3);
    }

    public TempRoot Root { get; }
    public string NginxDir => Root.Combine("etc", "nginx");
    public string ConfPath => Path.Combine(NginxDir, "nginx.conf");
    public string StreamFile => Path.Combine(NginxDir, "stream.d", "conduit.conf");
    public string Home => Root.Combine("opt", "conduit");
    public string OriginalConf { get; }
    public int[] Ports { get; }
    public int SitePort { get; }
    public int TcpPort { get; }
    public int AltTcpPort { get; }
    public int UdpLow { get; }
    public int UdpHigh { get; }
    public int BridgeBase { get; }

    /// <summary>Bridge mode, this sandbox's nginx and ports, N containers.</summary>
    public void Settings(int containers, int? tcpPort = null, string? udpPorts = null)
    {
        Directory.CreateDirectory(Home);
        File.WriteAllText(Path.Combine(Home, "settings.conf"), $"""
            NETWORK_MODE=bridge
            CONTAINER_COUNT={containers}
            BRIDGE_PORT_BASE={BridgeBase}
            NGINX_PREFIX=/etc/nginx
            NGINX_LISTEN_ADDRESS=127.0.0.1
            NGINX_TCP_PORT={tcpPort ?? TcpPort}
            NGINX_UDP_PORTS={udpPorts ?? $"{UdpLow}-{UdpHigh}"}

            """);
    }

    public RunResult Conduit(params string[] args) => ConduitProcess.RunIn(Root, args);

    public ProcessResult Nginx(params string[] args) =>
        ProcessRunner.Run("nginx", [.. args, "-p", NginxDir, "-c", ConfPath], TimeSpan.FromSeconds(30));

    public int? MasterPid()
    {
        var pidFile = Path.Combine(NginxDir, "nginx.pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid)) return null;
        var stat = $"/proc/{pid}/stat";
        return File.Exists(stat) && !File.ReadAllText(stat).Contains(") Z ") ? pid : null;
    }

    public void Dispose()
    {
        try
        {
            if (MasterPid() is int pid)
            {
                Nginx("-s", "quit");
                if (!Wait.Until(() => MasterPid() is null, TimeSpan.FromSeconds(10)))
                    try { System.Diagnostics.Process.GetProcessById(pid).Kill(entireProcessTree: true); } catch (ArgumentException) { }
            }
        }
        finally
        {
            Root.Dispose();
        }
    }
}

/// <summary>Small TCP listeners on loopback that answer every connection with their name and hold it open.</summary>
public sealed class EchoBackend : IDisposable
{
    readonly TcpListener _listener;
    readonly CancellationTokenSource _stop = new();
    readonly List<TcpClient> _clients = [];

    public EchoBackend(string name, int port)
    {
        Name = name;
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        _ = AcceptLoop();
    }

    public string Name { get; }

    async Task AcceptLoop()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                lock (_clients) _clients.Add(client);
                await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes(Name + "\n"), _stop.Token);
            }
        }
        catch (OperationCanceledException) { }
        catch (ObjectDisposedException) { }
        catch (SocketException) { }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_clients)
            foreach (var c in _clients) c.Dispose();
    }
}

public static class LoopbackPorts
{
    /// <summary>
    /// A block of consecutive ports free for TCP and UDP on 127.0.0.1, below the ephemeral range, picked at
    /// random so parallel tests (and other helpers' tests) do not collide.
    /// </summary>
    public static int[] Reserve(int count)
    {
        for (int attempt = 0; attempt < 200; attempt++)
        {
            int start = Random.Shared.Next(20000, 32000 - count);
            if (Enumerable.Range(start, count).All(Free)) return Enumerable.Range(start, count).ToArray();
        }
        throw new InvalidOperationException("no free block of loopback ports");
    }

    static bool Free(int port)
    {
        try
        {
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException) { return false; }
    }

    /// <summary>Connects and reads the first line the far side sends (the backend's name).</summary>
    public static (TcpClient Client, string Line) ConnectAndRead(int port, TimeSpan timeout)
    {
        var client = new TcpClient();
        try
        {
            client.ReceiveTimeout = (int)timeout.TotalMilliseconds;
            if (!client.ConnectAsync(IPAddress.Loopback, port).Wait(timeout)) throw new TimeoutException($"connect to {port}");
            var reader = new StreamReader(client.GetStream(), Encoding.ASCII);
            var line = reader.ReadLine() ?? "";
            return (client, line);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }
}

public static class Wait
{
    /// <summary>Polls a condition until it holds or the deadline passes (no fixed sleeps in tests).</summary>
    public static bool Until(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (condition()) return true;
            if (DateTime.UtcNow > deadline) return false;
            Thread.Sleep(25);
        }
    }
}

/// <summary>
/// A cluster instance of stand-in node containers for one test: its own CONTAINER_NAME (so it never meets
/// another test's containers) and loopback ports; containers, volumes and network removed on dispose.
/// </summary>
public sealed class StandinCluster : IDisposable
{
    public const string Image = "conduit-standin:test";

    public StandinCluster(TempRoot root, int containers, string extraSettings = "")
    {
        Root = root;
        Name = $"h{Guid.NewGuid():N}"[..12];
        MetricsBase = LoopbackPorts.Reserve(containers + 1)[0];
        Directory.CreateDirectory(Home);
        File.WriteAllText(Path.Combine(Home, "settings.conf"), $"""
            CONTAINER_NAME={Name}
            CONDUIT_IMAGE={Image}
            CONTAINER_COUNT={containers}
            METRICS_PORT_BASE={MetricsBase}
            MAX_CLIENTS=10
            BANDWIDTH=2
            {extraSettings}

            """);
    }

    public TempRoot Root { get; }
    public string Name { get; }
    public int MetricsBase { get; }
    public string Home => Root.Combine("opt", "conduit");

    public string Container(int i) => i == 1 ? Name : $"{Name}-{i}";

    public RunResult Conduit(params string[] args) => ConduitProcess.RunIn(Root, args);

    public static ProcessResult Docker(params string[] args) => ProcessRunner.Run("docker", args, TimeSpan.FromSeconds(60));

    public string State(int i) => Docker("inspect", "-f", "{{.State.Status}}", Container(i)).Stdout.Trim();

    public void Dispose()
    {
        var ids = Docker("ps", "-aq", "--filter", $"label=io.conduit.instance={Name}").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (ids.Length > 0) Docker(["rm", "-f", .. ids]);
        var volumes = Docker("volume", "ls", "-q", "--filter", $"label=io.conduit.instance={Name}").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (volumes.Length > 0) Docker(["volume", "rm", "-f", .. volumes]);
        var networks = Docker("network", "ls", "-q", "--filter", $"label=io.conduit.instance={Name}").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (networks.Length > 0) Docker(["network", "rm", .. networks]);
    }
}

/// <summary>A UDP listener on loopback that answers every datagram with its name.</summary>
public sealed class UdpEchoBackend : IDisposable
{
    readonly UdpClient _socket;
    readonly CancellationTokenSource _stop = new();

    public UdpEchoBackend(string name, int port)
    {
        _socket = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
        _ = Loop(Encoding.ASCII.GetBytes(name));
    }

    async Task Loop(byte[] reply)
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var got = await _socket.ReceiveAsync(_stop.Token);
                await _socket.SendAsync(reply, got.RemoteEndPoint, _stop.Token);
            }
        }
        catch (OperationCanceledException) { }
        catch (ObjectDisposedException) { }
        catch (SocketException) { }
    }

    /// <summary>Sends one datagram to a loopback port and returns the answer, or null after the timeout.</summary>
    public static string? Ask(int port, TimeSpan timeout)
    {
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        client.Client.ReceiveTimeout = (int)timeout.TotalMilliseconds;
        client.Send("hello"u8.ToArray(), new IPEndPoint(IPAddress.Loopback, port));
        try
        {
            IPEndPoint? from = null;
            return Encoding.ASCII.GetString(client.Receive(ref from));
        }
        catch (SocketException) { return null; }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
    }
}
