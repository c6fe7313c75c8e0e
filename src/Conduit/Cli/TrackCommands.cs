using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using Conduit.Settings;
using Conduit.Tracking;
using Conduit.Tracking.Capture;
using Conduit.Tracking.Ebpf;
using Conduit.Tracking.Geo;
using Conduit.Tracking.Model;
using Conduit.Tracking.Packets;
using Conduit.Tracking.Service;
using Conduit.Tracking.Views;
using ConsoleAppFramework;

namespace Conduit.Cli;

public sealed class TrackCommands
{
    /// <summary>Show live traffic per country from captured packets (TUI on a terminal, --json for machines, --service for the background tracker).</summary>
    /// <param name="iface">-i|--interface, capture on this interface (default: TRACK_INTERFACE, else the default route's)</param>
    /// <param name="backendName">--backend, live capture backend: auto (eBPF where this host allows it, else pcap), ebpf or pcap (default: TRACK_BACKEND)</param>
    /// <param name="read">-r, replay this pcap/pcapng file as fast as possible instead of capturing</param>
    /// <param name="filter">BPF capture filter (default: TCP and UDP but port 22, for live and --read alike; replaces it)</param>
    /// <param name="excludePort">ports to leave out, comma-separated (added to the filter)</param>
    /// <param name="local">addresses that count as this host, comma-separated (besides the interface's own)</param>
    /// <param name="geoip">country database file, GeoLite2 or DB-IP .mmdb (default: GEOIP_DB, else the embedded DB-IP one)</param>
    /// <param name="json">print one JSON object per interval (NDJSON)</param>
    /// <param name="once">print one result and exit: after --duration (live) or at the end of --read</param>
    /// <param name="duration">stop after this many seconds (live capture)</param>
    /// <param name="interval">seconds between refreshes</param>
    /// <param name="metricsAddr">serve Prometheus /metrics and JSON /snapshot on HOST:PORT (loopback)</param>
    /// <param name="metricsPublic">allow a --metrics-addr other hosts can reach: it publishes every remote address seen</param>
    /// <param name="service">background mode: no TUI, state in traffic_stats/ every --flush-seconds and on SIGTERM, endpoint on TRACK_STATUS_ADDR</param>
    /// <param name="flushSeconds">service mode: seconds between state flushes</param>
    /// <param name="top">remote addresses listed in the JSON (`top_ips`, by bytes)</param>
    /// <param name="maxIps">remote addresses held individually; beyond it the least recently seen are folded into their country</param>
    [Command("track")]
    public void Track(string iface = "", string? backendName = null, string? read = null, string? filter = null, string? excludePort = null, string? local = null,
        string? geoip = null, bool json = false, bool once = false, [Real] double? duration = null, [Real] double interval = 1,
        string? metricsAddr = null, bool metricsPublic = false, bool service = false, [Integer] int flushSeconds = 15, [Integer] int top = 10, [Integer] int maxIps = 200_000,
        CancellationToken cancellationToken = default)
    {
        if (interval is < 0.1 or > 3600) throw new UsageException($"--interval must be 0.1..3600 seconds, got {interval}");
        if (duration is <= 0 or > 31_536_000) throw new UsageException($"--duration must be above 0 seconds, got {duration}");
        if (maxIps is < 1000 or > 50_000_000) throw new UsageException($"--max-ips must be 1000..50000000, got {maxIps}");
        if (top is < 0 or > 10_000) throw new UsageException($"--top must be 0..10000, got {top}");
        if (flushSeconds is < 1 or > 3600) throw new UsageException($"--flush-seconds must be 1..3600, got {flushSeconds}");
        if (service && (once || json)) throw new UsageException("--service cannot be combined with --once or --json");
        if (service && read is not null) throw new UsageException("--service captures live; it cannot replay --read");
        if (read is not null && iface.Length > 0) throw new UsageException("--read and --interface exclude each other");

        var settings = ConduitSettings.Load(CliApp.Paths.SettingsFile);
        var backendChoice = (backendName ?? settings.TrackBackend).Trim().ToLowerInvariant();
        if (backendChoice is not ("auto" or "ebpf" or "pcap"))
            throw new UsageException($"--backend must be auto, ebpf or pcap, got '{backendChoice}'");
        if (read is not null && backendChoice == "ebpf") throw new UsageException("--backend ebpf counts live traffic; --read replays with pcap");
        string captureFilter = BuildFilter(filter, excludePort);
        List<IpKey> localList;
        try { localList = LocalAddresses.Parse(local, "--local"); }
        catch (FormatException e) { throw new UsageException(e.Message); }
        IPEndPoint? metricsEndpoint = null;
        try
        {
            if (metricsAddr is not null) metricsEndpoint = StatusServer.ParseAddress(metricsAddr, "--metrics-addr", metricsPublic);
            else if (service)
                metricsEndpoint = StatusServer.ParseAddress(settings["TRACK_STATUS_ADDR"], "TRACK_STATUS_ADDR",
                    metricsPublic || settings["TRACK_STATUS_PUBLIC"] == "true", "TRACK_STATUS_PUBLIC=true");
        }
        catch (FormatException e) { throw new UsageException(e.Message); }

        string? dbPath = geoip ?? (settings.IsSet("GEOIP_DB") ? settings["GEOIP_DB"] : null);
        CountryDatabase geo;
        try { geo = CountryDatabase.OpenDefaultOr(dbPath, CliApp.Paths.GeoipCacheDir); }
        catch (InvalidDataException e) { throw new UsageException($"{(geoip is null ? "GEOIP_DB" : "--geoip")}: {e.Message}"); }

        ICaptureBackend backend;
        try
        {
            if (read is not null)
            {
                // The same default as live capture, applied to the parsed packets; a custom --filter goes through
                // libpcap (as do pcapng files).
                var excluded = PortExclusions.WithDefault(excludePort);
                backend = (filter is null ? PcapFileBackend.TryOpen(read, excluded) : null)
                          ?? (ICaptureBackend)PcapBackend.OpenFile(read, filter is null ? null : captureFilter, excluded);
            }
            else
            {
                string name = iface.Length > 0 ? iface
                    : settings.IsSet("TRACK_INTERFACE") ? settings["TRACK_INTERFACE"]
                    : DefaultRoute.Interface() ?? throw new ConduitException("no default route: choose the interface with --interface");
                backend = OpenLive(backendChoice, name, filter, excludePort, captureFilter);
                localList.AddRange(LocalAddresses.OfInterface(name));
            }
        }
        catch (CaptureException e)
        {
            geo.Dispose();
            throw e.IsPermission || read is null && !e.Message.StartsWith("--", StringComparison.Ordinal)
                ? new ConduitException(e.Message)
                : new UsageException(e.Message);
        }

        var accountant = new TrafficAccountant(geo, new LocalAddresses(localList), maxIps);
        StateStore? store = null;
        if (service)
        {
            store = new StateStore(CliApp.Paths.TrafficStatsDir);
            store.RestoreInto(accountant, Terminal.Warn);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        if (duration is { } d && read is null) stop.CancelAfter(TimeSpan.FromSeconds(d));
        else if (once && read is null) stop.CancelAfter(TimeSpan.FromSeconds(interval));

        using var session = new TrackerSession(backend, accountant, TimeSpan.FromSeconds(interval), top);
        StatusServer? server = null;
        try
        {
            if (metricsEndpoint is not null) server = StatusServer.Start(metricsEndpoint, () => session.Latest);
            session.Start();
            if (once) RunOnce(session, stop.Token, json);
            else if (service) RunService(session, store!, flushSeconds, stop.Token);
            else if (json) RunJson(session, stop.Token);
            else if (Terminal.StdoutIsTerminal && Terminal.StdinIsTerminal) RunTui(session, stop.Token);
            else RunText(session, stop.Token);
        }
        finally
        {
            session.Stop();
            server?.Dispose();
            geo.Dispose();
        }
        // A replayed file that is wrong inside (a corrupt record) is bad input like a bad header: exit 2.
        if (session.Failure is { } failure)
            throw read is not null && failure is CaptureException { IsPermission: false }
                ? new UsageException(failure.Message)
                : new ConduitException(failure.Message);
        if (backend.Warning is { } warning) Terminal.Warn(warning);
    }

    /// <summary>The live backend: eBPF when chosen or when "auto" finds it usable, else pcap; says which and why.</summary>
    static ICaptureBackend OpenLive(string choice, string name, string? filter, string? excludePort, string captureFilter)
    {
        if (choice == "pcap")
        {
            var chosen = PcapBackend.OpenLive(name, captureFilter);
            Console.Error.WriteLine($"conduit: backend pcap on {name} (--backend pcap)");
            return chosen;
        }
        string why;
        if (filter is not null) why = "a custom --filter needs libpcap";
        else
        {
            try
            {
                var capture = EbpfCapture.Start(name, PortExclusions.WithDefault(excludePort));
                Console.Error.WriteLine($"conduit: backend ebpf on {name} (counting in the kernel)");
                return new EbpfBackend(capture);
            }
            catch (EbpfUnavailableException e) when (choice == "auto") { why = e.Message; }
        }
        if (choice == "ebpf") throw new UsageException($"--backend ebpf: {why}");
        var pcap = PcapBackend.OpenLive(name, captureFilter); // when this fails too, its own error says it all
        Console.Error.WriteLine($"conduit: backend pcap on {name} (eBPF not used: {why})");
        return pcap;
    }

    static string BuildFilter(string? filter, string? excludePort)
    {
        string baseFilter = filter ?? PcapBackend.DefaultFilter;
        var ports = PortExclusions.Parse(excludePort);
        if (ports.Length == 0) return baseFilter;
        return $"({baseFilter})" + string.Concat(ports.Select(p => " and not port " + p.ToString(CultureInfo.InvariantCulture)));
    }

    static void RunOnce(TrackerSession session, CancellationToken stop, bool json)
    {
        session.WaitFinished(stop); // a file ends by itself; a live capture ends when --duration cancels `stop`
        var last = session.Stop();
        if (session.Failure is not null || last is null) return;
        if (json) WriteJsonLine(last);
        else Console.Out.Write(TrafficTable.Render(last, TableSort.Total, 50, 120, color: false));
    }

    static void RunJson(TrackerSession session, CancellationToken stop)
    {
        TrafficSnapshot? printed = null;
        while (!stop.IsCancellationRequested && !session.Finished)
        {
            if (!session.WaitForSnapshot(TimeSpan.FromSeconds(1), stop)) continue;
            if (session.Latest is { } s && !ReferenceEquals(s, printed)) WriteJsonLine(printed = s);
        }
        var last = session.Stop();
        if (last is not null && !ReferenceEquals(last, printed)) WriteJsonLine(last);
    }

    static void RunText(TrackerSession session, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested && !session.Finished)
            if (session.WaitForSnapshot(TimeSpan.FromSeconds(1), stop) && session.Latest is { } s)
                Console.Out.Write(TrafficTable.Render(s, TableSort.Total, 20, 120, color: false) + "\n");
        if (session.Stop() is { } last) Console.Out.Write(TrafficTable.Render(last, TableSort.Total, 20, 120, color: false));
    }

