using Conduit.Tracking.Ebpf;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Conduit.Tests.Support;
using static Conduit.Tests.Ebpf.Frames;

namespace Conduit.Tests.Ebpf;

/// <summary>The eBPF backend on a real kernel, inside namespaces each test creates and removes.</summary>
public sealed class EbpfCaptureTests
{
    const string Fence = "192.0.2.99";

    [Fact]
    public void SocketTrafficFromSeveralSourcesIsCountedExactly() => WithoutDrops(SocketTrafficAttempt);

    [Theory]
    [InlineData(Tagging.None)]
    [InlineData(Tagging.Dot1Q)]
    [InlineData(Tagging.QinQ)]
    public void FramesAreCountedByIpLengthWithAndWithoutVlanTags(Tagging tagging) => WithoutDrops(() => FramesAttempt(tagging));

    /// <summary>The veth pair hands packets to the CPU's shared receive backlog, which other tests' floods can fill:
    /// a run in which the kernel dropped any packet on our pair (its drop counters say so) proves nothing either
    /// way, so it is repeated, at most three times.</summary>
    static void WithoutDrops(Func<bool> attempt)
    {
        for (var i = 0; i < 3; i++)
            if (attempt()) return;
        Assert.Fail("the kernel dropped packets on the test's veth pair in 3 runs out of 3 (machine overloaded)");
    }

    bool SocketTrafficAttempt()
    {
        string[] sources = ["192.0.2.10", "192.0.2.11", "192.0.2.12", "2001:db8:c0::10", "2001:db8:c0::11"];
        const string ssh = "192.0.2.22", mdns = "192.0.2.53";
        using var net = new TestNetwork([.. sources, ssh, mdns, Fence]);
        foreach (var s in (string[])[.. sources, ssh, mdns]) ReferenceRules(net, s);

        using var run = new TrackEbpfRun(net.LocalNs, "--interface", net.LocalIf, "--exclude-port", "5353");
        run.WaitUntilCounting();

        var udpExpected = new Dictionary<string, (long Bytes, long Packets)>();
        using var udpSink4 = Bound(net, SocketType.Dgram, TestNetwork.LocalV4, 9000);
        using var udpSink6 = Bound(net, SocketType.Dgram, TestNetwork.LocalV6, 9000);
        using var tcp4 = Bound(net, SocketType.Stream, TestNetwork.LocalV4, 9001);
        using var tcp6 = Bound(net, SocketType.Stream, TestNetwork.LocalV6, 9001);
        using var sshUdp = Bound(net, SocketType.Dgram, TestNetwork.LocalV4, 22);
        using var sshTcp = Bound(net, SocketType.Stream, TestNetwork.LocalV4, 22);
        using var mdnsUdp = Bound(net, SocketType.Dgram, TestNetwork.LocalV4, 5353);

        for (var i = 0; i < sources.Length; i++)
        {
            var v6 = sources[i].Contains(':');
            var target = v6 ? TestNetwork.LocalV6 : TestNetwork.LocalV4;
            // Below the MTU: the reference counts before IP fragmentation (frames with fragments: the other test).
            var sizes = Enumerable.Range(0, 3 + i).Select(k => 1 + 150 * k + 37 * i).ToArray();
            SendUdp(net, sources[i], target, 9000, sizes);
            udpExpected[sources[i]] = (sizes.Sum(n => n + 8 + (v6 ? 40 : 20)), sizes.Length);
            TcpExchange(net, sources[i], target, 9001, v6 ? tcp6 : tcp4, 20_000 + 1_234 * i);
        }
        SendUdp(net, ssh, TestNetwork.LocalV4, 22, [10, 20, 30]);
        TcpExchange(net, ssh, TestNetwork.LocalV4, 22, sshTcp, 5_000);
        SendUdp(net, mdns, TestNetwork.LocalV4, 5353, [40, 50]);
        net.Fence(Fence);

        var (_, report) = run.Stop();
        if (net.Dropped() > 0) return false;
        var remotes = TrackEbpfRun.Remotes(report);
        var reference = ReferenceCounters(net);
        foreach (var s in sources)
        {
            Assert.True(remotes.ContainsKey(s), $"{s} missing from {report}");
            var r = reference[s];
            Assert.Equal((r.TcpIn.Bytes + r.UdpIn.Bytes, r.TcpIn.Packets + r.UdpIn.Packets, r.TcpOut.Bytes + r.UdpOut.Bytes, r.TcpOut.Packets + r.UdpOut.Packets), remotes[s]);
            Assert.Equal(udpExpected[s], r.UdpIn); // the reference agrees with what was sent
            Assert.True(r.TcpIn.Bytes > 20_000 && r.TcpOut.Packets > 0, $"{s}: no TCP seen by the reference");
        }
        Assert.False(remotes.ContainsKey(ssh), "SSH traffic must not be counted");
        Assert.False(remotes.ContainsKey(mdns), "--exclude-port traffic must not be counted");
        var excluded = reference[ssh].AllPackets + reference[mdns].AllPackets;
        Assert.Equal(excluded, report.GetProperty("excluded").GetInt64());
        Assert.Equal((33L, 1L, 0L, 0L), remotes[Fence]); // "fence": 5 bytes + UDP 8 + IPv4 20
        Assert.Equal(sources.Length + 1, remotes.Count);
        Assert.Equal(0, report.GetProperty("malformed").GetInt64());
        Assert.Equal(remotes.Values.Sum(v => v.PacketsIn + v.PacketsOut), report.GetProperty("packets").GetInt64());
        Assert.Equal(remotes.Values.Sum(v => v.BytesIn + v.BytesOut), report.GetProperty("bytes").GetInt64());
        return true;
    }

