using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Conduit.Tests.Support;

namespace Conduit.Tests.Tracking;

/// <summary>
/// Two network namespaces joined by a veth pair, named uniquely per test: "local" (where the tracker captures)
/// and "remote" (which owns several public source addresses, routed only over the veth). Traffic never leaves
/// them. Removed on dispose, also when the constructor fails half-way.
/// </summary>
public sealed partial class NetnsPair : IDisposable
{
    public const string LocalAddress = "10.99.0.1";
    public string LocalNs { get; }
    public string RemoteNs { get; }
    public string LocalInterface { get; }
    public IReadOnlyList<string> RemoteAddresses { get; }

    public NetnsPair(IReadOnlyList<string> remoteAddresses)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        LocalNs = $"ct-{id}-l";
        RemoteNs = $"ct-{id}-r";
        LocalInterface = $"ctl{id}";
        string remoteInterface = $"ctr{id}";
        RemoteAddresses = remoteAddresses;
        try
        {
            Sh($"ip netns add {LocalNs}");
            Sh($"ip netns add {RemoteNs}");
            Sh($"ip link add {LocalInterface} netns {LocalNs} type veth peer name {remoteInterface} netns {RemoteNs}");
            Sh($"ip -n {LocalNs} link set lo up");
            Sh($"ip -n {RemoteNs} link set lo up");
            Sh($"ip -n {LocalNs} addr add {LocalAddress}/32 dev {LocalInterface}");
            Sh($"ip -n {LocalNs} link set {LocalInterface} up");
            Sh($"ip -n {RemoteNs} link set {remoteInterface} up");
            Sh($"ip -n {RemoteNs} route add {LocalAddress}/32 dev {remoteInterface}");
            foreach (var a in remoteAddresses)
            {
                Sh($"ip -n {RemoteNs} addr add {a}/32 dev {remoteInterface}");
                Sh($"ip -n {LocalNs} route add {a}/32 dev {LocalInterface}");
                // Oracle: the kernel's own per-address counters (iptables counts IP lengths) in the local namespace.
                foreach (var proto in new[] { "tcp", "udp" })
                {
                    Sh($"ip netns exec {LocalNs} iptables -w -A INPUT -s {a} -p {proto}");
                    Sh($"ip netns exec {LocalNs} iptables -w -A OUTPUT -d {a} -p {proto}");
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Per remote address: (packets in, bytes in, packets out, bytes out) as iptables counted them.</summary>
    public Dictionary<string, (ulong PacketsIn, ulong BytesIn, ulong PacketsOut, ulong BytesOut)> KernelCounters()
    {
        var result = RemoteAddresses.ToDictionary(a => a, _ => (0UL, 0UL, 0UL, 0UL));
        foreach (var chain in new[] { "INPUT", "OUTPUT" })
        {
            var text = Sh($"ip netns exec {LocalNs} iptables -w -nvx -L {chain}");
            foreach (var line in text.Split('\n'))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                // pkts bytes target prot opt in out source destination
                if (f.Length < 8 || !ulong.TryParse(f[0], out var pkts) || !ulong.TryParse(f[1], out var bytes)) continue;
                string address = chain == "INPUT" ? f[^2] : f[^1];
                if (!result.TryGetValue(address, out var c)) continue;
                result[address] = chain == "INPUT" ? (c.Item1 + pkts, c.Item2 + bytes, c.Item3, c.Item4) : (c.Item1, c.Item2, c.Item3 + pkts, c.Item4 + bytes);
            }
        }
        return result;
    }

    /// <summary>Runs <paramref name="action"/> on a fresh thread that has entered <paramref name="ns"/>.</summary>
    public static T InNamespace<T>(string ns, Func<T> action)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                int fd = Open($"/var/run/netns/{ns}", 0x80000 /* O_CLOEXEC */);
                if (fd < 0) throw new IOException($"cannot open namespace {ns}");
                try
                {
                    if (SetNs(fd, 0x40000000 /* CLONE_NEWNET */) != 0) throw new IOException($"setns {ns} failed: {Marshal.GetLastPInvokeError()}");
                }
                finally { Close(fd); }
                result = action();
            }
            catch (Exception e) { error = e; }
        });
        thread.Start();
        thread.Join();
        if (error is not null) throw new AggregateException($"in namespace {ns}", error);
        return result;
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    public static string Sh(string command)
    {
        var psi = new ProcessStartInfo("/bin/sh", ["-c", command]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(30_000)) { p.Kill(); throw new TimeoutException(command); }
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"`{command}` failed ({p.ExitCode}): {stderr.Result}");
        return stdout.Result;
    }

    public void Dispose()
    {
        foreach (var ns in new[] { LocalNs, RemoteNs })
        {
            try { Sh($"ip netns del {ns}"); }
            catch (InvalidOperationException) { } // did not get created
        }
    }
}

/// <summary>A long-running `conduit track` inside a namespace, its stdout collected line by line.</summary>
public sealed class TrackProcess : IDisposable
{
    readonly Process _process;
    readonly BlockingCollection<string> _lines = [];
    readonly System.Text.StringBuilder _stderr = new();
    public string? LastLine { get; private set; }

    public TrackProcess(string ns, string home, params string[] args) : this([], ns, home, args) { }

