using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Conduit.Tracking.Model;
using Conduit.Tracking.Packets;
using SharpPcap;
using SharpPcap.LibPcap;

namespace Conduit.Tracking.Capture;

/// <summary>Why a capture could not start: the message is the one line the user sees.</summary>
public sealed class CaptureException(string message, bool permission = false) : Exception(message)
{
    public bool IsPermission { get; } = permission;
}

/// <summary>
/// libpcap through SharpPcap, on a live interface or a pcap/pcapng file. Uses the allocation-free
/// <c>GetNextPacketPointers</c> path: the header and frame are read in place from libpcap's buffer.
/// Live captures use a small snap length (headers only), a large kernel ring and a 100 ms read timeout
/// instead of immediate mode, so the kernel hands over packets in blocks rather than one wakeup each.
/// </summary>
public sealed unsafe partial class PcapBackend : ICaptureBackend
{
    /// <summary>TCP and UDP but SSH. libpcap's `tcp`/`udp` look only at the first IPv6 header, so `protochain`
    /// lets IPv6 packets with extension headers in, as the eBPF program and the file reader count them.</summary>
    public const string DefaultFilter = "(tcp or udp or ip6 protochain 6 or ip6 protochain 17) and not port 22";
    /// <summary>Enough for Ethernet + 2 VLAN tags + IPv6 with extension headers + a full TCP header.</summary>
    public const int SnapLength = 256;
    public const int KernelBufferBytes = 64 << 20;
    const int BatchSize = 4096;

    readonly PcapDevice _device;
    readonly bool _live;
    /// <summary>Set when no BPF filter runs: the default rule is applied per packet instead.</summary>
    ushort[]? _excludedPorts;
    readonly int _linkType;
    int _selectableFd = -1;

    PcapBackend(PcapDevice device, string source, bool live)
    {
        _device = device;
        Source = source;
        _live = live;
        _excludedPorts = null;
        _linkType = (int)device.LinkType;
        if (!LinkTypes.IsSupported(_linkType))
        {
            device.Dispose();
            throw new CaptureException($"{source}: link type {LinkTypes.Name(_linkType)} is not supported (Ethernet, Linux cooked v1/v2 and raw IP are)");
        }
    }

    public string Name => "pcap";
    public string Source { get; }
    public int LinkType => _linkType;

    /// <summary>Opens a live interface with the given BPF filter.</summary>
    public static PcapBackend OpenLive(string interfaceName, string filter)
    {
        LibPcapLiveDevice? device = null;
        foreach (var candidate in LibPcapLiveDeviceList.New())
        {
            if (candidate.Name == interfaceName) device = candidate;
            else candidate.Dispose();
        }
        if (device is null) throw new CaptureException($"--interface: no interface named '{interfaceName}'");
        try
        {
            device.Open(new DeviceConfiguration
            {
                Mode = DeviceModes.None,
                Snaplen = SnapLength,
                ReadTimeout = ReadTimeoutMs,
                BufferSize = KernelBufferBytes,
                Immediate = false,
            });
        }
        catch (Exception e) when (e is PcapException or InvalidOperationException)
        {
            device.Dispose();
            if (IsPermissionError(e.Message))
                throw new CaptureException(
                    $"capturing on {interfaceName} needs CAP_NET_RAW: run as root, or `setcap cap_net_raw,cap_net_admin+eip {Environment.ProcessPath}`",
                    permission: true);
            throw new CaptureException($"{interfaceName}: cannot start the capture ({FirstLine(e.Message)})");
        }
        var backend = new PcapBackend(device, interfaceName, live: true);
        backend.SetFilter(filter);
        // libpcap's TPACKET_V3 read loops inside poll(-1) until a packet arrives, so the read timeout never
        // surfaces. Non-blocking reads plus our own 100 ms poll keep heartbeats (snapshots, stop) going when idle.
        device.NonBlockingMode = true;
        backend._selectableFd = PcapGetSelectableFd(device.Handle.DangerousGetHandle());
        return backend;
    }

    /// <summary>Opens a pcap or pcapng file for replay. With a <paramref name="filter"/>, libpcap applies it; without,
    /// the default rule is applied to the parsed packets (TCP and UDP, not <paramref name="excludedPorts"/>), so
    /// malformed frames are still seen and counted.</summary>
    public static PcapBackend OpenFile(string path, string? filter, ushort[] excludedPorts)
    {
        if (!File.Exists(path)) throw new CaptureException($"--read: {path}: no such file");
        var device = new CaptureFileReaderDevice(path);
        try
        {
            device.Open(new DeviceConfiguration());
        }
        catch (Exception e) when (e is PcapException or InvalidOperationException)
        {
            device.Dispose();
            throw new CaptureException($"--read: {path}: not a pcap or pcapng file ({FirstLine(e.Message)})");
        }
        var backend = new PcapBackend(device, path, live: false);
        if (!string.IsNullOrWhiteSpace(filter)) backend.SetFilter(filter);
        else backend._excludedPorts = excludedPorts;
        return backend;
    }

