namespace Conduit.Host.Services;

/// <summary>Which service manager runs this host.</summary>
public static class ServiceManager
{
    /// <summary>sd_booted(): systemd is PID 1 exactly when /run/systemd/system exists.</summary>
    public static bool SystemdRunning => Directory.Exists("/run/systemd/system");
}
