using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Conduit.Tracking.Packets;

namespace Conduit.Tracking.Model;

/// <summary>Per-remote-address counters: one 64-byte cache line. Lives in <see cref="RemoteIpTable"/> segments.</summary>
[StructLayout(LayoutKind.Sequential, Size = 64)]
public struct RemoteIp
{
    public IpKey Address;
    // In/out pairs must stay adjacent and in this order: the accountant indexes them by direction.
    public ulong BytesIn, BytesOut, PacketsIn, PacketsOut;
    /// <summary>Unix seconds (packet time for captures, wall time for deltas).</summary>
    public uint FirstSeen, LastSeen;
    /// <summary>The interval in which this address was last counted as active (see <see cref="CountryTotals.ActiveIps"/>).</summary>
    public uint Epoch;
    public ushort Country;
}

/// <summary>
/// Open-addressing hash table of remote addresses. The index is an int array (linear probing, load &lt;= 1/2)
/// pointing into fixed-size segments of entries, so growing never copies entries and a lookup of a known
/// address touches two cache lines: its index slot and its entry. Segments are pinned and their entries
/// aligned to 64 bytes (a plain RemoteIp[] starts 16 bytes into its object, so every entry would straddle two
/// lines: a second cache miss per packet once the table outgrows the cache). Memory is bounded by
/// <see cref="Cap"/>: when it is reached the least recently seen quarter is folded away (their bytes stay in
/// the per-country totals; only per-IP detail goes).
/// Single writer; not thread-safe.
/// </summary>
public sealed class RemoteIpTable
{
    const int SegmentBits = 16, SegmentSize = 1 << SegmentBits, SegmentMask = SegmentSize - 1;

    int[] _index;          // 0 = empty, else entry number + 1
    int _indexMask;
    byte[][] _segments = new byte[4][];   // pinned (never moved by the GC); held here so they stay alive
    nint[] _segmentEntries = new nint[4]; // address of each segment's first, 64-byte-aligned entry
    int _count;

    public RemoteIpTable(int cap)
    {
        if (cap < 16) throw new ArgumentOutOfRangeException(nameof(cap), "the IP cap must be at least 16");
        Cap = cap;
        _index = new int[1024];
        _indexMask = _index.Length - 1;
    }

