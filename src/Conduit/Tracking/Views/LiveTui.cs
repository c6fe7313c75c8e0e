using Conduit.Tracking.Model;

namespace Conduit.Tracking.Views;

/// <summary>
/// The full-screen live view: alternate screen, repaint in place each interval, keys t/i/o/p/r change the
/// sort, q (or Ctrl+C) quits. The terminal is restored on every exit path.
/// </summary>
public sealed class LiveTui : IDisposable
{
    const string Keys = "sort: [t]otal [i]n [o]ut [p] IPs [r]ate   [q]uit";
    TableSort _sort = TableSort.Total;
    bool _entered;

    public void Enter()
    {
        Console.Out.Write("\e[?1049h\e[?25l\e[H\e[2J");
        Console.Out.Flush();
        _entered = true;
    }

    public void Render(TrafficSnapshot snapshot)
    {
        int height = Math.Max(Console.WindowHeight, 10), width = Math.Max(Console.WindowWidth, 60);
        var text = TrafficTable.Render(snapshot, _sort, height - TrafficTable.FrameLines, width, color: Terminal.UseColor, footer: $"{Keys}   (sorted by {_sort.ToString().ToLowerInvariant()})");
        // Home, draw each line clearing its tail, then clear below: no flicker, no scrolling.
        Console.Out.Write("\e[H" + text.Replace("\n", "\e[K\n") + "\e[J");
        Console.Out.Flush();
    }

    /// <summary>Handles pending key presses; returns false when the user asked to quit.</summary>
    public bool HandleKeys(ref bool changed)
    {
        while (Console.KeyAvailable)
        {
            var key = Console.ReadKey(intercept: true);
            switch (char.ToLowerInvariant(key.KeyChar))
            {
                case 'q': return false;
                case 't': _sort = TableSort.Total; changed = true; break;
                case 'i': _sort = TableSort.In; changed = true; break;
                case 'o': _sort = TableSort.Out; changed = true; break;
                case 'p': _sort = TableSort.Ips; changed = true; break;
                case 'r': _sort = TableSort.Rate; changed = true; break;
            }
        }
        return true;
    }

    public void Dispose()
    {
        if (!_entered) return;
        _entered = false;
        Console.Out.Write("\e[?25h\e[?1049l");
        Console.Out.Flush();
    }
}
