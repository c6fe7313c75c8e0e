using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Conduit.Settings;
using Docker.DotNet.Models;

namespace Conduit.Cluster;

/// <summary>A port published on the host: HostIp:HostPort -> ContainerPort/Protocol.</summary>
public sealed record PublishedPort(string HostIp, int HostPort, int ContainerPort, string Protocol)
{
    public override string ToString() => $"{HostIp}:{HostPort}->{ContainerPort}/{Protocol}";
}

/// <summary>
/// Everything that defines node container N, built in ONE place (<see cref="For"/>) from the settings. Two code
/// paths building containers differently was one of the old tool's bugs: every create goes through here, and
/// <see cref="Hash"/> tells whether a running container still matches its settings.
/// </summary>
public sealed record ContainerSpec(
    int Index,
    string Name,
    string Volume,
    string Image,
    IReadOnlyList<string> Command,
    bool BridgeMode,
    string? Network,
    long NanoCpus,
    long MemoryBytes,
    long Nofile,
    IReadOnlyList<PublishedPort> Ports,
    string? MetricsAddress,
    IReadOnlyDictionary<string, string> Labels,
    string Hash)
{
    /// <summary>
    /// The node's data dir. The official 2.0 image runs as uid 1000 with /home/conduit/data owned by it, so a new
    /// named volume mounted there inherits that owner; mounted at /data (the v2 scripts) it would be root-owned
    /// and unwritable for the node. The key sits at the volume root either way, so old volumes carry over.
    /// </summary>
    public const string DataDir = "/home/conduit/data";
    public const string KeyFileName = "conduit_key.json";
    public const string KeyPath = DataDir + "/" + KeyFileName;
    /// <summary>The seed's in-container port that bridge mode publishes on 127.0.0.1:(BRIDGE_PORT_BASE+i).</summary>
    public const int BridgeContainerPort = 443;
    public const long LogMaxSizeBytes = 15L << 20;
    public const int LogMaxFiles = 3;

    /// <param name="cli">what the image's CLI accepts (default: what NODE_FLAGS says)</param>
    /// <param name="throttle">reduced limits the data cap imposes near its limit (null: the settings' own)</param>
    public static ContainerSpec For(ConduitSettings settings, int index, ImageCli? cli = null, NodeThrottle? throttle = null)
    {
        cli ??= ImageCli.FromSettings(settings);
        if (index < 1) throw new ArgumentOutOfRangeException(nameof(index), "container index starts at 1");
        var names = new ClusterNames(settings.ContainerName);
        var node = settings.ForContainer(index);
        if (throttle is not null) node = throttle.Apply(node);
        var metricsPort = settings.MetricsPortBase + index;
        var bridge = settings.BridgeMode;
        var command = new List<string> { "start", "--data-dir", DataDir };
        string? metrics = null;
        if (cli.Generation == NodeCliGeneration.V1)
        {
            // 1.x has no Prometheus endpoint; it writes stats JSON into the data dir instead.
            command.AddRange(["--max-clients", Num(node.MaxClients), "--bandwidth", Num(node.Bandwidth), "--stats-file"]);
        }
        else
        {
            metrics = $"127.0.0.1:{Num(metricsPort)}";
            // In bridge mode the node listens inside its own namespace; docker publishes it on host loopback only.
            var listen = bridge ? $"0.0.0.0:{Num(metricsPort)}" : metrics;
            command.AddRange(["--max-common-clients", Num(node.MaxClients), "--bandwidth", Num(node.Bandwidth), "--metrics-addr", listen]);
            command.AddRange(Personal.NodeOptions.Flags(settings, node, cli));
        }
        var ports = new List<PublishedPort>();
        if (bridge)
        {
            var hostPort = settings.BridgePortBase + index;
            ports.Add(new("127.0.0.1", hostPort, BridgeContainerPort, "tcp"));
            ports.Add(new("127.0.0.1", hostPort, BridgeContainerPort, "udp"));
            if (metrics is not null) ports.Add(new("127.0.0.1", metricsPort, metricsPort, "tcp"));
        }
        var nanoCpus = node.Cpus is double c ? (long)Math.Round(c * 1e9) : 0;
        var memory = node.MemoryBytes ?? 0;
        var labels = names.IndexedLabels(index);
        var spec = new ContainerSpec(index, names.Container(index), names.Volume(index), settings.Image, command, bridge,
            bridge ? names.Network : null, nanoCpus, memory, settings.UlimitNofile, ports, metrics, labels, "");
        var hash = spec.ComputeHash();
        labels[ClusterNames.SpecHashLabel] = hash;
        return spec with { Hash = hash };
    }

    /// <summary>Hash of everything that needs a recreate when it changes (not the labels that carry it).</summary>
    string ComputeHash()
    {
        var text = new StringBuilder()
            .Append("v1\n").Append(Name).Append('\n').Append(Volume).Append('\n').Append(Image).Append('\n')
            .Append(string.Join('\u001f', Command)).Append('\n')
            .Append(BridgeMode ? "bridge" : "host").Append('\n').Append(Network).Append('\n')
            .Append(Num(NanoCpus)).Append('\n').Append(Num(MemoryBytes)).Append('\n').Append(Num(Nofile)).Append('\n')
            .Append(string.Join(',', Ports)).Append('\n')
            .Append(DataDir).Append("\ninit,unless-stopped,json-file:15m:3\n");
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
        return Convert.ToHexStringLower(digest.AsSpan(0, 8));
    }

    /// <summary>The Docker create request for this spec.</summary>
    public CreateContainerParameters ToCreateParameters()
    {
        var host = new HostConfig
        {
            NetworkMode = BridgeMode ? Network! : "host",
            Mounts = [new Mount { Type = "volume", Source = Volume, Target = DataDir }],
            RestartPolicy = new RestartPolicy { Name = RestartPolicyKind.UnlessStopped },
            LogConfig = new LogConfig
            {
                Type = "json-file",
                Config = new Dictionary<string, string> { ["max-size"] = "15m", ["max-file"] = Num(LogMaxFiles) },
            },
            // A shell or Go binary as PID 1 may ignore SIGTERM: docker-init forwards it, so stop takes < 1 s.
            Init = true,
            NanoCPUs = NanoCpus,
            Memory = MemoryBytes,
            Ulimits = [new Ulimit { Name = "nofile", Soft = Nofile, Hard = Nofile }],
        };
        var create = new CreateContainerParameters
        {
            Name = Name,
            Image = Image,
            Cmd = [.. Command],
            Labels = new Dictionary<string, string>(Labels),
            HostConfig = host,
        };
        if (BridgeMode)
        {
            var exposed = new Dictionary<string, EmptyStruct>();
            var bindings = new Dictionary<string, IList<PortBinding>>();
            foreach (var p in Ports)
            {
                var key = $"{Num(p.ContainerPort)}/{p.Protocol}";
                exposed[key] = default;
                bindings[key] = [new PortBinding { HostIP = p.HostIp, HostPort = Num(p.HostPort) }];
            }
            create.ExposedPorts = exposed;
            host.PortBindings = bindings;
            create.NetworkingConfig = new NetworkingConfig
            {
                EndpointsConfig = new Dictionary<string, EndpointSettings> { [Network!] = new EndpointSettings() },
            };
        }
        return create;
    }

    static string Num(long v) => v.ToString(CultureInfo.InvariantCulture);
    static string Num(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
}
