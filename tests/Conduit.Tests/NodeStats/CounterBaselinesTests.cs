using Conduit.NodeStats;
using Conduit.Tests.Support;

namespace Conduit.Tests.NodeStats;

public class CounterBaselinesTests
{
    [Fact]
    public void Restart_folds_previous_counters_into_the_offset()
    {
        var b = new CounterBaselines();
        Assert.Equal((100, 10), b.Observe("conduit", 100, 10, 50));
        Assert.Equal((250, 20), b.Observe("conduit", 250, 20, 60));
        // Node restarted: its counters start again from a small number.
        Assert.Equal((255, 21), b.Observe("conduit", 5, 1, 2));
        Assert.Equal((300, 30), b.Observe("conduit", 50, 10, 20));
        // A second node is independent.
        Assert.Equal((7, 7), b.Observe("conduit-2", 7, 7, 1));
    }

    [Fact]
    public void Restart_detected_from_uptime_even_when_bytes_grew_past_the_old_figure()
    {
        var b = new CounterBaselines();
        b.Observe("n", 100, 100, 1000);
        // Restarted between reads and already moved more than before: only the uptime shows the restart.
        Assert.Equal((100 + 150, 100 + 150), b.Observe("n", 150, 150, 10));
    }

    [Fact]
    public void Totals_never_go_backwards_over_many_restarts()
    {
        var b = new CounterBaselines();
        var rng = new Random(5);
        long last = 0, node = 0;
        double uptime = 0;
        for (var i = 0; i < 1000; i++)
        {
            if (rng.Next(10) == 0) { node = 0; uptime = 0; }
            node += rng.Next(0, 5000);
            uptime += 1;
            var (up, _) = b.Observe("n", node, 0, uptime);
            Assert.True(up >= last, $"step {i}: {up} < {last}");
            last = up;
        }
    }

    [Fact]
    public void Persisted_atomically_and_reloaded()
    {
        using var root = new TempRoot();
        var state = root.Combine("state");
        var b = CounterBaselines.Load(state);
        b.Observe("conduit", 1000, 2000, 100);
        b.Observe("conduit", 10, 20, 1);
        b.Save();
        Assert.Empty(Directory.GetFiles(state, "*.tmp"));

        var again = CounterBaselines.Load(state);
        Assert.Equal((1010, 2020), again.Known("conduit"));
        Assert.Equal((1015, 2025), again.Observe("conduit", 15, 25, 2));
        Assert.Null(again.Known("conduit-9"));
    }

    [Fact]
    public void Damaged_state_file_starts_over_instead_of_failing()
    {
        using var root = new TempRoot();
        root.Write("state/" + CounterBaselines.FileName, "{\"nodes\":{\"conduit\":{\"last_up\":\"x\"}}}");
        var b = CounterBaselines.Load(root.Combine("state"));
        Assert.Empty(b.Nodes);
    }
}
