namespace Conduit.Tracking.Ebpf;

/// <summary>
/// The totals last read for each remote address (open addressing, linear probing). Two of these alternate:
/// each read looks up the previous one and fills the next, so addresses the kernel evicted drop out without
/// deletions. Grows by doubling (rare); Clear touches only the used slots, so steady state allocates nothing.
/// </summary>
internal sealed class TotalsTable
{
    struct Slot
    {
        public RemoteAddress Address;
        public RemoteCounters Totals;
        public bool Used;
    }

    Slot[] _slots;
    int[] _used;
    int _count;

    public TotalsTable(int capacity = 1024)
    {
        _slots = new Slot[capacity];
        _used = new int[capacity / 2];
    }

    public int Count => _count;

    /// <summary>Folds the high halves down before mixing: an IPv4 address sits in the top 32 bits of Tail, and
    /// the table uses the low bits.</summary>
    static int Hash(in RemoteAddress a)
    {
        var h = (a.Head * 0x9E3779B97F4A7C15UL) ^ a.Tail;
        h ^= h >> 32;
        h *= 0xFF51AFD7ED558CCDUL;
        h ^= h >> 33;
        return (int)h;
    }

    public bool TryGet(in RemoteAddress address, out RemoteCounters totals)
    {
        var mask = _slots.Length - 1;
        for (var i = Hash(address) & mask; ; i = (i + 1) & mask)
        {
            ref var slot = ref _slots[i];
            if (!slot.Used) break;
            if (slot.Address == address)
            {
                totals = slot.Totals;
                return true;
            }
        }
        totals = default;
        return false;
    }

    /// <summary>Adds an address not yet in the table (each address appears once per map read).</summary>
    public void Add(in RemoteAddress address, in RemoteCounters totals)
    {
        if (_count >= _used.Length) Grow();
        var mask = _slots.Length - 1;
        var i = Hash(address) & mask;
        while (_slots[i].Used) i = (i + 1) & mask;
        _slots[i] = new Slot { Address = address, Totals = totals, Used = true };
        _used[_count++] = i;
    }

    public void Clear()
    {
        for (var k = 0; k < _count; k++) _slots[_used[k]] = default;
        _count = 0;
    }

    void Grow()
    {
        var old = _slots;
        var oldUsed = _used;
        var oldCount = _count;
        _slots = new Slot[old.Length * 2];
        _used = new int[old.Length];
        _count = 0;
        for (var k = 0; k < oldCount; k++)
        {
            ref var s = ref old[oldUsed[k]];
            Add(s.Address, s.Totals);
        }
    }
}
