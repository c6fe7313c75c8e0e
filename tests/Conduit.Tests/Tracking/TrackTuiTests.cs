using Conduit.Tests.Support;
using Conduit.Tracking.Geo;

namespace Conduit.Tests.Tracking;

/// <summary>The main job's default view: `conduit track` on a real terminal (tmux), capturing real traffic.</summary>
public class TrackTuiTests
{
    static readonly string[] Remotes = ["8.8.8.8", "77.88.8.8", "41.63.64.1"];

    [Fact]
    public void The_live_view_shows_countries_changes_sort_on_keys_and_q_restores_the_terminal()
    {
        using var net = new NetnsPair(Remotes);
        using var home = new TempRoot();
        using var udp = Traffic.UdpSink(net.LocalNs, 5004);
        var command = $"ip netns exec {net.LocalNs} env -u NO_COLOR CONDUIT_HOME='{home.Path}' CONDUIT_SYSROOT='{home.Path}' " +
                      $"'{ConduitProcess.Binary}' track --backend pcap --interface {net.LocalInterface} --interval 0.3; echo TRACK-EXIT:$?; sleep 600";
        using var tmux = new TmuxSession(command);
        var screen = tmux.WaitFor("(no traffic yet)");
        Assert.Contains($"conduit track  {net.LocalInterface}  backend pcap", screen);
        Assert.Equal("1 0", tmux.Display("#{alternate_on} #{cursor_flag}"));

        // Different amounts per address, so each sort order is known in advance.
        for (int i = 0; i < Remotes.Length; i++) Traffic.Udp(net.RemoteNs, Remotes[i], 5004, datagrams: 10 * (i + 1), payload: 100);
        string Name(string ip) => Countries.Name(Countries.Id(Geo.CodeOf(ip)));
        screen = tmux.WaitFor(Name(Remotes[0]));
        foreach (var ip in Remotes) screen = tmux.WaitFor(Name(ip));
        Assert.Contains("(sorted by total)", screen);
        var order = Remotes.Select(ip => screen.IndexOf(Name(ip), StringComparison.Ordinal)).ToArray();
        Assert.True(order[2] < order[1] && order[1] < order[0], screen); // the biggest sender first

        tmux.SendKeys("p");
        tmux.WaitFor("(sorted by ips)");
        tmux.SendKeys("i");
        tmux.WaitFor("(sorted by in)");

        tmux.SendKeys("q");
        var after = tmux.WaitFor("TRACK-EXIT:");
        Assert.Contains("TRACK-EXIT:0", after);
        Assert.Equal("0 1", tmux.Display("#{alternate_on} #{cursor_flag}"));
        Assert.DoesNotContain("sort: [t]otal", after); // the full screen is gone...
        foreach (var ip in Remotes) Assert.Contains(Name(ip), after); // ...and its last numbers stay on the normal one
    }
}
