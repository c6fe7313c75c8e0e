using System.Diagnostics;
using System.Text.Json;
using Conduit.Tests.Support;
using Conduit.Tests.Tracking;

namespace Conduit.Tests.Faults;

/// <summary>
/// Faults around `track --service`'s state file, on the real binary capturing in namespaces made here: a kill in the
/// middle of a flush, a state file that cannot be read, a full disk. Invariant each time: the state on disk is a
/// whole one (the old or the new), nothing lost beyond one flush interval, and the service keeps counting.
/// </summary>
public class TrackerStateFaultTests
{
    static readonly string[] Remotes = ["8.8.8.8", "5.1.1.1"];

    static string[] Args(NetnsPair net) =>
        ["track", "--service", "--interface", net.LocalInterface, "--backend", "pcap", "--flush-seconds", "1", "--interval", "0.25"];

    static JsonElement? ReadState(string file)
    {
        try { return JsonDocument.Parse(File.ReadAllBytes(file)).RootElement.Clone(); }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
    }

    static ulong Packets(JsonElement s) => s.GetProperty("packets").GetUInt64();

    /// <summary>Polls the state file (written by another process: there is no event to wait on) until it matches.</summary>
    static JsonElement WaitForState(string file, Func<JsonElement, bool> condition, TrackProcess track)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonElement? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = ReadState(file);
            if (last is { } s && condition(s)) return s;
            Thread.Sleep(50);
        }
        throw new TimeoutException($"state never matched; last {last}; stderr {track.Stderr}");
    }

    static void WaitForStderr(TrackProcess track, string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!track.Stderr.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"stderr never said '{text}': {track.Stderr}");
            Thread.Sleep(50);
        }
    }

    static string[] Temporaries(string state) => Directory.GetFiles(Path.GetDirectoryName(state)!, ".tracker.json.*.tmp");

    /// <summary>strace kills the tracker at the rename of its Nth flush: the new state is complete in its temporary
    /// file but not in place. On disk stays the previous whole state; the next start removes the orphan and
    /// resumes from that state, so what the kernel counted and the tracker's totals meet again.</summary>
    [Fact]
    public void A_kill_in_the_middle_of_a_flush_leaves_the_previous_state_and_the_restart_resumes_it()
    {
        using var net = new NetnsPair(Remotes);
        using var home = new TempRoot();
        using var sink = Traffic.UdpSink(net.LocalNs, 5004);
        string state = Path.Combine(home.Path, "traffic_stats", "tracker.json");
        ulong sent = 0;
        foreach (int rename in new[] { 2, 4, 6 })
        {
            ulong before = ReadState(state) is { } s0 ? Packets(s0) : 0;
            using (var track = TrackProcess.Under(["strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=rename", "-e", $"inject=rename:signal=KILL:when={rename}"],
                       net.LocalNs, home.Path, Args(net)))
            {
                WaitForStderr(track, "backend pcap on");
                Traffic.Udp(net.RemoteNs, Remotes[0], 5004, 40, 60);
                sent += 40;
                track.WaitForExit(TimeSpan.FromSeconds(30));
            }
            Assert.NotEmpty(Temporaries(state)); // killed between the write and the rename
            var after = ReadState(state);        // whole JSON, or none before the first complete flush
            Assert.True(after is null || Packets(after.Value) >= before, $"state went back: {before} -> {after}");
        }
        ulong saved = Packets(ReadState(state)!.Value);
        using (var track = new TrackProcess(net.LocalNs, home.Path, Args(net)))
        {
            // The restart resumes exactly the saved totals and adds what it sees from now on.
            WaitForStderr(track, "backend pcap on");
            Traffic.Udp(net.RemoteNs, Remotes[1], 5004, 25, 60);
            var resumed = WaitForState(state, s => Packets(s) == saved + 25, track);
            Assert.Empty(Temporaries(state));
            Assert.True(saved <= sent, $"{saved} saved of {sent} sent");
            track.Signal(15);
            Assert.Equal(0, track.WaitForExit(TimeSpan.FromSeconds(20)).ExitCode);
            Assert.Equal(saved + 25, Packets(resumed));
        }
    }

    public static TheoryData<string, byte[]> UnreadableStates() => new()
    {
        { "cut", "{\"packets\": 500, \"bytes\": 64000, \"malformed\": 0, \"dropped\": 0, \"countries\": [{\"code\": \"US\", \"bytes_in\""u8.ToArray() },
        { "wrong-types", "{\"packets\": \"many\", \"bytes\": 1, \"malformed\": 0, \"dropped\": 0, \"countries\": [], \"reserved\": {}}"u8.ToArray() },
        { "not-json", [0x00, 0xFF, 0x13, 0x37, (byte)'\n'] },
        { "empty", [] },
    };

    /// <summary>An unreadable state must not crash-loop the service (it exited 1 on every start), nor vanish: it is
    /// kept aside byte for byte under a dated name, the warning names both, and counting starts from zero.</summary>
    [Theory]
    [MemberData(nameof(UnreadableStates))]
    public void An_unreadable_state_is_kept_aside_and_the_service_counts_on(string kind, byte[] content)
    {
        using var net = new NetnsPair(Remotes);
        using var home = new TempRoot();
        using var sink = Traffic.UdpSink(net.LocalNs, 5004);
        string state = home.Write("traffic_stats/tracker.json", "");
        File.WriteAllBytes(state, content);
        using var track = new TrackProcess(net.LocalNs, home.Path, Args(net));
        WaitForStderr(track, "counting starts from zero");
        WaitForStderr(track, "backend pcap on");
        Traffic.Udp(net.RemoteNs, Remotes[0], 5004, 30, 60);
        WaitForState(state, s => Packets(s) == 30, track);
        var aside = Assert.Single(Directory.GetFiles(Path.GetDirectoryName(state)!, "tracker.json.bad-*"));
        Assert.Equal(content, File.ReadAllBytes(aside));
        var warning = Assert.Single(track.Stderr.Split('\n'), l => l.Contains("counting starts from zero"));
        Assert.StartsWith($"conduit: warning: {state}: not a valid tracker state file (", warning);
        Assert.EndsWith($"; kept as {Path.GetFileName(aside)}, counting starts from zero", warning);
        Assert.False(track.Stderr.Contains('\u0013'), kind); // raw bytes of the file never reach the terminal
        track.Signal(15);
        Assert.Equal(0, track.WaitForExit(TimeSpan.FromSeconds(20)).ExitCode);
    }

    /// <summary>A full disk under the state folder: each failing flush is said once (not every second), the last
    /// good state stays as it was, counting goes on in memory, and once there is room the next flush has it all.</summary>
    [Fact]
    public void A_full_disk_stops_the_flushes_not_the_counting()
    {
        using var net = new NetnsPair(Remotes);
        using var home = new TempRoot();
        using var sink = Traffic.UdpSink(net.LocalNs, 5004);
        var stats = home.Combine("traffic_stats");
        Directory.CreateDirectory(stats);
        Run("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", stats);
        try
        {
            string state = Path.Combine(stats, "tracker.json");
            using var track = new TrackProcess(net.LocalNs, home.Path, Args(net));
            WaitForStderr(track, "backend pcap on");
            Traffic.Udp(net.RemoteNs, Remotes[0], 5004, 20, 60);
            var good = WaitForState(state, s => Packets(s) == 20, track);
            var filler = Path.Combine(stats, "filler");
            Fill(filler);
            Traffic.Udp(net.RemoteNs, Remotes[1], 5004, 30, 60);
            WaitForStderr(track, "cannot write (No space left on device)");
            Assert.Equal(20UL, Packets(ReadState(state)!.Value)); // untouched
            Assert.Empty(Temporaries(state));
            File.Delete(filler);
            WaitForState(state, s => Packets(s) == 50, track);
            WaitForStderr(track, $"{state}: saved again");
            var lines = track.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal($"conduit: warning: {state}: cannot write (No space left on device); the previous file is unchanged; the tracker goes on counting and tries again every 1 s",
                Assert.Single(lines, l => l.Contains("No space left")));
            track.Signal(15);
            Assert.Equal(0, track.WaitForExit(TimeSpan.FromSeconds(20)).ExitCode);
            Assert.True(Packets(good) == 20);
        }
        finally
        {
            Run("umount", "-l", stats);
        }
    }

    /// <summary>Writes until the file system says it is full.</summary>
    internal static void Fill(string path)
    {
        using var f = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        var block = new byte[4096];
        try
        {
            while (true) { f.Write(block); f.Flush(); }
        }
        catch (IOException) { }
    }

    internal static void Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)}: {err}");
    }
}
