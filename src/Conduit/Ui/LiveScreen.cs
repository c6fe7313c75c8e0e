using Spectre.Console;
using Spectre.Console.Rendering;

namespace Conduit.Ui;

/// <summary>
/// Runs a refreshing full-screen view: alternate screen, repaint in place (no flicker), any key exits, and the
/// terminal is restored however it ends (key, Ctrl+C, error). Not a TTY: one frame, then return.
/// </summary>
internal static class LiveScreen
{
    /// <param name="collect">takes a new snapshot (the only I/O)</param>
    /// <param name="render">renders the latest snapshot; the time left until the next refresh, null when it will not refresh (not a TTY)</param>
    public static async Task RunAsync<T>(Func<CancellationToken, Task<T>> collect, Func<T, TimeSpan?, IRenderable> render, TimeSpan interval, bool countdown, CancellationToken ct)
    {
        var snapshot = await collect(ct).ConfigureAwait(false);
        var console = AnsiConsole.Console;
        if (!Terminal.StdoutIsTerminal || !Terminal.StdinIsTerminal)
        {
            Screen.Print(render(snapshot, null));
            return;
        }
        console.AlternateScreen(() =>
        {
            console.Cursor.Hide();
            try
            {
                console.Live(render(snapshot, interval)).AutoClear(false).Overflow(VerticalOverflow.Ellipsis).Cropping(VerticalOverflowCropping.Bottom)
                    .StartAsync(async ctx =>
                    {
                        while (!ct.IsCancellationRequested)
                        {
                            var due = DateTimeOffset.UtcNow + interval;
                            // Wait for the next refresh, repainting the countdown each second; a key ends it all.
                            while (DateTimeOffset.UtcNow < due)
                            {
                                if (await KeyPressedWithinAsync(TimeSpan.FromSeconds(1) < due - DateTimeOffset.UtcNow ? TimeSpan.FromSeconds(1) : due - DateTimeOffset.UtcNow, ct).ConfigureAwait(false))
                                    return;
                                if (countdown)
                                {
                                    ctx.UpdateTarget(render(snapshot, due - DateTimeOffset.UtcNow));
                                    ctx.Refresh();
                                }
                            }
                            snapshot = await collect(ct).ConfigureAwait(false);
                            ctx.UpdateTarget(render(snapshot, interval));
                            ctx.Refresh();
                        }
                    }).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Ctrl+C: a normal way to leave; the finally and AlternateScreen restore the terminal.
            }
            finally
            {
                console.Cursor.Show();
            }
        });
    }

    /// <summary>True as soon as a key is pressed (and consumed) within <paramref name="wait"/>.</summary>
    static async Task<bool> KeyPressedWithinAsync(TimeSpan wait, CancellationToken ct)
    {
        var until = DateTimeOffset.UtcNow + wait;
        while (true)
        {
            if (Console.KeyAvailable)
            {
                while (Console.KeyAvailable) Console.ReadKey(intercept: true);
                return true;
            }
            if (DateTimeOffset.UtcNow >= until) return false;
            await Task.Delay(50, ct).ConfigureAwait(false);
        }
    }
}