    /// <summary>conduit under <paramref name="wrapper"/> (e.g. strace injecting a fault), inside the namespace.</summary>
    public static TrackProcess Under(string[] wrapper, string ns, string home, params string[] args) => new(wrapper, ns, home, args);

    TrackProcess(string[] wrapper, string ns, string home, string[] args)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        // env resets SIGINT to its default: a test run started in the background of a script (as CI does) inherits
        // SIGINT ignored, the runtime then leaves it ignored (as a shell's background job should), and the
        // Ctrl-C these tests send would never arrive.
        foreach (var a in new[] { "netns", "exec", ns, "env", "--default-signal=INT" }.Concat(wrapper).Append(ConduitProcess.Binary).Concat(args)) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment["CONDUIT_HOME"] = home;
        psi.Environment["CONDUIT_SYSROOT"] = home;
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data is null) _lines.CompleteAdding(); else _lines.Add(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_stderr) _stderr.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    /// <summary>Reads lines until one satisfies <paramref name="condition"/>; throws with context on timeout or exit.</summary>
    public string WaitForLine(Func<string, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_lines.TryTake(out var line, TimeSpan.FromMilliseconds(100)))
            {
                LastLine = line;
                if (condition(line)) return line;
            }
            else if (_lines.IsCompleted) throw new InvalidOperationException($"conduit exited: {Stderr} last: {LastLine}");
        }
        throw new TimeoutException($"no matching output in {timeout}; last line: {LastLine}; stderr: {Stderr}");
    }

    public void Signal(int signal) => NetnsPair.Kill(_process.Id, signal);

    /// <summary>Waits for exit; returns the exit code and the remaining stdout lines.</summary>
    public (int ExitCode, List<string> Lines) WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) throw new TimeoutException($"conduit did not exit; {SignalState()}; stderr: {Stderr}");
        _process.WaitForExit();
        var rest = new List<string>();
        while (_lines.TryTake(out var l, TimeSpan.FromMilliseconds(500))) rest.Add(l);
        return (_process.ExitCode, rest);
    }

    /// <summary>The signal masks of the running process, so a signal that never arrived says why.</summary>
    string SignalState()
    {
        try
        {
            return string.Join(", ", File.ReadLines($"/proc/{_process.Id}/status")
                .Where(l => l.StartsWith("State:") || l.StartsWith("SigBlk:") || l.StartsWith("SigIgn:") || l.StartsWith("SigCgt:"))
                .Select(l => System.Text.RegularExpressions.Regex.Replace(l, @"\s+", " ")));
        }
        catch (IOException e) { return e.Message; }
    }

    public void Dispose()
    {
        if (!_process.HasExited) { _process.Kill(); _process.WaitForExit(5000); }
        _process.Dispose();
    }
}

/// <summary>Traffic from the remote namespace's addresses to the local one (synchronous sockets, bounded).</summary>
public static class Traffic
{
    /// <summary>Sends <paramref name="datagrams"/> UDP datagrams of <paramref name="payload"/> bytes from <paramref name="source"/>.</summary>
    public static void Udp(string ns, string source, int port, int datagrams, int payload) => NetnsPair.InNamespace(ns, () =>
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
        var target = new IPEndPoint(IPAddress.Parse(NetnsPair.LocalAddress), port);
        var buffer = new byte[payload];
        for (int i = 0; i < datagrams; i++) s.SendTo(buffer, target);
        return 0;
    });

    /// <summary>One TCP connection per call: sends <paramref name="bytes"/>, half-closes, waits for the server to close.</summary>
    public static void Tcp(string ns, string source, int port, int bytes) => NetnsPair.InNamespace(ns, () =>
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
        s.Connect(new IPEndPoint(IPAddress.Parse(NetnsPair.LocalAddress), port));
        var buffer = new byte[bytes];
        int sent = 0;
        while (sent < bytes) sent += s.Send(buffer, sent, bytes - sent, SocketFlags.None);
        s.Shutdown(SocketShutdown.Send);
        var sink = new byte[4096];
        while (s.Receive(sink) > 0) { }
        return 0;
    });

    /// <summary>A TCP server in <paramref name="ns"/> that reads each connection to its end and closes it.</summary>
    public static Socket StartTcpSink(string ns, int port)
    {
        var listener = NetnsPair.InNamespace(ns, () =>
        {
            var l = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            l.Bind(new IPEndPoint(IPAddress.Parse(NetnsPair.LocalAddress), port));
            l.Listen(64);
            return l;
        });
        new Thread(() =>
        {
            var buffer = new byte[65536];
            while (true)
            {
                Socket c;
                try { c = listener.Accept(); } catch (Exception) { return; }
                using (c)
                {
                    try { while (c.Receive(buffer) > 0) { } c.Shutdown(SocketShutdown.Send); } catch (SocketException) { }
                }
            }
        }) { IsBackground = true }.Start();
        return listener;
    }

    /// <summary>A UDP socket bound in <paramref name="ns"/> so datagrams are delivered (no ICMP port unreachable).</summary>
    public static Socket UdpSink(string ns, int port) => NetnsPair.InNamespace(ns, () =>
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.ReceiveBufferSize = 1;
        s.Bind(new IPEndPoint(IPAddress.Parse(NetnsPair.LocalAddress), port));
        return s;
    });
}
