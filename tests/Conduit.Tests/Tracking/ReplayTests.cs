using System.Buffers.Binary;
using System.Text.Json;
using Conduit.Tests.Support;

namespace Conduit.Tests.Tracking;

/// <summary>`conduit track --read FILE --json --once`: exact per-country totals from written capture files.</summary>
public class ReplayTests
{
    const string Local4 = "203.0.113.10", Local6 = "2001:4860:1::10";
    static readonly string[] Remotes4 = ["8.8.8.8", "1.1.1.1", "5.1.1.1", "77.88.8.8", "185.60.216.35", "41.63.64.1", "200.160.2.3", "103.21.244.1"];
    static readonly string[] Remotes6 = ["2a00:1450:4001::1", "2606:4700::1111", "2001:67c:2e8::1", "2400:cb00::1"];

    sealed class Expected
    {
        public readonly Dictionary<string, (ulong BytesIn, ulong BytesOut, ulong PacketsIn, ulong PacketsOut, HashSet<string> Ips)> Countries = [];
        public ulong Packets, Bytes, Malformed;

        public void Add(string remote, bool inbound, int ipLength)
        {
            string code = Geo.CodeOf(remote);
            var c = Countries.TryGetValue(code, out var v) ? v : (0UL, 0UL, 0UL, 0UL, new HashSet<string>());
            if (inbound) { c.Item1 += (ulong)ipLength; c.Item3++; } else { c.Item2 += (ulong)ipLength; c.Item4++; }
            c.Item5.Add(remote);
            Countries[code] = c;
            Packets++;
            Bytes += (ulong)ipLength;
        }
    }

    /// <summary>Writes a random but seeded mix and records what the tracker must report.</summary>
    static Expected WriteMix(Func<byte[], byte[]> link, Action<byte[], int?> write, int seed, bool tagSome)
    {
        var rng = new Random(seed);
        var expected = new Expected();
        for (int i = 0; i < 3000; i++)
        {
            bool v6 = rng.Next(4) == 0, inbound = rng.Next(2) == 0;
            string remote = v6 ? Remotes6[rng.Next(Remotes6.Length)] : Remotes4[rng.Next(Remotes4.Length)];
            if (rng.Next(40) == 0) remote = v6 ? "fd00::99" : "192.168.7.7"; // reserved bucket
            string local = v6 ? Local6 : Local4;
            (string s, string d) = inbound ? (remote, local) : (local, remote);
            byte proto = rng.Next(3) == 0 ? Frames.Udp : Frames.Tcp;
            int payload = rng.Next(0, 1400);
            byte[] ip = rng.Next(10) switch
            {
                0 when !v6 => Frames.Ipv4(s, d, proto, payload, fragmentField: 0x2000),            // first fragment
                1 when !v6 => Frames.Ipv4(s, d, proto, payload, fragmentField: (ushort)rng.Next(1, 100)), // later fragment
                2 when !v6 => Frames.Ipv4(s, d, proto, payload, optionWords: rng.Next(1, 10)),
                0 or 1 or 2 => Frames.Ipv6(s, d, proto, payload, extensions: new byte[] { 0, 43, 60, 44 }[..rng.Next(1, 5)]),
                _ => v6 ? Frames.Ipv6(s, d, proto, payload) : Frames.Ipv4(s, d, proto, payload),
            };
            var frame = link(ip);
            if (tagSome && rng.Next(5) == 0) frame = Frames.Ethernet(ip, rng.Next(2) == 0 ? [0x8100] : [0x88A8, 0x8100]);
            // Snap about half the frames the way a 128-byte snap length would: bytes still count the wire length.
            if (frame.Length > 128 && rng.Next(2) == 0)
                write(frame[..128], frame.Length);
            else
                write(frame, null);
            expected.Add(remote, inbound, ip.Length);

            if (rng.Next(30) == 0) // a malformed frame: truncated inside the IP header
            {
                write(link(ip)[..(link(ip).Length - ip.Length + rng.Next(1, 19))], null);
                expected.Malformed++;
            }
        }
        return expected;
    }

