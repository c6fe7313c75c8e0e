using Conduit.Host.Nginx;
using Conduit.Platform;
using Conduit.Settings;

namespace Conduit.Host.Health;

/// <summary>
/// The seed's one-minute nginx keeper: in bridge mode nginx is the only way in, so when it is down it is
/// started again (after `nginx -t`, so a broken config is reported instead of looping).
/// </summary>
public static class NginxWatchdog
{
    public static HealthRow Run(ConduitPaths paths, ConduitSettings settings, IAlertNotifier notifier)
    {
        if (!settings.BridgeMode) return new("nginx", HealthLevel.Ok, "host mode: no balancer to watch");
        var host = new NginxHost(paths, settings);
        if (host.RunningPid() is int pid) return new("nginx", HealthLevel.Ok, $"running (pid {pid})");
        var test = host.Test();
        HealthRow row;
        if (!test.Ok) row = new("nginx", HealthLevel.Fail, $"down, and its configuration is invalid: {NginxHost.Error(test)}");
        else
        {
            var r = host.Start();
            row = r.Ok
                ? new("nginx", HealthLevel.Fixed, $"was down; started (pid {host.RunningPid()})")
                : new("nginx", HealthLevel.Fail, $"down; start failed: {NginxHost.Error(r)}");
        }
        notifier.Alert(row.Level, row.Check, row.Detail);
        return row;
    }
}
