namespace Conduit.Tracking.Ebpf;

/// <summary>
/// Turns cumulative per-address totals (one full walk of the kernel map) into deltas since the previous walk.
/// An address missing from a walk was evicted; one whose totals went down was evicted and came back, so all
/// of its totals are new. Allocation-free once its tables have grown to the working set.
/// </summary>
internal sealed class DeltaTracker
{
    TotalsTable _previous = new(), _current = new();
    RemoteTrafficDelta[] _deltas = new RemoteTrafficDelta[256];
    int _count;

    /// <summary>Addresses seen by the last completed walk (the map's live entries).</summary>
    public int Live => _previous.Count;

    public void BeginWalk()
    {
        _current.Clear();
        _count = 0;
    }

    public void Observe(in RemoteAddress address, in RemoteCounters total)
    {
        if (_current.TryGet(address, out _)) return; // a key walk restarted after a concurrent eviction
        _current.Add(address, total);
        _previous.TryGet(address, out var before);
        if (total.BytesIn < before.BytesIn || total.PacketsIn < before.PacketsIn
            || total.BytesOut < before.BytesOut || total.PacketsOut < before.PacketsOut)
            before = default;
        if (total.PacketsIn == before.PacketsIn && total.PacketsOut == before.PacketsOut) return;
        if (_count == _deltas.Length) Array.Resize(ref _deltas, _deltas.Length * 2);
        _deltas[_count++] = new RemoteTrafficDelta(address,
            total.BytesIn - before.BytesIn, total.PacketsIn - before.PacketsIn,
            total.BytesOut - before.BytesOut, total.PacketsOut - before.PacketsOut);
    }

    /// <summary>Ends the walk: the deltas it produced (valid until the next walk begins).</summary>
    public ReadOnlySpan<RemoteTrafficDelta> EndWalk()
    {
        (_previous, _current) = (_current, _previous);
        _current.Clear();
        return _deltas.AsSpan(0, _count);
    }
}
