using Conduit.Tracking.Model;

namespace Conduit.Tracking.Capture;

/// <summary>
/// A source of traffic for the accountant: libpcap ("pcap") here, eBPF ("ebpf") in Tracking/Ebpf. The backend
/// owns the one thread that writes to the accountant; it calls <c>heartbeat</c> on that thread at least every
/// ~100 ms (between batches) so snapshots are built by the writer itself, without locks.
/// </summary>
public interface ICaptureBackend : IDisposable
{
    /// <summary>"pcap" or "ebpf": shown in the TUI header and the JSON.</summary>
    string Name { get; }

    /// <summary>The interface name, or the file being replayed.</summary>
    string Source { get; }

    /// <summary>Feeds the accountant until the source ends (a file) or <paramref name="stop"/> is cancelled.</summary>
    void Run(TrafficAccountant accountant, Action heartbeat, CancellationToken stop);

    /// <summary>Packets the kernel dropped since the capture began; called on the capture thread.</summary>
    ulong ReadKernelDropped();

    /// <summary>Something the user should know about a run that still succeeded (a file that ends inside a
    /// record); read after <see cref="Run"/> returned.</summary>
    string? Warning => null;

    /// <summary>A replay's own clock: the first and the latest record's capture time, so rates and uptime are the
    /// capture's (a 49 s capture replayed in 1 s is not 49 times faster); null for live sources, whose clock is
    /// the wall. Read on the capture thread.</summary>
    (DateTime First, DateTime Latest)? CaptureClock => null;
}
