using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Conduit.Tracking.Geo;
using Conduit.Tracking.Packets;

namespace Conduit.Tracking.Model;

/// <summary>
/// The remote-IP table and the per-country counters, fed by a capture backend: whole frames (pcap) through
/// <see cref="AddFrame"/>, or per-address deltas (eBPF) through <see cref="AddRemote"/>. Exactly one thread
/// (the backend's) calls into it, and the same thread builds snapshots: no locks, no allocation per packet.
///
/// Direction: an end is local when it is one of <see cref="LocalAddresses"/>. in = remote -> local,
/// out = local -> remote. When neither end (or both) is local, a packet with exactly one end in a reserved
/// range (private, CGNAT, ...) treats that end as local (NAT'ed containers, replays without --local);
/// anything else is counted as `unattributed` (packets and bytes) and not per country.
/// </summary>
public sealed class TrafficAccountant
{
    readonly CountryDatabase _geo;
    readonly LocalAddresses _local;
    readonly RemoteIpTable _table;
    readonly CountryTotals[] _countries = new CountryTotals[Countries.Count];
    readonly CountryTotals[] _previous = new CountryTotals[Countries.Count];
    uint _epoch = 1;

    public ulong Packets, Bytes, Malformed, NotIp, UnattributedPackets, UnattributedBytes;
    /// <summary>Dropped packets restored from a previous run (the kernel counts only this run's).</summary>
    public ulong RestoredDropped;

    public TrafficAccountant(CountryDatabase geo, LocalAddresses local, int ipCap)
    {
        _geo = geo;
        _local = local;
        _table = new RemoteIpTable(ipCap);
    }

    public RemoteIpTable Table => _table;
    public ReadOnlySpan<CountryTotals> CountryTotals => _countries;

    /// <summary>Parses one captured frame and accounts it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AddFrame(int linkType, ReadOnlySpan<byte> frame, int wireLength, uint now)
    {
        Unsafe.SkipInit(out PacketInfo info); // the parser fills in every field an Ok result needs
        var result = PacketParser.Parse(linkType, frame, wireLength, ref info);
        if (result != ParseResult.Ok)
        {
            if (result == ParseResult.Malformed) Malformed++;
            else NotIp++;
            return;
        }
        AddPacket(info.Source, info.Destination, (uint)info.IpLength, now);
    }

    /// <summary>
    /// <see cref="AddFrame"/> for a frame no capture filter has seen (the pcap file reader): keeps what the default
    /// filter (<see cref="Capture.PcapBackend.DefaultFilter"/>: TCP and UDP but SSH) keeps, with <paramref name="excludedPorts"/> for its ports, as the eBPF
    /// program does. Ports that cannot be read (later fragments, a cut header) exclude nothing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AddUnfilteredFrame(int linkType, ReadOnlySpan<byte> frame, int wireLength, uint now, ReadOnlySpan<ushort> excludedPorts)
    {
        Unsafe.SkipInit(out PacketInfo info);
        var result = PacketParser.Parse(linkType, frame, wireLength, ref info);
        if (result != ParseResult.Ok)
        {
            if (result == ParseResult.Malformed) Malformed++;
            else NotIp++;
            return;
        }
        if (info.Protocol is not (6 or 17 or PacketParser.ProtocolCut)) return;
        if (excludedPorts.Contains(info.SourcePort) || excludedPorts.Contains(info.DestinationPort)) return; // 0 (unknown) is never in it
        AddPacket(info.Source, info.Destination, (uint)info.IpLength, now);
    }

    /// <summary>Accounts one IP packet by its addresses and IP length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AddPacket(IpKey source, IpKey destination, uint ipLength, uint now)
    {
        Packets++;
        Bytes += ipLength;
        bool sourceLocal = _local.Contains(source), destinationLocal = _local.Contains(destination);
        if (sourceLocal == destinationLocal)
        {
            AddUnclearPacket(source, destination, ipLength, now);
            return;
        }
        // Branch-free direction (0 = in, 1 = out) and remote end: the mix is close to 50/50, and a mispredict
        // costs more than these few instructions.
        int inbound = Unsafe.BitCast<bool, byte>(destinationLocal);
        ulong pickSource = 0UL - (ulong)inbound;
        var remote = new IpKey(destination.Hi ^ ((source.Hi ^ destination.Hi) & pickSource), destination.Lo ^ ((source.Lo ^ destination.Lo) & pickSource));
        AccountOne(remote, inbound ^ 1, ipLength, now);
    }