    static void AssertReport(Expected expected, RunResult run)
    {
        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        using var doc = JsonDocument.Parse(lines[0]);
        var root = doc.RootElement;
        Assert.Equal(expected.Packets, root.GetProperty("packets").GetUInt64());
        Assert.Equal(expected.Bytes, root.GetProperty("bytes").GetUInt64());
        Assert.Equal(expected.Malformed, root.GetProperty("malformed").GetUInt64());
        Assert.Equal(0UL, root.GetProperty("dropped").GetUInt64());
        Assert.Equal("pcap", root.GetProperty("backend").GetString());

        var reported = new Dictionary<string, JsonElement>();
        ulong previous = ulong.MaxValue;
        foreach (var c in root.GetProperty("countries").EnumerateArray())
        {
            reported[c.GetProperty("code").GetString()!] = c;
            ulong total = c.GetProperty("bytes_in").GetUInt64() + c.GetProperty("bytes_out").GetUInt64();
            Assert.True(total <= previous, "countries must be sorted by bytes descending");
            previous = total;
        }
        reported["--"] = root.GetProperty("reserved");
        foreach (var (code, e) in expected.Countries)
        {
            Assert.True(reported.TryGetValue(code, out var c), $"country {code} missing from {lines[0]}");
            Assert.Equal((e.BytesIn, e.BytesOut, e.PacketsIn, e.PacketsOut, (ulong)e.Ips.Count),
                (c.GetProperty("bytes_in").GetUInt64(), c.GetProperty("bytes_out").GetUInt64(),
                 c.GetProperty("packets_in").GetUInt64(), c.GetProperty("packets_out").GetUInt64(), c.GetProperty("ips").GetUInt64()));
        }
        Assert.Equal(expected.Countries.Keys.Count(k => k != "--"), root.GetProperty("countries").GetArrayLength());
        Assert.True(expected.Countries.Count >= 6, "the mix should span several countries");
    }

    [Fact]
    public void Ethernet_pcap_with_vlans_fragments_ipv6_and_malformed_frames()
    {
        using var root = new TempRoot();
        var file = root.Combine("mix.pcap");
        Expected expected;
        using (var w = new PcapWriter(file, 1))
        {
            expected = WriteMix(ip => Frames.Ethernet(ip), (f, wire) => w.Write(f, wireLength: wire), 1, tagSome: true);
            for (int i = 0; i < 25; i++) w.Write(Frames.EthernetOther(0x0806, 28)); // ARP: not IP, not malformed
        }
        var run = ConduitProcess.RunIn(root, "track", "--read", file, "--json", "--once", "--local", $"{Local4},{Local6}");
        AssertReport(expected, run);
        using var doc = JsonDocument.Parse(run.Stdout);
        Assert.Equal(25UL, doc.RootElement.GetProperty("not_ip").GetUInt64());
    }

    [Fact]
    public void Linux_cooked_v2_pcapng_replays_the_same_way()
    {
        using var root = new TempRoot();
        var file = root.Combine("mix.pcapng");
        Expected expected;
        using (var w = new PcapNgWriter(file, 276))
            expected = WriteMix(Frames.Sll2, (f, wire) => w.Write(f, wire), 2, tagSome: false);
        var run = ConduitProcess.RunIn(root, "track", "--read", file, "--json", "--once", "--local", $"{Local4},{Local6}");
        AssertReport(expected, run);
    }

    [Fact]
    public void Linux_cooked_v1_pcap()
    {
        using var root = new TempRoot();
        var file = root.Combine("sll.pcap");
        Expected expected;
        using (var w = new PcapWriter(file, 113))
            expected = WriteMix(Frames.Sll, (f, wire) => w.Write(f, wireLength: wire), 3, tagSome: false);
        AssertReport(expected, ConduitProcess.RunIn(root, "track", "--read", file, "--json", "--once", "--local", $"{Local4},{Local6}"));
    }