    bool FramesAttempt(Tagging tagging)
    {
        using var net = new TestNetwork([Fence]);
        using var run = new TrackEbpfRun(net.LocalNs, "--interface", net.LocalIf);
        run.WaitUntilCounting();

        var expected = new Dictionary<string, long[]>(); // ip -> bytes in, packets in, bytes out, packets out
        void Expect(string ip, byte[] frame, bool egress)
        {
            if (!expected.TryGetValue(ip, out var e)) expected[ip] = e = new long[4];
            e[egress ? 2 : 0] += IpLength(frame, tagging);
            e[egress ? 3 : 1] += 1;
        }
        const string nowhere4 = "198.51.100.250", nowhere6 = "2001:db8:ee::250"; // not local, not routed: dropped after TC
        var inbound = new List<byte[]>();
        var outbound = new List<byte[]>();
        string[] v4 = ["203.0.113.1", "203.0.113.2", "203.0.113.3"];
        string[] v6 = ["2001:db8:aa::1", "2001:db8:aa::2"];
        for (var i = 0; i < v4.Length; i++)
            for (var k = 0; k <= i; k++)
            {
                var udp = V4(tagging, v4[i], nowhere4, Udp, 40000, 443, 100 * k + i);
                var tcp = V4(tagging, v4[i], nowhere4, Tcp, 40001, 443, 1000 + k);
                var back = V4(tagging, nowhere4, v4[i], Tcp, 443, 40001, 500 + k * 7);
                inbound.AddRange([udp, tcp]);
                outbound.Add(back);
                Expect(v4[i], udp, false); Expect(v4[i], tcp, false); Expect(v4[i], back, true);
            }
        foreach (var ip in v6)
        {
            var plain = V6(tagging, ip, nowhere6, Udp, 5000, 443, 321);
            var hbh = V6(tagging, ip, nowhere6, Tcp, 5000, 443, 77, hopByHop: true);
            var firstFragment = V6(tagging, ip, nowhere6, Udp, 5000, 443, 64, hopByHop: true, fragmentOffset: 0);
            var laterFragment = V6(tagging, ip, nowhere6, Udp, 0, 0, 48, fragmentOffset: 8);
            var back = V6(tagging, nowhere6, ip, Udp, 443, 5000, 1200);
            inbound.AddRange([plain, hbh, firstFragment, laterFragment]);
            outbound.Add(back);
            Expect(ip, plain, false); Expect(ip, hbh, false); Expect(ip, firstFragment, false); Expect(ip, laterFragment, false); Expect(ip, back, true);
        }
        // A later IPv4 fragment has no ports: counted even when its payload looks like port 22.
        var v4Fragment = V4(tagging, "203.0.113.9", nowhere4, Udp, 0, 0, 64, fragmentOffset: 185);
        inbound.Add(v4Fragment);
        Expect("203.0.113.9", v4Fragment, false);
        // Not counted per address: SSH both ways (also behind IPv6 extension headers), ICMP, ARP, a truncated header.
        inbound.AddRange([
            V4(tagging, "203.0.113.22", nowhere4, Tcp, 50000, 22, 100),
            V6(tagging, "2001:db8:aa::22", nowhere6, Tcp, 50000, 22, 100, hopByHop: true, fragmentOffset: 0),
            V4(tagging, "203.0.113.23", nowhere4, Icmp, 0, 0, 56),
            NonIp(tagging), NonIp(tagging),
            TruncatedV4(tagging),
        ]);
        outbound.AddRange([V4(tagging, nowhere4, "203.0.113.22", Udp, 22, 50000, 10), TruncatedV4(tagging)]);

        TestNetwork.SendFrames(net.RemoteNs, net.RemoteIf, inbound);
        TestNetwork.SendFrames(net.LocalNs, net.LocalIf, outbound);
        net.Fence(Fence);

        var (_, report) = run.Stop();
        if (net.Dropped() > 0) return false;
        var remotes = TrackEbpfRun.Remotes(report);
        foreach (var (ip, e) in expected)
        {
            Assert.True(remotes.ContainsKey(ip), $"{ip} missing ({tagging}): {report}");
            Assert.Equal((e[0], e[1], e[2], e[3]), remotes[ip]);
        }
        Assert.Equal(expected.Count + 1, remotes.Count); // + the fence
        Assert.Equal(3, report.GetProperty("excluded").GetInt64());
        Assert.Equal(2, report.GetProperty("malformed").GetInt64());
        Assert.True(report.GetProperty("non_ip").GetInt64() >= 2, report.ToString());        // + the namespace's own ARP
        Assert.True(report.GetProperty("other_protocol").GetInt64() >= 1, report.ToString()); // + ICMPv6 neighbour discovery
        return true;
    }

