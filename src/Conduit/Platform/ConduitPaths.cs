namespace Conduit.Platform;

/// <summary>
/// Every path the tool reads or writes, derived from two roots: the install root (CONDUIT_HOME / --home,
/// default /opt/conduit) and the system root prefix (CONDUIT_SYSROOT, default /) under which the host paths
/// live. Tests point both at temporary folders so nothing touches the real host.
/// </summary>
public sealed class ConduitPaths
{
    public const string DefaultHome = "/opt/conduit";

    public ConduitPaths(string home, string sysRoot)
    {
        Home = Path.GetFullPath(home);
        SysRoot = Path.GetFullPath(sysRoot);
    }

    /// <summary>The install root: settings, backups, tracker state, logs.</summary>
    public string Home { get; }

    /// <summary>Prefix for every host path (/etc/..., /usr/local/bin).</summary>
    public string SysRoot { get; }

    public string SettingsFile => Path.Combine(Home, "settings.conf");
    public string BackupsDir => Path.Combine(Home, "backups");
    public string TrafficStatsDir => Path.Combine(Home, "traffic_stats");
    public string LogsDir => Path.Combine(Home, "logs");
    public string StateDir => Path.Combine(Home, "state");
    /// <summary>Where the file copy of the embedded country database lives, which conduit processes map and share;
    /// null where conduit is not installed (a plain `conduit track` never creates the install root).</summary>
    public string? GeoipCacheDir => Directory.Exists(Home) ? Path.Combine(StateDir, "geoip") : null;

    public string NginxDir => OnHost("/etc/nginx");
    public string SysctlDir => OnHost("/etc/sysctl.d");
    public string LimitsDir => OnHost("/etc/security/limits.d");
    public string SystemdDir => OnHost("/etc/systemd/system");
    public string CronDir => OnHost("/etc/cron.d");
    public string BinDir => OnHost("/usr/local/bin");
    public string ManPageFile => OnHost("/usr/local/share/man/man1/conduit.1");

    /// <summary>Maps an absolute host path into the system root.</summary>
    public string OnHost(string absolutePath)
    {
        if (!absolutePath.StartsWith('/'))
            throw new ArgumentException($"host path must be absolute: {absolutePath}", nameof(absolutePath));
        return SysRoot == "/" ? absolutePath : Path.Combine(SysRoot, absolutePath.TrimStart('/'));
    }

    /// <summary>
    /// Resolves the roots: an explicit --home wins over CONDUIT_HOME, which wins over SYSROOT/opt/conduit.
    /// </summary>
    public static ConduitPaths Resolve(string? homeOption, Func<string, string?> environment)
    {
        var sysRoot = NonEmpty(environment("CONDUIT_SYSROOT")) ?? "/";
        var home = NonEmpty(homeOption) ?? NonEmpty(environment("CONDUIT_HOME"));
        if (home is null)
            home = sysRoot == "/" ? DefaultHome : Path.Combine(sysRoot, DefaultHome.TrimStart('/'));
        return new ConduitPaths(home, sysRoot);
    }

    static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
