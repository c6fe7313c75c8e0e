using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;

namespace Conduit.Tracking.Ebpf;

/// <summary>
/// Mirror of native/conduit_tc.h: the BPF maps' key and value types. A test pins both sides (C static asserts,
/// the object's BTF, and these structs' sizes and field offsets): change them together or not at all.
/// </summary>
internal static class EbpfMaps
{
    public const string RemotesMap = "conduit_remotes";
    public const string StatsMap = "conduit_stats";
    public const string ConfigMap = "conduit_config";
    public const string IngressProgram = "conduit_ingress";
    public const string EgressProgram = "conduit_egress";
    /// <summary>CONDUIT_MAX_ADDRESSES: the LRU map's bound (its size in the object file).</summary>
    public const int MaxAddresses = 65536;
    const int MinAddresses = 8192;
    const long PerCpuCountersBudget = 32L << 20;

    /// <summary>
    /// The LRU map's size on a host with <paramref name="cpus"/> possible CPUs. The kernel preallocates every
    /// entry's counters on every CPU (32 bytes each): up to 16 CPUs the full <see cref="MaxAddresses"/> fit in
    /// 32 MiB; a bigger host gets fewer entries (halved down to 8,192) instead of hundreds of MiB of kernel memory
    /// and a start-up that grows with the CPU count.
    /// </summary>
    public static int RemotesMapEntries(int cpus)
    {
        long fit = PerCpuCountersBudget / (Math.Max(cpus, 1) * 32L);
        int entries = MaxAddresses;
        while (entries > MinAddresses && entries > fit) entries >>= 1;
        return entries;
    }

    // enum conduit_stat
    public const int StatMalformed = 0;
    public const int StatNonIp = 1;
    public const int StatOtherProtocol = 2;
    public const int StatExcluded = 3;
    public const int StatNewEntries = 4;
    public const int StatMapFull = 5;
    public const int StatCount = 8;
}

/// <summary>struct conduit_addr: IPv6 bytes, IPv4 as ::ffff:a.b.c.d. Read as two raw 8-byte words for hashing.</summary>
[StructLayout(LayoutKind.Sequential, Size = 16)]
public readonly struct RemoteAddress : IEquatable<RemoteAddress>
{
    /// <summary>Bytes 0-7 and 8-15 in memory order (not numeric order).</summary>
    internal readonly ulong Head, Tail;

    internal RemoteAddress(ulong head, ulong tail) { Head = head; Tail = tail; }

    public static RemoteAddress FromBytes(ReadOnlySpan<byte> sixteen) => MemoryMarshal.Read<RemoteAddress>(sixteen);

    public static RemoteAddress From(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        var v6 = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? address.MapToIPv6() : address;
        v6.TryWriteBytes(bytes, out _);
        return FromBytes(bytes);
    }

    public void CopyTo(Span<byte> sixteen) => MemoryMarshal.Write(sixteen, in this);

    /// <summary>True for an IPv4-mapped address (::ffff:0:0/96), i.e. an IPv4 remote.</summary>
    public bool IsIPv4
    {
        get
        {
            Span<byte> b = stackalloc byte[16];
            CopyTo(b);
            return Head == 0 && BinaryPrimitives.ReadUInt32BigEndian(b[8..]) == 0xffff;
        }
    }

    public IPAddress ToIPAddress()
    {
        Span<byte> b = stackalloc byte[16];
        CopyTo(b);
        return IsIPv4 ? new IPAddress(b[12..]) : new IPAddress(b);
    }

    public override string ToString() => ToIPAddress().ToString();
    public bool Equals(RemoteAddress other) => Head == other.Head && Tail == other.Tail;
    public override bool Equals(object? obj) => obj is RemoteAddress other && Equals(other);
    public override int GetHashCode() => HashCode.Combine(Head, Tail);
    public static bool operator ==(RemoteAddress a, RemoteAddress b) => a.Equals(b);
    public static bool operator !=(RemoteAddress a, RemoteAddress b) => !a.Equals(b);
}

/// <summary>struct conduit_counters: one CPU's totals for one remote address.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct RemoteCounters
{
    public ulong BytesIn;
    public ulong PacketsIn;
    public ulong BytesOut;
    public ulong PacketsOut;
}

/// <summary>struct conduit_config: excluded ports as a 65536-bit map, and whether frames start at the IP header.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CaptureConfig
{
    public fixed ulong PortBits[1024];
    public uint RawIp;
    public uint Reserved;

    public void Exclude(ushort port) => PortBits[port >> 6] |= 1UL << (port & 63);
}

/// <summary>Traffic with one remote address since the previous read (bytes = IP packet length).</summary>
public readonly record struct RemoteTrafficDelta(RemoteAddress Address, ulong BytesIn, ulong PacketsIn, ulong BytesOut, ulong PacketsOut);

/// <summary>The capture's own counters, cumulative since start.</summary>
public readonly record struct EbpfStats(
    ulong Malformed,
    ulong NonIp,
    ulong OtherProtocol,
    ulong Excluded,
    ulong Evictions,
    ulong MapFull,
    int Addresses,
    ulong KernelRunTimeNs,
    ulong KernelRunCount)
{
    /// <summary>Mean kernel time per packet seen by the programs (0 when BPF run-time stats are off).</summary>
    public double KernelNsPerPacket => KernelRunCount == 0 ? 0 : (double)KernelRunTimeNs / KernelRunCount;
}
