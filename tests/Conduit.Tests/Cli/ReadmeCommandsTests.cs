using System.Diagnostics;
using Conduit.Tests.Support;

namespace Conduit.Tests.Cli;

/// <summary>
/// The README's two commands as a user types them: on a fresh Debian 12 you are often root and sudo is not
/// installed ("sudo: command not found"), so they must run as written by root, and also through sudo.
/// </summary>
public class ReadmeCommandsTests
{
    /// <summary>Debian's sudoers secure_path: the PATH a command gets under sudo.</summary>
    const string SudoSecurePath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    static string RepoRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "conduit.sln"))) dir = Path.GetDirectoryName(dir);
        return dir ?? throw new InvalidOperationException("repository root not found");
    }

    static string[] TheTwoCommands()
    {
        var readme = File.ReadAllText(Path.Combine(RepoRoot(), "README.md"));
        var section = readme[readme.IndexOf("## The two commands", StringComparison.Ordinal)..];
        var block = section[(section.IndexOf("```sh\n", StringComparison.Ordinal) + 6)..];
        block = block[..block.IndexOf("```", StringComparison.Ordinal)];
        return block.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();
    }

    [Fact]
    public void EachCommandRunsAsTypedByRootWithoutSudo()
    {
        var commands = TheTwoCommands();
        Assert.Equal(["scripts/track.sh", "scripts/test.sh"], commands);
        foreach (var command in commands)
        {
            var script = Path.Combine(RepoRoot(), command.Split(' ')[0]);
            Assert.True(File.Exists(script), script);
            Assert.True(File.GetUnixFileMode(script).HasFlag(UnixFileMode.UserExecute), $"{script} is not executable: `{command}` would fail as typed");
            Assert.StartsWith("#!/usr/bin/env bash\n", File.ReadAllText(script));
        }
    }

    [Fact]
    public void UnderSudoThePathStillFindsWhatTheScriptsNeed()
    {
        // sudo resets PATH and the environment: the SDK and the shell must be found on its secure_path.
        foreach (var tool in new[] { "bash", "dotnet", "env", "find" })
        {
            var psi = new ProcessStartInfo("/usr/bin/env", ["-i", $"PATH={SudoSecurePath}", "/bin/sh", "-c", $"command -v {tool}"]) { RedirectStandardOutput = true };
            using var p = Process.Start(psi)!;
            var found = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"{tool} is not on sudo's secure_path ({SudoSecurePath})");
            Assert.StartsWith("/", found);
        }
    }

    [Fact]
    public void NotRootIsToldBothWays()
    {
        if (Environment.UserName != "root") return; // dropping to another user needs root
        var psi = new ProcessStartInfo("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", Path.Combine(RepoRoot(), "scripts", "track.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(1, p.ExitCode);
        Assert.Contains("run as root", stderr);
        Assert.Contains("sudo", stderr);
    }
}