    [Fact]
    public void TheMapIsBoundedAndEvictionsAreCounted()
    {
        using var net = new TestNetwork([]);
        using var run = new TrackEbpfRun(net.LocalNs, "--interface", net.LocalIf, "--interval", "0.05");
        run.WaitUntilCounting();
        // Egress: TC runs in the sender's own call, so every frame is counted before sendto returns.
        const int addresses = 70_000;
        var frame = V4(Tagging.None, "192.0.2.1", "198.18.0.0", Udp, 1000, 2000, 10);
        var frames = Enumerable.Range(0, addresses).Select(i =>
        {
            var f = (byte[])frame.Clone();
            f[14 + 18] = (byte)(i >> 8);
            f[14 + 19] = (byte)i;
            f[14 + 17] = (byte)(18 + (i >> 16));
            return f;
        });
        TestNetwork.SendFrames(net.LocalNs, net.LocalIf, frames);
        var (_, report) = run.Stop();
        var capacity = report.GetProperty("map_capacity").GetInt64(); // as the kernel reports it
        Assert.Equal(EbpfMaps.RemotesMapEntries(PossibleCpus()), capacity);
        var live = report.GetProperty("map_entries").GetInt64();
        Assert.InRange(live, 1, capacity);
        Assert.True(report.GetProperty("evictions").GetInt64() >= addresses - capacity, report.ToString()[..600]);
        Assert.Equal(addresses, report.GetProperty("evictions").GetInt64() + live + report.GetProperty("map_full").GetInt64());
        Assert.InRange(report.GetProperty("packets").GetInt64(), live, addresses);
    }

    /// <summary>What libbpf counts per-CPU values for: /sys/devices/system/cpu/possible, e.g. "0-3" or "0,2-5".</summary>
    static int PossibleCpus() => File.ReadAllText("/sys/devices/system/cpu/possible").Trim().Split(',')
        .Sum(range => range.Split('-') is [var a, var b] ? int.Parse(b) - int.Parse(a) + 1 : 1);

