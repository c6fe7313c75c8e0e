using System.Collections.Concurrent;
using System.Diagnostics;
using Conduit.Platform;
using Conduit.Tests.Cluster;
using Conduit.Tests.Identity;
using Conduit.Tests.Support;

namespace Conduit.Tests.Faults;

/// <summary>Two changes at once: one waits for the other (naming it and its PID), and the end state is consistent.</summary>
public class ConcurrencyTests
{
    /// <summary>The real binary in the background, its stderr read as it comes so a test can wait for a line.</summary>
    sealed class Background : IDisposable
    {
        readonly Process _p;
        readonly ConcurrentQueue<string> _stderr = new();
        readonly Task<string> _stdout;
        readonly Task _stderrDone;

        public Background(DockerSandbox box, params string[] args)
        {
            var psi = new ProcessStartInfo(ConduitProcess.Binary) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
            foreach (var a in args) psi.ArgumentList.Add(a);
            psi.Environment["NO_COLOR"] = "1";
            psi.Environment["CONDUIT_HOME"] = box.Paths.Home;
            psi.Environment["CONDUIT_SYSROOT"] = box.Root.Path;
            psi.Environment.Remove("DOCKER_HOST");
            _p = Process.Start(psi)!;
            _p.StandardInput.Close();
            _stdout = _p.StandardOutput.ReadToEndAsync();
            _stderrDone = Task.Run(async () =>
            {
                while (await _p.StandardError.ReadLineAsync() is { } line) _stderr.Enqueue(line);
            });
        }

        public int Id => _p.Id;
        public string Stderr => string.Join('\n', _stderr);

        public void WaitForStderr(string text)
        {
            var until = DateTime.UtcNow.AddSeconds(30);
            while (!_stderr.Any(l => l.Contains(text, StringComparison.Ordinal)))
            {
                if (_p.HasExited && _stderrDone.IsCompleted || DateTime.UtcNow > until)
                    throw new Xunit.Sdk.XunitException($"no stderr line with '{text}': exit {(_p.HasExited ? _p.ExitCode : "-")}\n{Stderr}");
                Thread.Sleep(20);
            }
        }

        public RunResult Finish()
        {
            if (!_p.WaitForExit(TimeSpan.FromSeconds(120))) throw new TimeoutException("conduit did not finish");
            _stderrDone.Wait();
            return new RunResult(_p.ExitCode, _stdout.Result, Stderr);
        }

        public void Dispose()
        {
            if (!_p.HasExited) _p.Kill(entireProcessTree: true);
            _p.Dispose();
        }
    }

    [Fact]
    public async Task Two_scales_at_once_both_finish_and_leave_as_many_nodes_as_the_settings_say()
    {
        using var box = new DockerSandbox();
        RunResult a, b;
        // Held here first, so both commands are certainly in the queue at once whatever the machine's speed.
        using (var hold = OperationLock.Acquire(box.Paths, "health --repair", default))
        {
            using var three = new Background(box, "scale", "3");
            three.WaitForStderr("waiting for another conduit command to finish: `conduit health --repair`");
            using var one = new Background(box, "scale", "1");
            one.WaitForStderr($"waiting for another conduit command to finish: `conduit health --repair` (pid {Environment.ProcessId}");
            Assert.Null(box.Inspect(box.Names.Container(1)));
            hold.Dispose();
            a = three.Finish();
            b = one.Finish();
        }
        Assert.True(a.ExitCode == 0, a.ToString());
        Assert.True(b.ExitCode == 0, b.ToString());
        var count = box.Settings().ContainerCount;
        Assert.Contains(count, new[] { 1, 3 });
        var snapshot = await box.Ops().SnapshotAsync(default);
        Assert.Equal(count, snapshot.Containers.Count);
        for (var i = 1; i <= count; i++) Assert.True(box.Inspect(box.Names.Container(i))?.State?.Running == true, $"node {i} runs");
        Assert.Null(box.Inspect(box.Names.Container(count + 1)));
    }

    [Fact]
    public async Task A_restore_waits_for_a_health_repair_and_then_installs_the_key()
    {
        using var box = new DockerSandbox();
        Assert.False((await box.Ops().ScaleAsync(1, false, Conduit.Settings.HostFacts.Current(), default)).Failed);
        var ops = box.Ops();
        await DockerSandbox.WaitUntil(async () => (await ops.Data.ReadKeyAsync(1, default)).Content is not null, "node 1 to write its key");
        var original = (await ops.Data.ReadKeyAsync(1, default)).Content;

        RunResult restore;
        using (var hold = OperationLock.Acquire(box.Paths, "health --repair", default))
        {
            using var run = new Background(box, "import-key", "--container", "1", TestKeys.PrivateKeyBase64, "--yes");
            run.WaitForStderr($"`conduit health --repair` (pid {Environment.ProcessId}");
            Assert.Equal(original, (await ops.Data.ReadKeyAsync(1, default)).Content); // nothing done while it waits
            hold.Dispose();
            restore = run.Finish();
        }
        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Contains($"proxy ID: {TestKeys.ProxyId}", restore.Stdout);
        Assert.Contains("previous key kept in ", restore.Stdout);
        Assert.False(File.Exists(OperationLock.LockFile(box.Paths) + ".holder"));
    }
}
