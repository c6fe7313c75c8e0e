using Conduit.Platform;

namespace Conduit.Lifecycle;

/// <summary>Signs of the old bash manager at the install root: its script (migrate moves it aside).</summary>
public sealed record LegacyInstall(string Evidence)
{
    public static LegacyInstall? Detect(ConduitPaths paths)
    {
        var script = Path.Combine(paths.Home, "conduit");
        if (File.Exists(script)) return new LegacyInstall($"script {script}");
        return null;
    }
}