    /// <summary>Neither end or both ends are this host's: a packet with exactly one end in a reserved range
    /// counts that end as local; anything else is unattributed.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    void AddUnclearPacket(IpKey source, IpKey destination, uint ipLength, uint now)
    {
        bool bothLocal = _local.Contains(source);
        bool sourceReserved = ReservedRanges.Contains(source), destinationReserved = ReservedRanges.Contains(destination);
        if (bothLocal || sourceReserved == destinationReserved)
        {
            UnattributedPackets++;
            UnattributedBytes += ipLength;
            return;
        }
        if (sourceReserved) AccountOne(destination, 1, ipLength, now);
        else AccountOne(source, 0, ipLength, now);
    }

    /// <summary>One packet for one remote in one direction: the counters are laid out [in, out] so the
    /// direction is an offset, not a branch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    void AccountOne(IpKey remote, int outbound, uint ipLength, uint now)
    {
        ref var entry = ref Touch(remote, now, out var countryId);
        ref var country = ref CountryAt(countryId);
        Unsafe.Add(ref entry.BytesIn, outbound) += ipLength;
        Unsafe.Add(ref entry.PacketsIn, outbound)++;
        Unsafe.Add(ref country.BytesIn, outbound) += ipLength;
        Unsafe.Add(ref country.PacketsIn, outbound)++;
    }