    static void RunTui(TrackerSession session, CancellationToken stop)
    {
        using (var tui = new LiveTui())
        {
            tui.Enter();
            while (!stop.IsCancellationRequested && !session.Finished)
            {
                bool changed = session.WaitForSnapshot(TimeSpan.FromMilliseconds(100), stop);
                if (!tui.HandleKeys(ref changed)) break;
                if (changed && session.Latest is { } s) tui.Render(s);
            }
        }
        // The full screen is gone: the final numbers stay on the normal one (a replay ends before anyone reads it).
        if (session.Stop() is { } last) Console.Out.Write(TrafficTable.Render(last, TableSort.Total, 20, 120, color: false));
    }

    /// <summary>Flushes the state every <paramref name="flushSeconds"/>. A flush that fails (disk full, folder made
    /// read-only) is said once and retried each interval: the totals live on in memory and the last good file stays
    /// as it was, so the tracker keeps counting instead of dying and losing everything since that file.</summary>
    static void RunService(TrackerSession session, StateStore store, int flushSeconds, CancellationToken stop)
    {
        var next = DateTime.UtcNow.AddSeconds(flushSeconds);
        string? failing = null;
        while (!stop.IsCancellationRequested && !session.Finished)
        {
            session.WaitForSnapshot(TimeSpan.FromMilliseconds(250), stop);
            if (DateTime.UtcNow < next || session.Latest is not { } s) continue;
            next = DateTime.UtcNow.AddSeconds(flushSeconds);
            try
            {
                store.Save(s);
                if (failing is not null) Terminal.Warn($"{store.FilePath}: saved again");
                failing = null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (e.Message != failing)
                    Terminal.Warn($"{e.Message}; the tracker goes on counting and tries again every {flushSeconds} s");
                failing = e.Message;
            }
        }
        if (session.Stop() is not { } last) return;
        try
        {
            store.Save(last); // SIGTERM: the final flush
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConduitException($"{e.Message}; the totals since the last saved state are lost");
        }
    }

    static void WriteJsonLine(TrafficSnapshot s)
    {
        using var stdout = StandardStreams.Stdout();
        stdout.Write(SnapshotJson.ToUtf8(s));
        stdout.Write("\n"u8);
        stdout.Flush();
    }
}
