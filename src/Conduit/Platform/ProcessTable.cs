namespace Conduit.Platform;

/// <summary>Reads the process list from /proc (the seam for "is X running" without systemd).</summary>
public static class ProcessTable
{
    /// <summary>Live processes as (pid, comm, argv); zombies are skipped.</summary>
    public static IEnumerable<(int Pid, string Comm, string[] Args)> All(string proc = "/proc")
    {
        foreach (var dir in Directory.EnumerateDirectories(proc))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            string stat, cmdline;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
                cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            int open = stat.IndexOf('('), close = stat.LastIndexOf(')');
            if (open < 0 || close < open || close + 2 >= stat.Length || stat[close + 2] == 'Z') continue;
            yield return (pid, stat[(open + 1)..close], cmdline.Split('\0', StringSplitOptions.RemoveEmptyEntries));
        }
    }

    public static bool Any(Func<string, bool> commMatches)
    {
        foreach (var p in All())
            if (commMatches(p.Comm)) return true;
        return false;
    }
}
