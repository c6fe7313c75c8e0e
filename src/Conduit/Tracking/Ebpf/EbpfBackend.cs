using Conduit.Tracking.Capture;
using Conduit.Tracking.Model;
using Conduit.Tracking.Packets;

namespace Conduit.Tracking.Ebpf;

/// <summary>
/// The eBPF capture as a tracker backend: the kernel counts per remote address, and this thread turns the map's
/// deltas into <see cref="TrafficAccountant.AddRemote"/> calls a few times a second, so the tracker's cost
/// follows the number of addresses, not the packet rate.
/// </summary>
public sealed class EbpfBackend(EbpfCapture capture) : ICaptureBackend
{
    /// <summary>How often the map is read; heartbeats run more often (the session needs one every ~100 ms).</summary>
    static readonly TimeSpan ReadEvery = TimeSpan.FromMilliseconds(250);
    static readonly TimeSpan HeartbeatEvery = TimeSpan.FromMilliseconds(100);

    EbpfStats _fed;

    public string Name => "ebpf";
    public string Source => capture.Interface;

    public void Run(TrafficAccountant accountant, Action heartbeat, CancellationToken stop)
    {
        var nextRead = DateTime.UtcNow + ReadEvery;
        while (!stop.WaitHandle.WaitOne(HeartbeatEvery))
        {
            if (DateTime.UtcNow >= nextRead)
            {
                Feed(accountant);
                nextRead = DateTime.UtcNow + ReadEvery;
            }
            heartbeat();
        }
        capture.Stop();
        Feed(accountant); // what was counted between the last read and the detach
        heartbeat();
    }

    void Feed(TrafficAccountant accountant)
    {
        var now = (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Span<byte> address = stackalloc byte[16];
        foreach (ref readonly var d in capture.ReadDeltas())
        {
            d.Address.CopyTo(address);
            accountant.AddRemote(IpKey.FromV6(address), d.BytesIn, d.PacketsIn, d.BytesOut, d.PacketsOut, now);
        }
        var stats = capture.Stats;
        accountant.Malformed += stats.Malformed - _fed.Malformed;
        accountant.NotIp += stats.NonIp - _fed.NonIp;
        _fed = stats;
    }

    /// <summary>Packets the kernel program could not count (no map entry could be had).</summary>
    public ulong ReadKernelDropped() => capture.Stats.MapFull;

    public void Dispose() => capture.Dispose();
}