    [Theory]
    [InlineData(1, 65536)]
    [InlineData(16, 65536)]
    [InlineData(17, 32768)]
    [InlineData(64, 16384)]
    [InlineData(512, 8192)]
    public void TheMapShrinksOnHostsWithManyCpus(int cpus, int entries) =>
        Assert.Equal(entries, EbpfMaps.RemotesMapEntries(cpus));

    [Fact]
    public void KilledRunIsCleanedUpAndTheNextStartAttachesOnce()
    {
        using var net = new TestNetwork([Fence]);
        using (var first = new TrackEbpfRun(net.LocalNs, "--interface", net.LocalIf))
        {
            first.WaitUntilCounting();
            first.Kill9();
        }
        Assert.Equal(1, OurFilters(net.TcFilters("ingress"), "conduit_ingress")); // left behind by the killed run
        Assert.Equal(1, OurFilters(net.TcFilters("egress"), "conduit_egress"));

        using (var third = new TrackEbpfRun(net.LocalNs, "--interface", net.LocalIf))
        {
            // While a live run holds the interface, --remove-stale refuses and changes nothing.
            third.WaitUntilCounting();
            var refused = RunVia("ip", ["netns", "exec", net.LocalNs, ConduitProcess.Binary, "track-ebpf", "--remove-stale", "--interface", net.LocalIf]);
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains("another conduit is already counting", refused.Stderr);
            third.Kill9();
        }
        var removed = RunVia("ip", ["netns", "exec", net.LocalNs, ConduitProcess.Binary, "track-ebpf", "--remove-stale", "--interface", net.LocalIf]);
        Assert.Equal((0, $"removed 2 stale conduit filter(s) from {net.LocalIf}\n"), (removed.ExitCode, removed.Stdout));
        Assert.Equal(0, OurFilters(net.TcFilters("ingress") + net.TcFilters("egress"), "conduit_"));
        using (var again = new TrackEbpfRun(net.LocalNs, "--interface", net.LocalIf))
        {
            again.WaitUntilCounting();
            again.Kill9();
        }

        using var second = new TrackEbpfRun(net.LocalNs, "--interface", net.LocalIf);
        second.WaitUntilCounting();
        var ingress = net.TcFilters("ingress");
        Assert.Equal(1, OurFilters(ingress, "conduit_ingress"));
        Assert.Single(Regex.Matches(ingress, @"handle 0xc0d0"));
        Assert.Equal(1, OurFilters(net.TcFilters("egress"), "conduit_egress"));
        second.Stop();
        Assert.Equal(0, OurFilters(net.TcFilters("ingress"), "conduit_"));
        Assert.Equal(0, OurFilters(net.TcFilters("egress"), "conduit_"));
    }

    [Fact]
    public void ForeignFiltersSurviveStartAndStop()
    {
        using var net = new TestNetwork([Fence]);
        Sh.Run("ip", "netns", "exec", net.LocalNs, "tc", "qdisc", "add", "dev", net.LocalIf, "clsact");
        Sh.Run("ip", "netns", "exec", net.LocalNs, "tc", "filter", "add", "dev", net.LocalIf, "ingress", "pref", "7", "protocol", "all", "u32", "match", "u32", "0", "0", "classid", "1:1");
        Sh.Run("ip", "netns", "exec", net.LocalNs, "tc", "filter", "add", "dev", net.LocalIf, "egress", "pref", "9", "handle", "0x9", "protocol", "all", "bpf", "bytecode", "1,6 0 0 0,");

        using (var run = new TrackEbpfRun(net.LocalNs, "--interface", net.LocalIf))
        {
            run.WaitUntilCounting();
            Assert.Contains("pref 7 u32", net.TcFilters("ingress"));
            Assert.Contains("conduit_ingress", net.TcFilters("ingress"));
            run.Stop();
        }
        var ingress = net.TcFilters("ingress");
        var egress = net.TcFilters("egress");
        Assert.Contains("pref 7 u32", ingress);
        Assert.Contains("handle 0x9 not_in_hw bytecode '1,6 0 0 0'", egress);
        Assert.DoesNotContain("conduit_", ingress + egress);

        // A foreign filter sitting on our own pref/handle is refused, not replaced.
        Sh.Run("ip", "netns", "exec", net.LocalNs, "tc", "filter", "add", "dev", net.LocalIf, "ingress", "pref", "49360", "handle", "0xc0d0", "protocol", "all", "bpf", "bytecode", "1,6 0 0 0,");
        var refused = RunVia("ip", ["netns", "exec", net.LocalNs, ConduitProcess.Binary, "track-ebpf", "--interface", net.LocalIf]);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("not conduit's", refused.Stderr);
        Assert.Contains("pref 49360 bpf chain 0 handle 0xc0d0 not_in_hw bytecode", net.TcFilters("ingress"));
        Assert.DoesNotContain("conduit_", net.TcFilters("ingress") + net.TcFilters("egress"));
    }

