using System.Net;
using Conduit.Tracking.Ebpf;

namespace Conduit.Tests.Ebpf;

public sealed class DeltaTrackerTests
{
    static RemoteAddress Ip(string text) => RemoteAddress.From(IPAddress.Parse(text));
    static RemoteCounters Totals(ulong bi, ulong pi, ulong bo, ulong po) => new() { BytesIn = bi, PacketsIn = pi, BytesOut = bo, PacketsOut = po };

    static RemoteTrafficDelta[] Walk(DeltaTracker tracker, params (string Ip, RemoteCounters Totals)[] map)
    {
        tracker.BeginWalk();
        foreach (var (ip, totals) in map) tracker.Observe(Ip(ip), totals);
        return tracker.EndWalk().ToArray();
    }

    [Fact]
    public void DeltasAreTheGrowthSinceThePreviousWalk()
    {
        var tracker = new DeltaTracker();
        Assert.Equal([new RemoteTrafficDelta(Ip("203.0.113.1"), 100, 1, 50, 1)], Walk(tracker, ("203.0.113.1", Totals(100, 1, 50, 1))));
        var second = Walk(tracker, ("203.0.113.1", Totals(300, 3, 50, 1)), ("2001:db8::1", Totals(0, 0, 80, 2)));
        Assert.Equal([new RemoteTrafficDelta(Ip("203.0.113.1"), 200, 2, 0, 0), new RemoteTrafficDelta(Ip("2001:db8::1"), 0, 0, 80, 2)], second);
        // Unchanged addresses produce nothing.
        Assert.Empty(Walk(tracker, ("203.0.113.1", Totals(300, 3, 50, 1)), ("2001:db8::1", Totals(0, 0, 80, 2))));
        Assert.Equal(2, tracker.Live);
    }

    [Fact]
    public void AnAddressThatWasEvictedAndCameBackCountsInFull()
    {
        var tracker = new DeltaTracker();
        Walk(tracker, ("203.0.113.1", Totals(1000, 10, 0, 0)));
        // Evicted, then back with smaller totals: all of it is new traffic.
        Assert.Equal([new RemoteTrafficDelta(Ip("203.0.113.1"), 40, 1, 0, 0)], Walk(tracker, ("203.0.113.1", Totals(40, 1, 0, 0))));
        // Evicted and absent from a walk, then back: also counted in full.
        Assert.Empty(Walk(tracker));
        Assert.Equal(0, tracker.Live);
        Assert.Equal([new RemoteTrafficDelta(Ip("203.0.113.1"), 5000, 50, 0, 0)], Walk(tracker, ("203.0.113.1", Totals(5000, 50, 0, 0))));
    }

    [Fact]
    public void AKeyWalkThatRestartsDoesNotCountTwice()
    {
        var tracker = new DeltaTracker();
        var deltas = Walk(tracker, ("203.0.113.1", Totals(10, 1, 0, 0)), ("203.0.113.2", Totals(20, 1, 0, 0)), ("203.0.113.1", Totals(10, 1, 0, 0)));
        Assert.Equal(2, deltas.Length);
        Assert.Equal(2, tracker.Live);
    }

    [Fact]
    public void ManyAddressesGrowTheTablesAndStayExact()
    {
        var tracker = new DeltaTracker();
        var map = Enumerable.Range(0, 70_000).Select(i => ($"198.{18 + i / 65536}.{i / 256 % 256}.{i % 256}", Totals((ulong)i + 1, 1, 0, 0))).ToArray();
        var first = Walk(tracker, map);
        Assert.Equal(70_000, first.Length);
        Assert.Equal(Enumerable.Range(0, 70_000).Sum(i => (long)i + 1), first.Sum(d => (long)d.BytesIn));
        var grown = map.Select(m => (m.Item1, Totals(m.Item2.BytesIn * 2, 2, 0, 0))).ToArray();
        var second = Walk(tracker, grown);
        Assert.Equal(first.Select(d => d.BytesIn), second.Select(d => d.BytesIn));
        Assert.All(second, d => Assert.Equal(1UL, d.PacketsIn));
    }

    [Fact]
    public void SteadyStateWalksAllocateNothing()
    {
        var tracker = new DeltaTracker();
        var addresses = Enumerable.Range(0, 10_000).Select(i => Ip($"198.18.{i / 256}.{i % 256}")).ToArray();
        long deltas = 0;
        // Compiled once, optimized: a tier-up or OSR in the middle of the measurement would count on this thread.
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        void WalkAll(ulong round)
        {
            tracker.BeginWalk();
            foreach (var a in addresses) tracker.Observe(a, Totals(round * 100, round, round * 10, round));
            deltas += tracker.EndWalk().Length;
        }
        for (ulong round = 1; round <= 3; round++) WalkAll(round); // tables grow to the working set
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (ulong round = 4; round <= 10; round++) WalkAll(round);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(10 * addresses.Length, deltas);
        Assert.Equal(0, allocated);
    }
}