    /// <summary>Most addresses held individually; beyond it idle ones are folded.</summary>
    public int Cap { get; }
    public int Count => _count;
    /// <summary>Addresses folded into their country totals so far.</summary>
    public long Folded { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe ref RemoteIp EntryAt(int entry) =>
        // entry < _count always, so the segment exists and the offset is inside it: no bounds checks.
        ref Unsafe.AsRef<RemoteIp>((void*)(Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_segmentEntries), entry >> SegmentBits)
            + (nint)(entry & SegmentMask) * sizeof(RemoteIp)));

    /// <summary>The entry for <paramref name="address"/>; <paramref name="added"/> tells whether it is new
    /// (its counters are zero and the caller fills in Country and FirstSeen).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref RemoteIp GetOrAdd(IpKey address, out bool added)
    {
        int mask = _indexMask;
        int slot = (int)address.Hash() & mask;
        ref int index = ref MemoryMarshal.GetArrayDataReference(_index); // slot is masked to the array length
        while (true)
        {
            int e = Unsafe.Add(ref index, slot);
            if (e == 0) break;
            ref var entry = ref EntryAt(e - 1);
            if (entry.Address.Lo == address.Lo && entry.Address.Hi == address.Hi)
            {
                added = false;
                return ref entry;
            }
            slot = (slot + 1) & mask;
        }
        added = true;
        return ref AddAt(address, slot);
    }

    public bool TryGet(IpKey address, out RemoteIp value)
    {
        int slot = (int)address.Hash() & _indexMask;
        for (int e; (e = _index[slot]) != 0; slot = (slot + 1) & _indexMask)
        {
            ref var entry = ref EntryAt(e - 1);
            if (entry.Address == address) { value = entry; return true; }
        }
        value = default;
        return false;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    ref RemoteIp AddAt(IpKey address, int slot)
    {
        // Both rebuild the index, so the probe slot found by the caller is recomputed.
        if (_count >= Cap) { FoldLeastRecent(); slot = FreeSlot(address); }
        if ((_count + 1) * 2 > _index.Length) { Grow(); slot = FreeSlot(address); }
        int n = _count++;
        int seg = n >> SegmentBits;
        if (seg == _segments.Length)
        {
            Array.Resize(ref _segments, _segments.Length * 2);
            Array.Resize(ref _segmentEntries, _segments.Length);
        }
        if (_segments[seg] is null) AllocateSegment(seg);
        _index[slot] = n + 1;
        ref var entry = ref EntryAt(n);
        entry = default;
        entry.Address = address;
        return ref entry;
    }

    unsafe void AllocateSegment(int seg)
    {
        var bytes = GC.AllocateUninitializedArray<byte>(SegmentSize * sizeof(RemoteIp) + 64, pinned: true);
        nint start = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(bytes));
        _segments[seg] = bytes;
        _segmentEntries[seg] = (start + 63) & ~(nint)63;
    }

    int FreeSlot(IpKey address)
    {
        int slot = (int)address.Hash() & _indexMask;
        while (_index[slot] != 0) slot = (slot + 1) & _indexMask;
        return slot;
    }

    void Grow()
    {
        _index = new int[_index.Length * 2];
        _indexMask = _index.Length - 1;
        Reindex();
    }

    void Reindex()
    {
        Array.Clear(_index);
        for (int n = 0; n < _count; n++)
        {
            int slot = FreeSlot(EntryAt(n).Address);
            _index[slot] = n + 1;
        }
    }

    /// <summary>Called with each entry being folded away, before it goes (tests and the accountant use it).</summary>
    public Action<RemoteIp>? FoldObserver { get; set; }

    /// <summary>
    /// Folds the least recently seen quarter of the table (at least one entry): an O(n) pass with a
    /// histogram over LastSeen picks the cut, survivors are compacted in place, the index is rebuilt.
    /// </summary>
    void FoldLeastRecent()
    {
        var onFold = FoldObserver;
        uint min = uint.MaxValue, max = 0;
        for (int n = 0; n < _count; n++)
        {
            uint t = EntryAt(n).LastSeen;
            if (t < min) min = t;
            if (t > max) max = t;
        }
        const int Buckets = 64;
        Span<int> histogram = stackalloc int[Buckets];
        ulong span = (ulong)max - min + 1;
        for (int n = 0; n < _count; n++) histogram[(int)(((ulong)(EntryAt(n).LastSeen - min) * Buckets) / span)]++;
        int target = Math.Max(1, _count / 4), folded = 0, cutBucket = 0;
        for (; cutBucket < Buckets; cutBucket++)
        {
            folded += histogram[cutBucket];
            if (folded >= target) break;
        }
        // Older buckets go entirely; the cut bucket only as far as the target (all entries may share one second).
        int foldInCut = target - (folded - histogram[Math.Min(cutBucket, Buckets - 1)]);
        int kept = 0;
        for (int n = 0; n < _count; n++)
        {
            ref var entry = ref EntryAt(n);
            int bucket = (int)(((ulong)(entry.LastSeen - min) * Buckets) / span);
            if (bucket < cutBucket || (bucket == cutBucket && foldInCut-- > 0))
            {
                onFold?.Invoke(entry);
                continue;
            }
            if (kept != n) EntryAt(kept) = entry;
            kept++;
        }
        Folded += _count - kept;
        _count = kept;
        Reindex();
    }

    /// <summary>Visits every entry (snapshot building, state files).</summary>
    public void ForEach<TVisitor>(ref TVisitor visitor) where TVisitor : struct, IEntryVisitor
    {
        for (int n = 0; n < _count; n++) visitor.Visit(ref EntryAt(n));
    }

    public void Clear()
    {
        _count = 0;
        Array.Clear(_index);
    }
}

public interface IEntryVisitor
{
    void Visit(ref RemoteIp entry);
}