    /// <summary>Without CAP_PERFMON the kernel refuses the program although CAP_BPF lets it be submitted: that
    /// case is caught before loading, with the same clear reason.</summary>
    [Theory]
    [InlineData("-bpf,-net_admin,-sys_admin,-perfmon")]
    [InlineData("-sys_admin,-perfmon")]
    public void WithoutPrivilegesTheReasonIsClear(string dropped)
    {
        var result = RunVia("setpriv", [$"--bounding-set={dropped}", "--inh-caps=-all", "--", ConduitProcess.Binary, "track-ebpf", "--interface", "lo"]);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("conduit: eBPF needs root or the capabilities cap_bpf,cap_perfmon,cap_net_admin (setcap cap_bpf,cap_perfmon,cap_net_admin+eip on the binary)\n", result.Stderr);
    }

    [Fact]
    public void WithoutLibbpfTheReasonIsClear()
    {
        var library = new[] { "/usr/lib/x86_64-linux-gnu/libbpf.so.1", "/usr/lib/aarch64-linux-gnu/libbpf.so.1", "/lib64/libbpf.so.1" }.First(File.Exists);
        // A private mount namespace where the library is an empty file: nothing outside the test sees it.
        var result = RunVia("unshare", ["-m", "--propagation", "private", "sh", "-c",
            $"mount --bind /dev/null \"$(realpath {library})\" && exec \"$0\" track-ebpf --interface lo", ConduitProcess.Binary]);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("conduit: libbpf.so.1 is not installed (Debian/Ubuntu: apt-get install libbpf1)\n", result.Stderr);
    }

