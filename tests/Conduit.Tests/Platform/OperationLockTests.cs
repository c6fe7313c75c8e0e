using System.Diagnostics;
using Conduit.Platform;
using Conduit.Tests.Support;

namespace Conduit.Tests.Platform;

public class OperationLockTests
{
    /// <summary>flock(1) holds the same flock(2) lock another process would (--close: only flock holds it, not its
    /// sleep, so killing flock frees it).</summary>
    static Process HoldWithFlock(string lockFile, string seconds)
    {
        var p = Process.Start(new ProcessStartInfo("flock", ["--exclusive", "--close", lockFile, "sleep", seconds]) { UseShellExecute = false })!;
        // Held once a non-blocking try fails.
        var until = DateTime.UtcNow.AddSeconds(10);
        while (Run("flock", "--nonblock", lockFile, "true") == 0)
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("flock did not take the lock");
            Thread.Sleep(20);
        }
        return p;
    }

    static int Run(string file, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { UseShellExecute = false })!;
        p.WaitForExit();
        return p.ExitCode;
    }

    static ConduitPaths PathsIn(TempRoot root) => new(root.Combine("opt", "conduit"), root.Path);

    [Fact]
    public void A_held_lock_is_refused_after_the_wait_naming_the_holder_and_its_pid()
    {
        using var root = new TempRoot("oplock");
        var paths = PathsIn(root);
        Directory.CreateDirectory(paths.StateDir);
        var file = OperationLock.LockFile(paths);
        using var holder = HoldWithFlock(file, "30");
        try
        {
            File.WriteAllText(file + ".holder", $"{holder.Id}\t2026-12-04T20:01:02.0000000Z\tscale 4\n");
            var e = Assert.Throws<ConduitException>(() => OperationLock.Acquire(paths, "restore", default, TimeSpan.FromMilliseconds(300)));
            Assert.Equal($"another conduit command is changing this installation: `conduit scale 4` (pid {holder.Id}, since 20:01:02 UTC); try again when it has finished ({file})", e.Message);

            // The note of a holder that is gone (killed: the kernel freed its lock, the note stayed) names nobody.
            File.WriteAllText(file + ".holder", "999999999\t2026-12-04T20:01:02.0000000Z\tscale 4\n");
            e = Assert.Throws<ConduitException>(() => OperationLock.Acquire(paths, "restore", default, TimeSpan.FromMilliseconds(100)));
            Assert.StartsWith("another conduit command is changing this installation: a process that holds it;", e.Message);
        }
        finally
        {
            holder.Kill();
            holder.WaitForExit();
        }
        // Killed holder: the lock is free at once, and the new holder's note replaces the stale one.
        using (OperationLock.Acquire(paths, "restore", default, TimeSpan.Zero))
            Assert.StartsWith($"{Environment.ProcessId}\t", File.ReadAllText(file + ".holder"));
        Assert.False(File.Exists(file + ".holder"));
    }

    [Fact]
    public void A_waiter_says_once_what_it_waits_for_and_runs_when_the_holder_ends()
    {
        using var root = new TempRoot("oplock");
        var paths = PathsIn(root);
        Directory.CreateDirectory(paths.StateDir);
        using var holder = HoldWithFlock(OperationLock.LockFile(paths), "1");
        var notices = new List<string>();
        var before = OperationLock.Notice;
        OperationLock.Notice = notices.Add;
        try
        {
            using var hold = OperationLock.Acquire(paths, "restore", default, TimeSpan.FromSeconds(20));
            Assert.True(holder.HasExited);
        }
        finally
        {
            OperationLock.Notice = before;
        }
        Assert.Equal(["waiting for another conduit command to finish: a process that holds it"], notices);
    }

    [Fact]
    public async Task Nested_holds_share_the_lock_and_independent_flows_in_one_process_exclude_each_other()
    {
        using var root = new TempRoot("oplock");
        var paths = PathsIn(root);
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = Task.Run(async () =>
        {
            using var outer = OperationLock.Acquire(paths, "scale 3", default, TimeSpan.Zero);
            // A callee of the same operation (scale starting nodes) re-enters without waiting.
            await Task.Run(() => { using var inner = OperationLock.Acquire(paths, "start", default, TimeSpan.Zero); });
            held.SetResult();
            await release.Task;
        });
        await held.Task;
        // A second flow started outside the first (another bot command) must wait like another process.
        var second = await Task.Run(() => Record.Exception(() => OperationLock.Acquire(paths, "stop", default, TimeSpan.FromMilliseconds(200))));
        Assert.IsType<ConduitException>(second);
        Assert.Contains("`conduit scale 3`", second.Message);
        release.SetResult();
        await first;
        using var after = OperationLock.Acquire(paths, "stop", default, TimeSpan.Zero);
    }
}
