using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Conduit.NodeStats;
using Conduit.Tests.Support;

namespace Conduit.Tests.NodeStats;

/// <summary>
/// Stand-in node containers (image conduit-standin:test) under a unique CONTAINER_NAME, started through
/// `conduit start` with their own temp root and metrics ports; removed with their volumes on dispose,
/// even when a test failed.
/// </summary>
public sealed class StandinCluster : IDisposable
{
    public const string Image = "conduit-standin:test";
    readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(3) };

    public StandinCluster() : this(3, nodeFlags: 2) { }

    internal StandinCluster(int count, int nodeFlags)
    {
        Count = count;
        Name = "nst" + Guid.NewGuid().ToString("N")[..10];
        MetricsBase = FreePortBase(count);
        Root = new TempRoot("conduit-nodestats");
        try
        {
            // TRACK_STATUS_ADDR points at a closed port: these tests see "tracker not running" whatever else runs here.
            Root.Write("opt/conduit/settings.conf",
                $"CONTAINER_NAME={Name}\nCONTAINER_COUNT={count}\nCONDUIT_IMAGE={Image}\nMETRICS_PORT_BASE={MetricsBase}\nNODE_FLAGS={nodeFlags}\nTRACK_STATUS_ADDR=127.0.0.1:{FreePortBase(1) + 1}\n");
            var started = Run("start");
            if (started.ExitCode != 0) throw new InvalidOperationException($"conduit start failed: {started}");
            if (nodeFlags == 2)
                for (var i = 1; i <= count; i++)
                    WaitFor(() => TryScrape(i) is not null, $"metrics of node {i}");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int Count { get; }
    public string Name { get; }
    public int MetricsBase { get; }
    public TempRoot Root { get; }

    public string ContainerName(int index) => index == 1 ? Name : $"{Name}-{index}";

    public RunResult Run(params string[] args) => ConduitProcess.Run(args, Environment(), timeout: TimeSpan.FromSeconds(90));

    public Dictionary<string, string?> Environment() => new()
    {
        ["CONDUIT_SYSROOT"] = Root.Path,
        ["CONDUIT_HOME"] = Root.Combine("opt", "conduit"),
    };

    internal NodeReading? TryScrape(int index)
    {
        try
        {
            return NodeMetrics.Parse(_http.GetStringAsync($"http://127.0.0.1:{MetricsBase + index}/metrics").GetAwaiter().GetResult());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or FormatException)
        {
            return null;
        }
    }

    /// <summary>One scrape, retried until it answers: busybox httpd in the stand-in can refuse a connection while
    /// it forks the previous request's CGI on a loaded machine.</summary>
    internal NodeReading Scrape(int index)
    {
        NodeReading? reading = null;
        WaitFor(() => (reading = TryScrape(index)) is not null, $"node {index} metrics to answer", seconds: 30);
        return reading!;
    }

    /// <summary>Polls until <paramref name="condition"/> holds; fails after the deadline (no fixed sleeps).</summary>
    public static void WaitFor(Func<bool> condition, string what, int seconds = 60)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(seconds)) throw new TimeoutException($"waited {seconds} s for {what}");
            Thread.Sleep(100);
        }
    }

    public static (int Exit, string Output) Docker(params string[] args)
    {
        var psi = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60))) { p.Kill(true); throw new TimeoutException($"docker {string.Join(' ', args)}"); }
        return (p.ExitCode, output.Result + error.Result);
    }

    /// <summary>A base such that base+1..base+count are free on 127.0.0.1 right now.</summary>
    static int FreePortBase(int count)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var b = Random.Shared.Next(20000, 60000);
            var listeners = new List<TcpListener>();
            try
            {
                for (var i = 1; i <= count; i++)
                {
                    var l = new TcpListener(IPAddress.Loopback, b + i);
                    l.Start();
                    listeners.Add(l);
                }
                return b;
            }
            catch (SocketException) { }
            finally
            {
                foreach (var l in listeners) l.Stop();
            }
        }
        throw new InvalidOperationException("no free metrics ports");
    }

    public void Dispose()
    {
        try { Run("scale", "0", "--purge", "--yes"); }
        catch (Exception) { /* the label sweep below still removes everything */ }
        // Whatever the CLI left (a failed scale, a test that broke mid-way): remove by our unique instance label.
        var (_, ids) = Docker("ps", "-aq", "--filter", $"label=io.conduit.instance={Name}");
        foreach (var id in ids.Split('\n', StringSplitOptions.RemoveEmptyEntries)) Docker("rm", "-f", id);
        for (var i = 1; i <= Count; i++) Docker("volume", "rm", "-f", i == 1 ? $"{Name}-data" : $"{Name}-data-{i}");
        _http.Dispose();
        Root.Dispose();
    }
}