    [Fact]
    public void BadInterfaceIsAUsageError()
    {
        var result = ConduitProcess.Run(["track-ebpf", "--interface", "nosuch0dev"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("conduit: interface 'nosuch0dev' not found (see `ip link`)\n", result.Stderr);
        var ports = ConduitProcess.Run(["track-ebpf", "--interface", "lo", "--exclude-port", "70000"]);
        Assert.Equal(2, ports.ExitCode);
        Assert.Contains("--exclude-port: '70000' is not a port", ports.Stderr);
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    static int OurFilters(string tcOutput, string name) => Regex.Matches(tcOutput, $@"handle 0xc0d0 {name}").Count;

    static RunResult RunVia(string tool, string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000), $"{tool} hung");
        p.WaitForExit();
        return new RunResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    static Socket Bound(TestNetwork net, SocketType type, string address, int port) => TestNetwork.InNamespace(net.LocalNs, () =>
    {
        var ip = IPAddress.Parse(address);
        var s = new Socket(ip.AddressFamily, type, type == SocketType.Stream ? ProtocolType.Tcp : ProtocolType.Udp);
        s.Bind(new IPEndPoint(ip, port));
        if (type == SocketType.Stream) s.Listen(8);
        return s;
    });

    static void SendUdp(TestNetwork net, string source, string target, int port, int[] sizes) => TestNetwork.InNamespace(net.RemoteNs, () =>
    {
        var from = IPAddress.Parse(source);
        using var s = new Socket(from.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(from, 0));
        foreach (var n in sizes) s.SendTo(new byte[n], new IPEndPoint(IPAddress.Parse(target), port));
        return 0;
    });

    /// <summary>A TCP connection from <paramref name="source"/>: sends <paramref name="bytes"/>, half-closes, and waits
    /// for the server's FIN, so no packet of it is still to come (the final ACK is ordered before the fence).</summary>
    static void TcpExchange(TestNetwork net, string source, string target, int port, Socket listener, int bytes)
    {
        // The server runs pinned like the client, so its FIN and the client's last ACK stay on the fence's CPU.
        var server = Task.Run(() => TestNetwork.InNamespace(net.LocalNs, () =>
        {
            listener.ReceiveTimeout = 20_000;
            using var conn = listener.Accept();
            conn.ReceiveTimeout = 20_000;
            var buffer = new byte[65536];
            long total = 0;
            int n;
            while ((n = conn.Receive(buffer)) > 0) total += n;
            conn.Shutdown(SocketShutdown.Both);
            return total;
        }));
        TestNetwork.InNamespace(net.RemoteNs, () =>
        {
            var from = IPAddress.Parse(source);
            using var s = new Socket(from.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            s.ReceiveTimeout = 20_000;
            s.Bind(new IPEndPoint(from, 0));
            s.Connect(new IPEndPoint(IPAddress.Parse(target), port));
            s.Send(new byte[bytes]);
            s.Shutdown(SocketShutdown.Send);
            Assert.Equal(0, s.Receive(new byte[16])); // the server's FIN arrived
            return 0;
        });
        Assert.True(server.Wait(TimeSpan.FromSeconds(30)), "TCP server did not finish");
        Assert.Equal(bytes, server.Result);
    }

    /// <summary>iptables counters in the remote namespace: an independent count of the IP bytes (skb length at
    /// the IP layer) and packets each remote address sent and received, per protocol.</summary>
    static void ReferenceRules(TestNetwork net, string address)
    {
        var tool = address.Contains(':') ? "ip6tables" : "iptables";
        foreach (var proto in (string[])["tcp", "udp"])
        {
            Sh.Run("ip", "netns", "exec", net.RemoteNs, tool, "-w", "-A", "OUTPUT", "-s", address, "-p", proto);
            Sh.Run("ip", "netns", "exec", net.RemoteNs, tool, "-w", "-A", "INPUT", "-d", address, "-p", proto);
        }
    }

    public sealed record Reference((long Bytes, long Packets) TcpIn, (long Bytes, long Packets) UdpIn, (long Bytes, long Packets) TcpOut, (long Bytes, long Packets) UdpOut)
    {
        public long AllPackets => TcpIn.Packets + UdpIn.Packets + TcpOut.Packets + UdpOut.Packets;
    }

    static Dictionary<string, Reference> ReferenceCounters(TestNetwork net)
    {
        var raw = new Dictionary<(string Ip, string Chain, string Proto), (long, long)>();
        foreach (var tool in (string[])["iptables-save", "ip6tables-save"])
            foreach (Match m in Regex.Matches(Sh.Run("ip", "netns", "exec", net.RemoteNs, tool, "-c"),
                         @"^\[(\d+):(\d+)\] -A (INPUT|OUTPUT) -[sd] ([0-9a-f:.]+)/\d+ -p (tcp|udp)", RegexOptions.Multiline))
                raw[(IPAddress.Parse(m.Groups[4].Value).ToString(), m.Groups[3].Value, m.Groups[5].Value)] = (long.Parse(m.Groups[2].Value), long.Parse(m.Groups[1].Value));
        // Seen from the capture side: what the remote sent (OUTPUT) is "in", what it received (INPUT) is "out".
        return raw.Keys.Select(k => k.Ip).Distinct().ToDictionary(ip => ip, ip => new Reference(
            raw[(ip, "OUTPUT", "tcp")], raw[(ip, "OUTPUT", "udp")], raw[(ip, "INPUT", "tcp")], raw[(ip, "INPUT", "udp")]));
    }
}
