using Conduit.Lifecycle;
using Conduit.Settings;
using ConsoleAppFramework;

namespace Conduit.Cli;

public sealed class SelfUpdateCommands
{
    /// <summary>Download a new conduit binary, verify its SHA-256 (URL.sha256) and replace the installed one.</summary>
    /// <param name="url">binary URL (default: RELEASE_URL from settings)</param>
    /// <param name="rollback">go back to the binary kept by the last update</param>
    [Command("self-update")]
    public async Task SelfUpdateAsync(string? url = null, bool rollback = false, CancellationToken cancellationToken = default)
    {
        var paths = CliApp.Paths;
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        var updater = new SelfUpdate(paths, http);
        if (rollback)
        {
            if (url is not null) throw new UsageException("--rollback takes no --url");
            var restored = updater.Rollback();
            Console.WriteLine($"rolled back {updater.Installed} to {restored}");
            return;
        }
        url ??= ConduitSettings.Load(paths.SettingsFile)["RELEASE_URL"];
        if (string.IsNullOrEmpty(url))
            throw new UsageException("no release location: pass --url URL or set RELEASE_URL");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
            throw new UsageException($"--url: '{url}' is not an absolute URL");
        var result = await updater.UpdateAsync(uri, cancellationToken);
        Console.WriteLine($"installed {result.Version} at {updater.Installed} (sha256 {result.Sha256}); previous kept at {updater.Previous}");
    }
}
