using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Conduit.Tests.Support;

namespace Conduit.Tests.Ebpf;

/// <summary>A running `conduit track-ebpf` inside a test namespace: started, waited for until it says it is
/// counting, then stopped with SIGTERM (or SIGKILL) and its JSON report parsed.</summary>
public sealed class TrackEbpfRun : IDisposable
{
    readonly Process _process;
    readonly StringBuilder _stdout = new(), _stderr = new();
    readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TrackEbpfRun(string ns, params string[] args)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in (string[])["netns", "exec", ns, ConduitProcess.Binary, "track-ebpf", "--json", .. args]) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        _process = new Process { StartInfo = psi };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_stdout) _stdout.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_stderr) _stderr.AppendLine(e.Data);
            if (e.Data.Contains("with eBPF (ingress+egress")) _ready.TrySetResult();
        };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Pid => _process.Id; // `ip netns exec` execs the command: this is conduit itself

    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    /// <summary>Waits until the filters are attached (the process says so), or fails with what it printed.</summary>
    public void WaitUntilCounting()
    {
        var exited = _process.WaitForExitAsync();
        var done = Task.WhenAny(_ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(30))).Result;
        if (done != _ready.Task)
            throw new InvalidOperationException($"track-ebpf did not start counting: {(exited.IsCompleted ? $"exit {_process.ExitCode}" : "timeout")}\n{Stderr}");
    }

    /// <summary>SIGTERM, then the exit code and the JSON report.</summary>
    public (int ExitCode, JsonElement Report) Stop()
    {
        Sh.Run("kill", "-TERM", Pid.ToString());
        if (!_process.WaitForExit(30_000)) throw new TimeoutException("track-ebpf did not stop after SIGTERM");
        _process.WaitForExit();
        string stdout;
        lock (_stdout) stdout = _stdout.ToString();
        Assert.True(_process.ExitCode == 0, $"exit {_process.ExitCode}\n{Stderr}\n{stdout}");
        return (_process.ExitCode, JsonDocument.Parse(stdout).RootElement.Clone());
    }

    public void Kill9()
    {
        Sh.Run("kill", "-KILL", Pid.ToString());
        _process.WaitForExit(30_000);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            try { _process.Kill(); } catch (InvalidOperationException) { }
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
    }

    /// <summary>The report's remotes as ip -> (bytes_in, packets_in, bytes_out, packets_out).</summary>
    public static Dictionary<string, (long BytesIn, long PacketsIn, long BytesOut, long PacketsOut)> Remotes(JsonElement report)
    {
        var result = new Dictionary<string, (long, long, long, long)>();
        foreach (var r in report.GetProperty("remotes").EnumerateArray())
            result[r.GetProperty("ip").GetString()!] = (r.GetProperty("bytes_in").GetInt64(), r.GetProperty("packets_in").GetInt64(),
                r.GetProperty("bytes_out").GetInt64(), r.GetProperty("packets_out").GetInt64());
        return result;
    }
}
