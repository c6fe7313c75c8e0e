using System.Diagnostics;

namespace Conduit.Tests.Support;

public sealed record RunResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>
/// Runs the real `conduit` program as a separate process, the way a user does. By default the JIT build
/// next to the tests; CONDUIT_BIN points at another binary (CI sets it to the AOT one for smoke tests).
/// </summary>
public static class ConduitProcess
{
    public static string Binary =>
        Environment.GetEnvironmentVariable("CONDUIT_BIN") is { Length: > 0 } bin
            ? bin
            : System.IO.Path.Combine(AppContext.BaseDirectory, "conduit");

    public static RunResult Run(IEnumerable<string> args, IDictionary<string, string?>? env = null, string? stdin = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment.Remove("CONDUIT_HOME");
        psi.Environment.Remove("CONDUIT_SYSROOT");
        if (env is not null)
            foreach (var (k, v) in env)
            {
                if (v is null) psi.Environment.Remove(k);
                else psi.Environment[k] = v;
            }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromSeconds(120)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"conduit {string.Join(' ', args)} did not finish in time");
        }
        p.WaitForExit();
        return new RunResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs with CONDUIT_HOME and CONDUIT_SYSROOT inside <paramref name="root"/>.</summary>
    public static RunResult RunIn(TempRoot root, params string[] args) =>
        Run(args, new Dictionary<string, string?>
        {
            ["CONDUIT_SYSROOT"] = root.Path,
            ["CONDUIT_HOME"] = root.Combine("opt", "conduit"),
        });
}