    /// <summary>
    /// The delta seam for backends that count per address themselves (eBPF): adds bytes and packets in both
    /// directions for one remote address. Capture-wide packets/bytes grow by the same amounts.
    /// </summary>
    public void AddRemote(IpKey remote, ulong bytesIn, ulong packetsIn, ulong bytesOut, ulong packetsOut, uint now)
    {
        Packets += packetsIn + packetsOut;
        Bytes += bytesIn + bytesOut;
        Account(remote, bytesIn, packetsIn, bytesOut, packetsOut, now);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    void Account(IpKey remote, ulong bytesIn, ulong packetsIn, ulong bytesOut, ulong packetsOut, uint now)
    {
        ref var entry = ref Touch(remote, now, out var countryId);
        ref var country = ref CountryAt(countryId);
        entry.BytesIn += bytesIn;
        entry.PacketsIn += packetsIn;
        entry.BytesOut += bytesOut;
        entry.PacketsOut += packetsOut;
        country.BytesIn += bytesIn;
        country.PacketsIn += packetsIn;
        country.BytesOut += bytesOut;
        country.PacketsOut += packetsOut;
    }

    /// <summary>The entry of a remote address seen now: a new one gets its country, and the first sighting in an
    /// interval counts it as active in its country.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    ref RemoteIp Touch(IpKey remote, uint now, out int country)
    {
        ref var entry = ref _table.GetOrAdd(remote, out bool added);
        if (added) OnNewAddress(ref entry, now);
        entry.LastSeen = now;
        country = entry.Country;
        if (entry.Epoch != _epoch)
        {
            entry.Epoch = _epoch;
            CountryAt(country).ActiveIps++;
        }
        return ref entry;
    }

    // Country ids come from Countries (always < Countries.Count, the array's length): no bounds check.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    ref CountryTotals CountryAt(int id) => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_countries), id);

    [MethodImpl(MethodImplOptions.NoInlining)]
    void OnNewAddress(ref RemoteIp entry, uint now)
    {
        entry.Country = (ushort)_geo.Resolve(entry.Address);
        entry.FirstSeen = now;
        _countries[entry.Country].Ips++;
    }

    /// <summary>Adds totals from a previous run (service mode restart) before capture starts.</summary>
    public void Restore(int country, in CountryTotals totals)
    {
        ref var c = ref _countries[country];
        c.BytesIn += totals.BytesIn;
        c.BytesOut += totals.BytesOut;
        c.PacketsIn += totals.PacketsIn;
        c.PacketsOut += totals.PacketsOut;
        c.Ips += totals.Ips;
        _previous[country] = c;
    }

    DateTime _lastSnapshot;
    CaptureCounters _lastCounters;

    /// <summary>
    /// Builds a snapshot (allocates: once per interval) and starts a new interval: rates are over the time
    /// since the previous snapshot, active IPs over the interval that ends now.
    /// </summary>
    public TrafficSnapshot Snapshot(DateTime now, DateTime started, string backend, string source, ulong kernelDropped, int topIps = 10)
    {
        double seconds = _lastSnapshot == default ? (now - started).TotalSeconds : (now - _lastSnapshot).TotalSeconds;
        if (seconds <= 0) seconds = double.PositiveInfinity; // no time passed (a replay within one instant): no rate
        var counters = new CaptureCounters(Packets, Bytes, Malformed, kernelDropped + RestoredDropped, NotIp, UnattributedPackets, UnattributedBytes);
        var rows = new List<CountryRow>();
        CountryRow? reserved = null;
        double inRate = 0, outRate = 0;
        for (int id = 0; id < Countries.Count; id++)
        {
            ref var c = ref _countries[id];
            ref var p = ref _previous[id];
            double ri = (c.BytesIn - p.BytesIn) / seconds, ro = (c.BytesOut - p.BytesOut) / seconds;
            inRate += ri;
            outRate += ro;
            if (!c.IsEmpty || id == Countries.Reserved)
            {
                var row = new CountryRow(id, Countries.Code(id), Countries.Name(id), c, ri, ro);
                if (id == Countries.Reserved) reserved = row;
                else rows.Add(row);
            }
            p = c;
            c.ActiveIps = 0;
        }
        rows.Sort(TrafficSnapshot.ByBytesDescending);
        double pps = (counters.Packets - _lastCounters.Packets) / seconds;
        _lastCounters = counters;
        _lastSnapshot = now;
        _epoch++;
        return new TrafficSnapshot(now, now - started, backend, source, counters, pps, inRate, outRate,
            _table.Count, _table.Folded, rows, reserved!, TopIps(topIps));
    }

    /// <summary>The <paramref name="n"/> addresses with the most bytes (in + out), largest first.</summary>
    List<RemoteIpRow> TopIps(int n)
    {
        var top = new TopVisitor(n);
        _table.ForEach(ref top);
        var rows = new List<RemoteIpRow>(top.Count);
        var entries = top.Sorted();
        foreach (var e in entries)
            rows.Add(new RemoteIpRow(e.Address.ToString(), Countries.Code(e.Country), e.BytesIn, e.BytesOut, e.PacketsIn, e.PacketsOut,
                DateTime.UnixEpoch.AddSeconds(e.FirstSeen), DateTime.UnixEpoch.AddSeconds(e.LastSeen)));
        return rows;
    }

    /// <summary>Keeps the n largest entries in a small array (n is tiny: insertion beats a heap).</summary>
    struct TopVisitor(int n) : IEntryVisitor
    {
        readonly RemoteIp[] _best = new RemoteIp[Math.Max(n, 0)];
        public int Count { get; private set; }

        public void Visit(ref RemoteIp entry)
        {
            if (_best.Length == 0) return;
            ulong bytes = entry.BytesIn + entry.BytesOut;
            if (Count == _best.Length && bytes <= _best[Count - 1].BytesIn + _best[Count - 1].BytesOut) return;
            int i = Count < _best.Length ? Count++ : Count - 1;
            while (i > 0 && _best[i - 1].BytesIn + _best[i - 1].BytesOut < bytes)
            {
                _best[i] = _best[i - 1];
                i--;
            }
            _best[i] = entry;
        }

        public readonly ReadOnlySpan<RemoteIp> Sorted() => _best.AsSpan(0, Count);
    }
}
