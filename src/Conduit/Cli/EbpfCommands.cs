using System.Globalization;
using Conduit.Settings;
using Conduit.Tracking.Capture;
using Conduit.Tracking.Ebpf;
using ConsoleAppFramework;

namespace Conduit.Cli;

public sealed class EbpfCommands
{
    /// <summary>Count TCP/UDP traffic per remote IP in the kernel with eBPF (TC ingress+egress) and print the
    /// totals when stopped (Ctrl+C, SIGTERM or --duration). A diagnostic view of what the eBPF backend of
    /// `conduit track` sees; needs root (or cap_bpf,cap_perfmon,cap_net_admin).</summary>
    /// <param name="interface">interface to count on (default: TRACK_INTERFACE, else the default route's)</param>
    /// <param name="duration">stop after this many seconds (0: run until Ctrl+C or SIGTERM)</param>
    /// <param name="interval">seconds between reads of the kernel map</param>
    /// <param name="excludePort">extra TCP/UDP ports not to count, comma-separated (port 22 never is)</param>
    /// <param name="kernelStats">have the kernel time the programs and report ns per packet</param>
    /// <param name="json">print the totals as JSON</param>
    /// <param name="top">print only the N busiest addresses (0: all)</param>
    /// <param name="removeStale">only remove the filters a killed conduit left on the interface, then exit</param>
    [Command("track-ebpf")]
    public void TrackEbpf(string? @interface = null, [Real] double duration = 0, [Real] double interval = 1, string? excludePort = null,
        bool kernelStats = false, bool json = false, [Integer] int top = 0, bool removeStale = false, CancellationToken cancellationToken = default)
    {
        if (removeStale)
        {
            var iface = @interface is { Length: > 0 } ? @interface : DefaultInterface();
            var removed = EbpfCapture.RemoveStaleFilters(iface);
            Console.WriteLine(removed == 0 ? $"no stale conduit filters on {iface}" : $"removed {removed} stale conduit filter(s) from {iface}");
            return;
        }
        if (double.IsNaN(duration) || duration < 0 || duration > 31_536_000) throw new UsageException($"--duration must be 0..31536000 seconds, got {duration}");
        if (double.IsNaN(interval) || interval is < 0.05 or > 3600) throw new UsageException($"--interval must be 0.05..3600 seconds, got {interval}");
        if (top < 0) throw new UsageException($"--top must be 0 or more, got {top}");
        var ports = PortExclusions.WithDefault(excludePort);
        var name = @interface is { Length: > 0 } ? @interface : DefaultInterface();

        using var capture = EbpfCapture.Start(name, ports, kernelStats);
        Console.Error.WriteLine($"conduit: counting on {name} with eBPF (ingress+egress, excluding ports {string.Join(',', ports)}, up to {capture.MapCapacity} addresses in the kernel map); stop with Ctrl+C");

        var totals = new Dictionary<RemoteAddress, ulong[]>();
        var started = DateTime.UtcNow;
        var stopAt = duration > 0 ? started.AddSeconds(duration) : DateTime.MaxValue;
        while (!cancellationToken.IsCancellationRequested)
        {
            var wait = Math.Min(interval, (stopAt - DateTime.UtcNow).TotalSeconds);
            if (wait > 0 && cancellationToken.WaitHandle.WaitOne(TimeSpan.FromSeconds(wait))) break;
            Add(totals, capture.ReadDeltas());
            if (DateTime.UtcNow >= stopAt) break;
        }
        capture.Stop();
        Add(totals, capture.ReadDeltas()); // packets counted between the last read and the detach
        Report(capture, totals, DateTime.UtcNow - started, json, top);
    }

    static void Add(Dictionary<RemoteAddress, ulong[]> totals, ReadOnlySpan<RemoteTrafficDelta> deltas)
    {
        foreach (var d in deltas)
        {
            if (!totals.TryGetValue(d.Address, out var t)) totals[d.Address] = t = new ulong[4];
            t[0] += d.BytesIn;
            t[1] += d.PacketsIn;
            t[2] += d.BytesOut;
            t[3] += d.PacketsOut;
        }
    }

