using System.Globalization;
using System.Text;
using Conduit.Settings;

namespace Conduit.Host.Nginx;

/// <summary>
/// What the bridge-mode balancer looks like: the seed's stream config (TCP least_conn, UDP hash by client
/// address, one server per container on its loopback port) and the worker sizing it needs.
/// </summary>
public sealed record NginxBalancer(int Containers, int BridgePortBase, string ListenAddress, int TcpPort, int UdpLow, int UdpHigh)
{
    public const string TcpUpstream = "conduit_tcp_backend";
    public const string UdpUpstream = "conduit_udp_backend";

    public static NginxBalancer From(ConduitSettings settings)
    {
        SettingsSchema.TryParsePortRange(settings["NGINX_UDP_PORTS"], out var low, out var high);
        return new NginxBalancer(settings.ContainerCount, settings.BridgePortBase, settings["NGINX_LISTEN_ADDRESS"],
            int.Parse(settings["NGINX_TCP_PORT"], CultureInfo.InvariantCulture), low, high);
    }

    public int UdpPortCount => UdpHigh - UdpLow + 1;

    /// <summary>Container i publishes TCP and UDP on 127.0.0.1:(base+i).</summary>
    public int BackendPort(int container) => BridgePortBase + container;

    /// <summary>
    /// Each UDP port of the range is a listening socket in every worker, and every proxied session holds two
    /// connections: the seed's full range alone needs ~16400 slots, so size for the range plus 8192 sessions.
    /// </summary>
    public int WorkerConnections => RoundUp(UdpPortCount + 1 + 8192, 1024);

    /// <summary>Two descriptors per connection (client side and upstream side).</summary>
    public int WorkerRlimitNofile => WorkerConnections * 2;

    static int RoundUp(int value, int step) => (value + step - 1) / step * step;

    string Listen(string port) => ListenAddress.Length == 0 ? port
        : ListenAddress.Contains(':') ? $"[{ListenAddress}]:{port}" : $"{ListenAddress}:{port}";

    string UdpRange => UdpLow == UdpHigh ? UdpLow.ToString(CultureInfo.InvariantCulture) : $"{UdpLow}-{UdpHigh}";

    /// <summary>The stream.d/conduit.conf text (included inside nginx.conf's stream block).</summary>
    public string StreamConfig()
    {
        if (Containers < 1) throw new ConduitException("CONTAINER_COUNT is 0: there is no container for nginx to balance");
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(inv, $"# Written by `conduit nginx apply` (NETWORK_MODE=bridge) for {Containers} container(s).\n");
        sb.Append("# Regenerated on every apply and scale: change the NGINX_* settings, not this file.\n");
        foreach (var (name, balance) in new[] { (TcpUpstream, "least_conn"), (UdpUpstream, "hash $remote_addr consistent") })
        {
            sb.Append(inv, $"upstream {name} {{\n    {balance};\n");
            for (int i = 1; i <= Containers; i++)
                sb.Append(inv, $"    server 127.0.0.1:{BackendPort(i)} max_fails=3 fail_timeout=30s;\n");
            sb.Append("}\n");
        }
        sb.Append(inv, $"server {{\n    listen {Listen(TcpPort.ToString(inv))};\n    proxy_pass {TcpUpstream};\n    proxy_timeout 10m;\n}}\n");
        sb.Append(inv, $"server {{\n    listen {Listen(UdpRange)} udp;\n    proxy_pass {UdpUpstream};\n    proxy_timeout 10m;\n}}\n");
        return sb.ToString();
    }
}
