using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Conduit.Platform;

/// <summary>What a finished program said and returned. ExitCode 127 = could not be started.</summary>
public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr, bool TimedOut)
{
    public bool Ok => ExitCode == 0 && !TimedOut;

    /// <summary>The most useful single line for an error message: last non-empty stderr line, else stdout's.</summary>
    public string LastLine()
    {
        foreach (var text in new[] { Stderr, Stdout })
        {
            var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (lines.Length > 0) return lines[^1];
        }
        return TimedOut ? "timed out" : $"exit code {ExitCode}";
    }
}

/// <summary>
/// The seam for running other programs (nginx, systemctl, ip): arguments as a list (no shell), output
/// captured, a hard timeout. Does not wait for the output pipes to close: a program that daemonizes (nginx)
/// may leave a child holding them.
/// </summary>
public static class ProcessRunner
{
    static readonly TimeSpan OutputDrain = TimeSpan.FromSeconds(5);

    public static ProcessResult Run(string program, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        // Not disposed: a daemonized child may close the pipe (and signal) after we returned.
        var outClosed = new ManualResetEventSlim();
        var errClosed = new ManualResetEventSlim();
        using var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => Append(stdout, e.Data, outClosed);
        process.ErrorDataReceived += (_, e) => Append(stderr, e.Data, errClosed);
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            return new ProcessResult(127, "", $"{program}: {e.Message}", false);
        }
        process.StandardInput.Close(); // never let a child wait for an answer
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        bool exited = process.WaitForExit(timeout ?? TimeSpan.FromSeconds(60));
        if (!exited)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            process.WaitForExit(TimeSpan.FromSeconds(5));
        }
        // Output normally ends with the process; a daemonized child may keep the pipe: wait a bounded time. Not
        // less: on a busy host the pool thread reading the pipe can lag the exit by far more than 500 ms, and the
        // output (a `nginx -t` error, a tcpdump listing) was lost.
        var drained = Stopwatch.StartNew();
        outClosed.Wait(OutputDrain);
        errClosed.Wait(OutputDrain - drained.Elapsed > TimeSpan.Zero ? OutputDrain - drained.Elapsed : TimeSpan.Zero);
        string o, e2;
        lock (stdout) o = stdout.ToString();
        lock (stderr) e2 = stderr.ToString();
        return new ProcessResult(exited ? process.ExitCode : -1, o, e2, !exited);
    }

    public static ProcessResult Run(string program, params string[] arguments) => Run(program, arguments, null);

    static void Append(StringBuilder sink, string? line, ManualResetEventSlim closed)
    {
        if (line is null)
        {
            closed.Set();
            return;
        }
        lock (sink) sink.Append(line).Append('\n');
    }

    /// <summary>True when a program with this name can be found on PATH (or the path is executable).</summary>
    public static bool Exists(string program)
    {
        if (program.Contains('/')) return File.Exists(program);
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").Split(':'))
            if (dir.Length > 0 && File.Exists(Path.Combine(dir, program))) return true;
        return false;
    }
}