    static void Report(EbpfCapture capture, Dictionary<RemoteAddress, ulong[]> totals, TimeSpan elapsed, bool json, int top)
    {
        var rows = totals.OrderByDescending(kv => kv.Value[0] + kv.Value[2]).ThenBy(kv => kv.Key.ToString(), StringComparer.Ordinal).ToList();
        if (top > 0 && rows.Count > top) rows = rows[..top];
        ulong packets = 0, bytes = 0;
        foreach (var t in totals.Values)
        {
            bytes += t[0] + t[2];
            packets += t[1] + t[3];
        }
        var s = capture.Stats;
        if (json)
        {
            Terminal.WriteJson(w =>
            {
                w.WriteStartObject();
                w.WriteString("backend", "ebpf");
                w.WriteString("interface", capture.Interface);
                w.WriteNumber("seconds", Math.Round(elapsed.TotalSeconds, 3));
                w.WriteNumber("packets", packets);
                w.WriteNumber("bytes", bytes);
                w.WriteNumber("malformed", s.Malformed);
                w.WriteNumber("non_ip", s.NonIp);
                w.WriteNumber("other_protocol", s.OtherProtocol);
                w.WriteNumber("excluded", s.Excluded);
                w.WriteNumber("evictions", s.Evictions);
                w.WriteNumber("map_entries", s.Addresses);
                w.WriteNumber("map_capacity", capture.MapCapacity);
                w.WriteNumber("map_full", s.MapFull);
                w.WriteNumber("kernel_run_count", s.KernelRunCount);
                w.WriteNumber("kernel_run_time_ns", s.KernelRunTimeNs);
                w.WriteNumber("kernel_ns_per_packet", Math.Round(s.KernelNsPerPacket, 1));
                w.WriteStartArray("remotes");
                foreach (var (address, t) in rows)
                {
                    w.WriteStartObject();
                    w.WriteString("ip", address.ToString());
                    w.WriteNumber("bytes_in", t[0]);
                    w.WriteNumber("packets_in", t[1]);
                    w.WriteNumber("bytes_out", t[2]);
                    w.WriteNumber("packets_out", t[3]);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            });
            return;
        }
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"{capture.Interface}: {packets} packets, {bytes} bytes from {totals.Count} remote IPs in {elapsed.TotalSeconds:0.0} s (eBPF)"));
        Console.WriteLine(string.Create(inv, $"not counted: {s.Excluded} excluded-port, {s.OtherProtocol} other-protocol, {s.NonIp} non-IP, {s.Malformed} malformed; evictions {s.Evictions}"));
        if (s.KernelRunCount > 0) Console.WriteLine(string.Create(inv, $"kernel: {s.KernelNsPerPacket:0.0} ns per packet over {s.KernelRunCount} runs"));
        if (rows.Count == 0) return;
        Console.WriteLine($"{"REMOTE IP",-40} {"BYTES IN",14} {"PKTS IN",10} {"BYTES OUT",14} {"PKTS OUT",10}");
        foreach (var (address, t) in rows)
            Console.WriteLine($"{address,-40} {t[0],14} {t[1],10} {t[2],14} {t[3],10}");
    }

    /// <summary>TRACK_INTERFACE from settings, else the interface of the IPv4 default route, else IPv6's.</summary>
    static string DefaultInterface()
    {
        var configured = ConduitSettings.Load(CliApp.Paths.SettingsFile)["TRACK_INTERFACE"];
        if (!string.IsNullOrEmpty(configured)) return configured;
        try
        {
            foreach (var line in File.ReadLines("/proc/net/route").Skip(1))
            {
                var f = line.Split('\t', StringSplitOptions.TrimEntries);
                if (f.Length > 2 && f[1] == "00000000" && f[0].Length > 0) return f[0];
            }
            foreach (var line in File.ReadLines("/proc/net/ipv6_route"))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length >= 10 && f[0] == new string('0', 32) && f[1] == "00" && f[9] != "lo") return f[9];
            }
        }
        catch (IOException) { }
        throw new UsageException("no default route: name the interface with --interface");
    }
}
