using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Conduit.Tests.Ebpf;

/// <summary>
/// Two network namespaces made for one test, "local" and "remote", joined by a veth pair (local side: the
/// capture interface). Addresses come from the documentation ranges and exist only inside these namespaces.
/// Everything is removed on Dispose, also when the test failed.
/// </summary>
public sealed class TestNetwork : IDisposable
{
    public const string LocalV4 = "192.0.2.1";
    public const string LocalV6 = "2001:db8:c0::1";

    public string Id { get; } = Guid.NewGuid().ToString("N")[..8];
    public string LocalNs => $"cdt-l-{Id}";
    public string RemoteNs => $"cdt-r-{Id}";
    public string LocalIf => $"cl{Id}";
    public string RemoteIf => $"cr{Id}";

    public TestNetwork(IEnumerable<string> remoteAddresses)
    {
        try
        {
            Sh.Run("ip", "netns", "add", LocalNs);
            Sh.Run("ip", "netns", "add", RemoteNs);
            Sh.Run("ip", "-n", LocalNs, "link", "add", LocalIf, "type", "veth", "peer", "name", RemoteIf, "netns", RemoteNs);
            foreach (var (ns, dev) in new[] { (LocalNs, LocalIf), (RemoteNs, RemoteIf) })
            {
                Sh.Run("ip", "-n", ns, "link", "set", "lo", "up");
                Sh.Run("ip", "-n", ns, "link", "set", dev, "up");
            }
            Sh.Run("ip", "-n", LocalNs, "addr", "add", $"{LocalV4}/24", "dev", LocalIf);
            Sh.Run("ip", "-n", LocalNs, "addr", "add", $"{LocalV6}/64", "dev", LocalIf, "nodad");
            foreach (var a in remoteAddresses)
                Sh.Run("ip", "-n", RemoteNs, "addr", "add", a.Contains(':') ? $"{a}/64" : $"{a}/24", "dev", RemoteIf, "nodad");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Sh.TryRun("ip", "netns", "del", LocalNs);
        Sh.TryRun("ip", "netns", "del", RemoteNs);
    }

    /// <summary>Packets the pair failed to hand over (a full receive backlog, for one): veth counts them as the
    /// sender's tx_dropped. (rx_dropped also counts frames nobody wanted, e.g. unknown VLANs: not a loss.)</summary>
    public long Dropped()
    {
        long Read(string ns, string dev, string counter) =>
            long.Parse(Sh.Run("ip", "netns", "exec", ns, "cat", $"/sys/class/net/{dev}/statistics/{counter}").Trim());
        return Read(LocalNs, LocalIf, "tx_dropped") + Read(RemoteNs, RemoteIf, "tx_dropped");
    }

    /// <summary>`tc filter show` on the capture interface (one direction).</summary>
    public string TcFilters(string direction) => Sh.Run("ip", "netns", "exec", LocalNs, "tc", "filter", "show", "dev", LocalIf, direction);

    /// <summary>Runs <paramref name="work"/> on a fresh thread that entered <paramref name="ns"/> and is pinned to
    /// one CPU: sockets it opens live in that namespace, and every packet it sends goes through the same CPU's
    /// receive backlog, in order (which is what makes the fence below exact).</summary>
    public static T InNamespace<T>(string ns, Func<T> work)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/run/netns/{ns}");
                if (Native.setns((int)handle.DangerousGetHandle(), Native.CLONE_NEWNET) != 0)
                    throw new InvalidOperationException($"setns {ns}: errno {Marshal.GetLastPInvokeError()}");
                ulong mask = 1UL << Native.FirstAllowedCpu();
                if (Native.sched_setaffinity(0, sizeof(ulong), ref mask) != 0)
                    throw new InvalidOperationException($"sched_setaffinity: errno {Marshal.GetLastPInvokeError()}");
                result = work();
            }
            catch (Exception e) { error = e; }
        });
        thread.Start();
        if (!thread.Join(TimeSpan.FromSeconds(60))) throw new TimeoutException($"work in {ns} did not finish in 60 s");
        if (error is not null) throw new InvalidOperationException($"in {ns}: {error.Message}", error);
        return result;
    }

    /// <summary>
    /// Proves every packet sent so far from the remote side went through the local interface's TC ingress:
    /// sends one UDP datagram from <paramref name="fenceSource"/> and waits for the local side to receive it
    /// (both threads pinned to the same CPU, whose backlog is first in, first out).
    /// </summary>
    public void Fence(string fenceSource)
    {
        var port = 40000 + Random.Shared.Next(20000);
        using var receiver = InNamespace(LocalNs, () =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.Bind(new IPEndPoint(IPAddress.Parse(LocalV4), port));
            return s;
        });
        InNamespace(RemoteNs, () =>
        {
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.Bind(new IPEndPoint(IPAddress.Parse(fenceSource), 0));
            s.SendTo("fence"u8, new IPEndPoint(IPAddress.Parse(LocalV4), port));
            return 0;
        });
        receiver.ReceiveTimeout = 10_000;
        var buffer = new byte[16];
        Assert.Equal(5, receiver.Receive(buffer));
    }

    /// <summary>Sends raw Ethernet frames out of <paramref name="device"/> in <paramref name="ns"/> (AF_PACKET).</summary>
    public static void SendFrames(string ns, string device, IEnumerable<byte[]> frames) => InNamespace(ns, () =>
    {
        var ifIndex = Native.if_nametoindex(device);
        if (ifIndex == 0) throw new InvalidOperationException($"no interface {device}");
        var fd = Native.socket(Native.AF_PACKET, Native.SOCK_RAW, 0);
        if (fd < 0) throw new InvalidOperationException($"socket(AF_PACKET): errno {Marshal.GetLastPInvokeError()}");
        try
        {
            var address = new Native.SockAddrLl { Family = Native.AF_PACKET, IfIndex = (int)ifIndex, AddressLength = 6 };
            foreach (var frame in frames)
                if (Native.sendto(fd, frame, (nuint)frame.Length, 0, ref address, (uint)Marshal.SizeOf<Native.SockAddrLl>()) != frame.Length)
                    throw new InvalidOperationException($"sendto: errno {Marshal.GetLastPInvokeError()}");
        }
        finally { Native.close(fd); }
        return 0;
    });

    static class Native
    {
        public const int CLONE_NEWNET = 0x40000000, AF_PACKET = 17, SOCK_RAW = 3;

        [StructLayout(LayoutKind.Sequential)]
        public struct SockAddrLl
        {
            public ushort Family;
            public ushort Protocol;
            public int IfIndex;
            public ushort HaType;
            public byte PacketType;
            public byte AddressLength;
            public ulong Address;
        }

        [DllImport("libc", SetLastError = true)] public static extern int setns(int fd, int nstype);
        [DllImport("libc", SetLastError = true)] public static extern int sched_setaffinity(int pid, nuint size, ref ulong mask);
        [DllImport("libc", SetLastError = true)] public static extern int sched_getaffinity(int pid, nuint size, ref ulong mask);
        [DllImport("libc", SetLastError = true)] public static extern uint if_nametoindex(string name);
        [DllImport("libc", SetLastError = true)] public static extern int socket(int domain, int type, int protocol);
        [DllImport("libc", SetLastError = true)] public static extern nint sendto(int fd, byte[] buffer, nuint length, int flags, ref SockAddrLl address, uint addressLength);
        [DllImport("libc")] public static extern int close(int fd);

        public static int FirstAllowedCpu()
        {
            ulong mask = 0;
            if (sched_getaffinity(0, sizeof(ulong), ref mask) != 0 || mask == 0) return 0;
            return System.Numerics.BitOperations.TrailingZeroCount(mask);
        }
    }
}

/// <summary>Runs system tools for test setup; a failure throws with the tool's stderr.</summary>
public static class Sh
{
    public static string Run(string file, params string[] args)
    {
        var (code, stdout, stderr) = Exec(file, args);
        if (code != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)}: exit {code}: {stderr.Trim()}");
        return stdout;
    }

    public static void TryRun(string file, params string[] args) => Exec(file, args);

    static (int, string, string) Exec(string file, string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(30_000))
        {
            p.Kill(true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} hung");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
