using Conduit.Cluster;
using Conduit.Settings;

namespace Conduit.Host.Nginx;

/// <summary>
/// The cluster's "backends changed" hook (scale in bridge mode): regenerate and apply the balancer, or remove
/// it when no container is left. Reports what changed on <paramref name="output"/>.
/// </summary>
public sealed class NginxBackendsListener(ConduitPaths paths, TextWriter output) : IBridgeBackendsListener
{
    public Task BackendsChangedAsync(string instance, IReadOnlyList<BridgeBackend> backends, CancellationToken ct)
    {
        var settings = ConduitSettings.Load(paths.SettingsFile);
        if (!settings.BridgeMode) return Task.CompletedTask;
        var layer = new NginxLayer(paths, settings);
        var lines = backends.Count == 0 ? layer.Remove(reload: true) : layer.Apply(reload: true);
        // Only what changed: `install` has just applied the same config in its own nginx step.
        foreach (var line in lines.Where(l => !l.EndsWith("up to date", StringComparison.Ordinal))) output.WriteLine($"nginx: {line}");
        return Task.CompletedTask;
    }
}
