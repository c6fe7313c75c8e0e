using System.Diagnostics;

namespace Conduit.Tests.Support;

/// <summary>
/// A real terminal for the binary: a detached tmux session of a fixed size running one shell command. The test
/// reads the screen, types keys and waits for text; the session is killed on dispose, also after a failure.
/// </summary>
public sealed class TmuxSession : IDisposable
{
    public TmuxSession(string command, int width = 120, int height = 40)
    {
        Name = "ct" + Guid.NewGuid().ToString("N")[..10];
        Run("new-session", "-d", "-s", Name, "-x", width.ToString(), "-y", height.ToString(), command);
    }

    public string Name { get; }

    /// <summary>The visible screen, as text.</summary>
    public string Screen() => Run("capture-pane", "-p", "-t", Name);

    /// <summary>tmux key names or literal text, e.g. "5", "Enter", "x".</summary>
    public void SendKeys(params string[] keys) => Run(["send-keys", "-t", Name, .. keys]);

    /// <summary>A tmux format of the pane, e.g. "#{alternate_on} #{cursor_flag}".</summary>
    public string Display(string format) => Run("display", "-p", "-t", Name, format).Trim();

    /// <summary>Polls the screen until it contains <paramref name="text"/>; fails with the screen after the deadline.</summary>
    public string WaitFor(string text, int seconds = 60)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var screen = Screen();
            if (screen.Contains(text, StringComparison.Ordinal)) return screen;
            if (deadline.Elapsed > TimeSpan.FromSeconds(seconds))
                throw new TimeoutException($"waited {seconds} s for '{text}' on the screen:\n{screen}");
            Thread.Sleep(100);
        }
    }

    public void Dispose() => Run("kill-session", "-t", Name);

    static string Run(params string[] args)
    {
        var psi = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
    }
}