    /// <summary>Replay used to count everything (ICMP, SSH) while live capture filtered: the file reader now keeps
    /// exactly what live capture's libpcap filter keeps, and tcpdump with that filter agrees.</summary>
    [Fact]
    public void A_replay_counts_what_live_capture_counts()
    {
        using var root = new TempRoot();
        var file = root.Combine("default.pcap");
        int kept = 0;
        using (var w = new PcapWriter(file, 1))
        {
            void Write(byte[] ip, bool counted) { w.Write(Frames.Ethernet(ip)); if (counted) kept++; }
            for (int i = 0; i < 5; i++)
            {
                Write(Frames.Ipv4("8.8.8.8", Local4, Frames.Tcp, 100 + i, 443, 40000), true);
                Write(Frames.Ipv4(Local4, "1.1.1.1", Frames.Udp, 60, 5000, 53), true);
                Write(Frames.Ipv6("2606:4700::1111", Local6, Frames.Tcp, 80, 443, 40001, extensions: [0, 60]), true);
                Write(Frames.Ipv4("8.8.8.8", Local4, Frames.Icmp, 56), false);
                Write(Frames.Ipv6("2606:4700::1111", Local6, 58, 56), false);                 // ICMPv6
                Write(Frames.Ipv4("5.1.1.1", Local4, Frames.Tcp, 40, 51000, 22), false);       // SSH in
                Write(Frames.Ipv4(Local4, "5.1.1.1", Frames.Tcp, 40, 22, 51000), false);       // SSH out
                Write(Frames.Ipv4("5.1.1.1", Local4, Frames.Udp, 40, 22, 6000), false);
            }
        }
        string[] common = ["track", "--read", file, "--json", "--once", "--local", $"{Local4},{Local6}"];
        var reader = ConduitProcess.RunIn(root, common);
        var libpcap = ConduitProcess.RunIn(root, [.. common, "--filter", Conduit.Tracking.Capture.PcapBackend.DefaultFilter]);
        var tcpdump = Conduit.Platform.ProcessRunner.Run("tcpdump", ["-r", file, "-nn", Conduit.Tracking.Capture.PcapBackend.DefaultFilter], TimeSpan.FromSeconds(30));
        Assert.True(tcpdump.Ok, tcpdump.Stderr);
        Assert.True(kept == tcpdump.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length, $"kept {kept}; tcpdump: {tcpdump.Stdout}{tcpdump.Stderr}");
        foreach (var run in new[] { reader, libpcap })
        {
            Assert.True(run.ExitCode == 0, run.ToString());
            using var doc = JsonDocument.Parse(run.Stdout);
            Assert.Equal((ulong)kept, doc.RootElement.GetProperty("packets").GetUInt64());
        }
    }

    /// <summary>Rates and uptime of a replay come from the capture's timestamps: a 49 s capture read in a blink
    /// showed "11.9 Mbit/s" of wall-clock time. Classic pcap (own reader) and pcapng (libpcap) alike.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_replay_rates_over_the_captures_own_duration(bool throughLibpcap)
    {
        using var root = new TempRoot();
        var file = root.Combine("timed.pcap");
        using (var w = new PcapWriter(file, 1))
            for (uint i = 0; i <= 40; i++) // one packet a second for 40 s
                w.Write(Frames.Ethernet(Frames.Ipv4("8.8.8.8", Local4, Frames.Udp, 972)), seconds: 1_700_000_000 + i);
        string[] args = ["track", "--read", file, "--json", "--once", "--local", Local4];
        var run = ConduitProcess.RunIn(root, throughLibpcap ? [.. args, "--filter", "udp"] : args);
        Assert.True(run.ExitCode == 0, run.ToString());
        using var doc = JsonDocument.Parse(run.Stdout);
        var s = doc.RootElement;
        Assert.Equal(40.0, s.GetProperty("uptime_seconds").GetDouble(), 3);
        Assert.Equal(41UL * 1000, s.GetProperty("bytes").GetUInt64()); // 20 IP + 8 UDP + 972
        Assert.Equal(41 * 1000 / 40.0, s.GetProperty("bytes_in_per_second").GetDouble(), 3);
        Assert.Equal(1.0, s.GetProperty("packets_per_second").GetDouble()); // 41 / 40 s, written to one decimal
    }

    [Fact]
    public void A_filter_replays_through_libpcap_and_keeps_only_matching_packets()
    {
        using var root = new TempRoot();
        var file = root.Combine("filter.pcap");
        using (var w = new PcapWriter(file, 1))
        {
            for (int i = 0; i < 10; i++) w.Write(Frames.Ethernet(Frames.Ipv4("8.8.8.8", Local4, Frames.Udp, 100, 53, 5000)));
            for (int i = 0; i < 7; i++) w.Write(Frames.Ethernet(Frames.Ipv4("8.8.8.8", Local4, Frames.Tcp, 100, 443, 5000)));
            for (int i = 0; i < 3; i++) w.Write(Frames.Ethernet(Frames.Ipv4("8.8.8.8", Local4, Frames.Udp, 100, 53, 22)));
        }
        var all = ConduitProcess.RunIn(root, "track", "--read", file, "--json", "--once", "--local", Local4);
        Assert.Contains("\"packets\":17,", all.Stdout); // the default, as live: not the 3 to port 22
        var udp = ConduitProcess.RunIn(root, "track", "--read", file, "--json", "--once", "--local", Local4, "--filter", "udp", "--exclude-port", "22");
        Assert.True(udp.ExitCode == 0, udp.ToString());
        Assert.Contains("\"packets\":10,", udp.Stdout);
        Assert.Contains("\"bytes_in\":1280,", udp.Stdout);
    }