    void SetFilter(string filter)
    {
        try
        {
            _device.Filter = filter;
        }
        catch (Exception e) when (e is PcapException or InvalidOperationException)
        {
            _device.Dispose();
            throw new CaptureException($"--filter: '{filter}' is not a valid capture filter ({FirstLine(e.Message)})");
        }
    }

    /// <summary>How long the kernel may hold packets in a block before handing it over.</summary>
    const int ReadTimeoutMs = 100;

    public void Run(TrafficAccountant accountant, Action heartbeat, CancellationToken stop)
    {
        IntPtr header = IntPtr.Zero, data = IntPtr.Zero;
        int linkType = _linkType;
        while (!stop.IsCancellationRequested)
        {
            bool ended = false;
            for (int i = 0; i < BatchSize; i++)
            {
                int status = _device.GetNextPacketPointers(ref header, ref data);
                if (status == 1)
                {
                    Account(accountant, linkType, header, data, _excludedPorts);
                    if (!_live) Clock(header);
                    continue;
                }
                if (status == 0) // nothing buffered: wait (at most 100 ms) for the kernel to hand over a block
                {
                    if (_selectableFd >= 0) WaitReadable(_selectableFd, 100);
                    break;
                }
                if (status == -2) { ended = true; break; } // end of file
                throw new CaptureException($"{Source}: capture failed ({_device.LastError})");
            }
            heartbeat();
            if (ended) return;
        }
        if (_live) Drain(accountant, linkType, ref header, ref data);
    }

    /// <summary>On stop: the kernel hands over its current block only when the block fills or its read timeout
    /// passes, so the packets of the last 100 ms would never be counted (a service restart lost them every time).
    /// Waits out one timeout, counting what arrives.</summary>
    void Drain(TrafficAccountant accountant, int linkType, ref IntPtr header, ref IntPtr data)
    {
        var deadline = Environment.TickCount64 + 2 * ReadTimeoutMs;
        while (true)
        {
            int status = _device.GetNextPacketPointers(ref header, ref data);
            if (status == 1) { Account(accountant, linkType, header, data, _excludedPorts); continue; }
            var left = deadline - Environment.TickCount64;
            if (status != 0 || left <= 0 || _selectableFd < 0) return;
            WaitReadable(_selectableFd, (int)left);
        }
    }

    long _firstTicks = long.MaxValue, _latestTicks = long.MinValue;

    /// <summary>A replay keeps the capture's own clock (see <see cref="ICaptureBackend.CaptureClock"/>).</summary>
    void Clock(IntPtr header)
    {
        byte* h = (byte*)header;
        long ticks = *(long*)h * TimeSpan.TicksPerSecond + *(long*)(h + 8) * 10; // timeval: seconds, microseconds
        if (ticks < _firstTicks) _firstTicks = ticks;
        if (ticks > _latestTicks) _latestTicks = ticks;
    }

    public (DateTime First, DateTime Latest)? CaptureClock => _live || _firstTicks > _latestTicks
        ? null
        : (DateTime.UnixEpoch.AddTicks(_firstTicks), DateTime.UnixEpoch.AddTicks(_latestTicks));

    // struct pcap_pkthdr on 64-bit Linux: struct timeval (2 x long), bpf_u_int32 caplen, bpf_u_int32 len.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Account(TrafficAccountant accountant, int linkType, IntPtr header, IntPtr data, ushort[]? excludedPorts)
    {
        byte* h = (byte*)header;
        long seconds = *(long*)h;
        int captured = (int)*(uint*)(h + 16);
        int wire = (int)*(uint*)(h + 20);
        var frame = new ReadOnlySpan<byte>((void*)data, captured);
        if (excludedPorts is null) accountant.AddFrame(linkType, frame, wire, (uint)seconds);
        else accountant.AddUnfilteredFrame(linkType, frame, wire, (uint)seconds, excludedPorts);
    }

    static void WaitReadable(int fd, int milliseconds)
    {
        PollFd pfd = new() { Fd = fd, Events = 1 /* POLLIN */ };
        _ = Poll(&pfd, 1, milliseconds);
    }

    struct PollFd
    {
        public int Fd;
        public short Events, Revents;
    }

    [LibraryImport("libc", EntryPoint = "poll")]
    private static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport("libpcap.so.0.8", EntryPoint = "pcap_get_selectable_fd")]
    private static partial int PcapGetSelectableFd(IntPtr pcap);

    public ulong ReadKernelDropped()
    {
        if (!_live) return 0;
        try
        {
            var stats = _device.Statistics;
            if (stats is null) return 0;
            return (ulong)stats.DroppedPackets + stats.InterfaceDroppedPackets;
        }
        catch (PcapException)
        {
            return 0;
        }
    }

    static bool IsPermissionError(string message) =>
        message.Contains("permission", StringComparison.OrdinalIgnoreCase) ||
        message.Contains("not permitted", StringComparison.OrdinalIgnoreCase);

    static string FirstLine(string message)
    {
        int i = message.IndexOfAny(['\r', '\n']);
        return i < 0 ? message : message[..i];
    }

    public void Dispose() => _device.Dispose();
}
