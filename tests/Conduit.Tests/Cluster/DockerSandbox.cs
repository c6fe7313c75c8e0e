using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Conduit.Cluster;
using Conduit.Platform;
using Conduit.Settings;
using Conduit.Tests.Support;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Conduit.Tests.Cluster;

/// <summary>
/// One test's private corner of the shared Docker engine: a unique instance name (containers, volumes and the
/// bridge network all derive from it), free port ranges, a temp CONDUIT_HOME with a settings file pointing at
/// the stand-in image. Dispose removes everything carrying the instance's label or names, even after a failure.
/// </summary>
public sealed class DockerSandbox : IDisposable
{
    public const string StandinImage = "conduit-standin:test";
    static readonly Lazy<bool> ImageBuilt = new(BuildStandin);
    static int _portSlot = Random.Shared.Next(0, 1000);

    public DockerSandbox(string extraSettings = "")
    {
        _ = ImageBuilt.Value;
        Instance = "t" + Guid.NewGuid().ToString("N")[..8];
        Root = new TempRoot("conduit-cluster");
        MetricsPortBase = FreeRange(tcp: true, udp: false);
        BridgePortBase = FreeRange(tcp: true, udp: true);
        Paths = new ConduitPaths(Root.Combine("opt", "conduit"), Root.Path);
        Directory.CreateDirectory(Paths.Home);
        File.WriteAllText(Paths.SettingsFile,
            $"CONTAINER_NAME={Instance}\nCONDUIT_IMAGE={StandinImage}\nCONTAINER_COUNT=0\n" +
            $"METRICS_PORT_BASE={MetricsPortBase}\nBRIDGE_PORT_BASE={BridgePortBase}\n" + extraSettings);
        Engine = DockerEngine.ConnectAsync(CancellationToken.None).GetAwaiter().GetResult();
        Names = new ClusterNames(Instance);
    }

    public string Instance { get; }
    public TempRoot Root { get; }
    public ConduitPaths Paths { get; }
    public int MetricsPortBase { get; }
    public int BridgePortBase { get; }
    public DockerEngine Engine { get; }
    public DockerClient Docker => Engine.Client;
    public ClusterNames Names { get; }

    public ConduitSettings Settings() => ConduitSettings.Load(Paths.SettingsFile);

    public ClusterOperations Ops(bool keysThroughMountpoint = true) =>
        new(Engine, Settings(), Paths, keysThroughMountpoint: keysThroughMountpoint);

    public void Set(string key, string value, int? container = null) =>
        ConduitSettings.SetValue(Paths.SettingsFile, key, value, container, HostFacts.Current());

    /// <summary>Runs the real binary against this sandbox.</summary>
    public RunResult Conduit(params string[] args) =>
        ConduitProcess.Run(args, new Dictionary<string, string?>
        {
            ["CONDUIT_SYSROOT"] = Root.Path,
            ["CONDUIT_HOME"] = Paths.Home,
            ["DOCKER_HOST"] = null,
        });

    public ContainerInspectResponse? Inspect(string name) => Engine.TryInspectContainerAsync(name, default).GetAwaiter().GetResult();
    public VolumeResponse? Volume(string name) => Engine.TryInspectVolumeAsync(name, default).GetAwaiter().GetResult();

    /// <summary>Polls until <paramref name="condition"/> holds; fails with <paramref name="what"/> after the deadline.</summary>
    public static async Task WaitUntil(Func<Task<bool>> condition, string what, int seconds = 20)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            if (await condition()) return;
            await Task.Delay(100);
        }
        Assert.Fail($"timed out after {seconds} s waiting for {what}");
    }

    public void Dispose()
    {
        try
        {
            var filter = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{ClusterNames.InstanceLabel}={Instance}"] = true } };
            var containers = Docker.Containers.ListContainersAsync(new ContainersListParameters { All = true, Filters = filter }).GetAwaiter().GetResult();
            var byName = Docker.Containers.ListContainersAsync(new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["name"] = new Dictionary<string, bool> { [$"^/{Instance}"] = true } },
            }).GetAwaiter().GetResult();
            foreach (var c in containers.Concat(byName).DistinctBy(c => c.ID))
                Ignore(() => Docker.Containers.RemoveContainerAsync(c.ID, new ContainerRemoveParameters { Force = true }));
            var volumes = Docker.Volumes.ListAsync(new VolumesListParameters()).GetAwaiter().GetResult();
            foreach (var v in volumes.Volumes ?? [])
                if (v.Name.StartsWith(Instance + "-", StringComparison.Ordinal) || ClusterNames.Label(v.Labels, ClusterNames.InstanceLabel) == Instance)
                    Ignore(() => Docker.Volumes.RemoveAsync(v.Name, true));
            Ignore(() => Docker.Networks.DeleteNetworkAsync(Names.Network));
            // Tags a test made (the image layers stay: they belong to the stand-in images).
            var images = Docker.Images.ListImagesAsync(new ImagesListParameters()).GetAwaiter().GetResult();
            foreach (var tag in images.SelectMany(i => i.RepoTags ?? []))
                if (tag.StartsWith(Instance + "-", StringComparison.Ordinal))
                    Ignore(() => Docker.Images.DeleteImageAsync(tag, new ImageDeleteParameters { NoPrune = true }));
        }
        finally
        {
            Engine.Dispose();
            Root.Dispose();
        }
    }

    static void Ignore(Func<Task> cleanup)
    {
        try { cleanup().GetAwaiter().GetResult(); }
        catch (DockerApiException) { }
    }

    /// <summary>A base port whose next 16 ports are free right now (tcp, and udp when asked); distinct per sandbox.</summary>
    static int FreeRange(bool tcp, bool udp)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var slot = Interlocked.Increment(ref _portSlot) % 1000;
            var basePort = 40000 + slot * 20; // 40000..59980
            if (Enumerable.Range(basePort + 1, 16).All(p => (!tcp || Free(p, SocketType.Stream, ProtocolType.Tcp)) && (!udp || Free(p, SocketType.Dgram, ProtocolType.Udp))))
                return basePort;
        }
        throw new InvalidOperationException("no free port range found");
    }

    static bool Free(int port, SocketType type, ProtocolType protocol)
    {
        try
        {
            using var s = new Socket(AddressFamily.InterNetwork, type, protocol);
            s.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    static bool BuildStandin()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir, "conduit.sln"))) dir = System.IO.Path.GetDirectoryName(dir);
        if (dir is null) throw new InvalidOperationException("repository root not found");
        var psi = new ProcessStartInfo("bash", [System.IO.Path.Combine(dir, "tests", "standin", "build.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"tests/standin/build.sh failed: {err.Result}");
        return true;
    }
}