    [Fact]
    public void A_file_cut_inside_a_record_counts_every_complete_record_and_warns_with_the_offset()
    {
        using var root = new TempRoot();
        var file = root.Combine("cut.pcap");
        using (var w = new PcapWriter(file, 1))
            for (int i = 0; i < 5; i++) w.Write(Frames.Ethernet(Frames.Ipv4("8.8.8.8", Local4, Frames.Udp, 100)));
        using (var f = File.OpenWrite(file)) f.SetLength(f.Length - 10);
        var run = ConduitProcess.RunIn(root, "track", "--read", file, "--json", "--once", "--local", Local4);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("\"packets\":4,", run.Stdout);
        Assert.Contains("\"bytes_in\":512,", run.Stdout);
        // 24-byte file header + 4 records of 16 + 142 bytes: the fifth starts at byte 656.
        Assert.Equal($"conduit: warning: {file}: the file ends inside a record at byte 656; the 148 bytes from there are not counted", run.Stderr.Trim());
    }

    /// <summary>One rule for replay: whatever is wrong inside the file (its header or a record) is bad input, exit 2;
    /// exit 1 is left for the machine (permissions, a live interface).</summary>
    [Fact]
    public void A_corrupt_record_is_bad_input_like_a_bad_header()
    {
        using var root = new TempRoot();
        var file = root.Combine("corrupt.pcap");
        using (var w = new PcapWriter(file, 1))
            for (int i = 0; i < 3; i++) w.Write(Frames.Ethernet(Frames.Ipv4("8.8.8.8", Local4, Frames.Udp, 100)));
        // The third record's captured length (at byte 24 + 2 x 158 + 8) becomes 0x7FFFFFFF.
        using (var f = File.OpenWrite(file)) { f.Position = 24 + 2 * 158 + 8; f.Write([0xFF, 0xFF, 0xFF, 0x7F]); }
        var run = ConduitProcess.RunIn(root, "track", "--read", file, "--json", "--once", "--local", Local4);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"conduit: {file}: corrupt pcap record at byte 340 (captured length 2147483647)\n", run.Stderr);
    }

    [Fact]
    public void Bad_inputs_are_one_line_errors_with_exit_codes()
    {
        using var root = new TempRoot();
        var missing = ConduitProcess.RunIn(root, "track", "--read", root.Combine("nope.pcap"), "--json", "--once");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("nope.pcap", missing.Stderr);
        var garbage = root.Write("garbage.pcap", "this is not a capture file at all");
        var bad = ConduitProcess.RunIn(root, "track", "--read", garbage, "--json", "--once");
        Assert.Equal(2, bad.ExitCode);
        Assert.Single(bad.Stderr.Trim().Split('\n'));
        var local = ConduitProcess.RunIn(root, "track", "--read", garbage, "--local", "1.2.3.4,banana");
        Assert.Equal(2, local.ExitCode);
        Assert.Contains("banana", local.Stderr);
        var geo = ConduitProcess.RunIn(root, "track", "--read", garbage, "--geoip", garbage);
        Assert.Equal(2, geo.ExitCode);
        Assert.Contains("--geoip", geo.Stderr);
        Assert.Equal("", geo.Stdout);
    }
}

/// <summary>Writes a pcapng file: section header, one interface, enhanced packet blocks.</summary>
public sealed class PcapNgWriter : IDisposable
{
    readonly BinaryWriter _w;

    public PcapNgWriter(string path, int linkType)
    {
        _w = new BinaryWriter(File.Create(path));
        _w.Write(0x0A0D0D0Au); _w.Write(28u); _w.Write(0x1A2B3C4Du); _w.Write((ushort)1); _w.Write((ushort)0); _w.Write(-1L); _w.Write(28u);
        _w.Write(1u); _w.Write(20u); _w.Write((ushort)linkType); _w.Write((ushort)0); _w.Write(65535u); _w.Write(20u);
    }

    public void Write(ReadOnlySpan<byte> frame, int? wireLength)
    {
        int padded = (frame.Length + 3) & ~3;
        uint total = (uint)(32 + padded);
        ulong ts = 1_700_000_000UL * 1_000_000;
        _w.Write(6u); _w.Write(total); _w.Write(0u); _w.Write((uint)(ts >> 32)); _w.Write((uint)ts);
        _w.Write((uint)frame.Length); _w.Write((uint)(wireLength ?? frame.Length));
        _w.Write(frame);
        for (int i = frame.Length; i < padded; i++) _w.Write((byte)0);
        _w.Write(total);
    }

    public void Dispose() => _w.Dispose();
}
