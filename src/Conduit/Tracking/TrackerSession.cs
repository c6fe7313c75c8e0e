using System.Diagnostics;
using Conduit.Tracking.Capture;
using Conduit.Tracking.Model;

namespace Conduit.Tracking;

/// <summary>
/// Runs a capture backend on its own thread and publishes a <see cref="TrafficSnapshot"/> every interval
/// (built on that thread, handed over by a volatile reference). Views wait for snapshots; they never touch
/// the backend or the accountant.
/// </summary>
public sealed class TrackerSession : IDisposable
{
    readonly ICaptureBackend _backend;
    readonly TrafficAccountant _accountant;
    readonly long _intervalTicks;
    readonly DateTime _started = DateTime.UtcNow;
    readonly CancellationTokenSource _stop = new();
    readonly SemaphoreSlim _published = new(0);
    readonly ManualResetEventSlim _finished = new(false);
    Thread? _thread;
    long _nextSnapshot;
    TrafficSnapshot? _latest;

    readonly int _topIps;

    public TrackerSession(ICaptureBackend backend, TrafficAccountant accountant, TimeSpan interval, int topIps = 10)
    {
        _topIps = topIps;
        _backend = backend;
        _accountant = accountant;
        _intervalTicks = (long)(interval.TotalSeconds * Stopwatch.Frequency);
    }

    public TrafficSnapshot? Latest => Volatile.Read(ref _latest);
    public bool Finished => _finished.IsSet;
    /// <summary>Why the capture thread stopped early, if it did.</summary>
    public Exception? Failure { get; private set; }

    public void Start()
    {
        _nextSnapshot = Stopwatch.GetTimestamp() + _intervalTicks;
        _thread = new Thread(CaptureLoop) { Name = "capture", IsBackground = true };
        _thread.Start();
    }

    void CaptureLoop()
    {
        try
        {
            _backend.Run(_accountant, Heartbeat, _stop.Token);
        }
        catch (Exception e)
        {
            Failure = e;
        }
        finally
        {
            Publish();
            _finished.Set();
            _published.Release();
        }
    }

    void Heartbeat()
    {
        long now = Stopwatch.GetTimestamp();
        if (now < _nextSnapshot) return;
        _nextSnapshot = now + _intervalTicks;
        Publish();
    }

    void Publish()
    {
        var (started, now) = _backend.CaptureClock ?? (_started, DateTime.UtcNow);
        var snapshot = _accountant.Snapshot(now, started, _backend.Name, _backend.Source, _backend.ReadKernelDropped(), _topIps);
        Volatile.Write(ref _latest, snapshot);
        _published.Release();
    }

    /// <summary>Waits for the next snapshot (or the end of the capture); false on timeout or cancellation.</summary>
    public bool WaitForSnapshot(TimeSpan timeout, CancellationToken cancel)
    {
        try { return _published.Wait(timeout, cancel); }
        catch (OperationCanceledException) { return false; }
    }

    /// <summary>Asks the capture thread to stop and waits until it published its final snapshot.</summary>
    public TrafficSnapshot? Stop()
    {
        if (_thread is null) return Latest; // never started (the status endpoint could not listen): nothing to wait for
        _stop.Cancel();
        _finished.Wait();
        return Latest;
    }

    /// <summary>Waits for the source to end by itself (file replay).</summary>
    public void WaitFinished(CancellationToken cancel)
    {
        try { _finished.Wait(cancel); } catch (OperationCanceledException) { }
    }

    public void Dispose()
    {
        if (_thread is not null && !_finished.IsSet) Stop();
        _backend.Dispose();
        _stop.Dispose();
        _published.Dispose();
        _finished.Dispose();
    }
}
