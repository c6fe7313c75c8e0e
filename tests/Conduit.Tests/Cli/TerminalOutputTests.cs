using Conduit.Platform;
using Conduit.Tests.Support;

namespace Conduit.Tests.Cli;

/// <summary>Commands on a real terminal (script(1) gives them one) with NO_COLOR: nothing but text. The runtime's
/// console switched every terminal into keypad mode (ESC[?1h ESC=) on the first write and left it there.</summary>
public sealed class TerminalOutputTests
{
    [Theory]
    [InlineData("--version")]
    [InlineData("settings show")]
    [InlineData("status")]
    [InlineData("id --json")]
    [InlineData("geoip lookup 8.8.8.8")]
    [InlineData("scale")] // an error, on stderr
    public void With_NO_COLOR_a_terminal_gets_no_control_sequences(string command)
    {
        using var root = new TempRoot();
        var r = ProcessRunner.Run("script", ["-qec", $"env NO_COLOR=1 TERM=xterm-256color CONDUIT_HOME={root.Path} DOCKER_HOST=unix:///nonexistent {ConduitProcess.Binary} {command}", "/dev/null"],
            TimeSpan.FromSeconds(60));
        Assert.False(r.TimedOut, r.Stderr);
        Assert.NotEmpty(r.Stdout.Trim());
        Assert.DoesNotContain('\u001b', r.Stdout);
    }
}
