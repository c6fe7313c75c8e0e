using System.Globalization;
using Conduit.Platform;

namespace Conduit.Host.Health;

/// <summary>
/// Where health alerts go. One interface so that Telegram (a later capability) plugs in beside the log
/// without the checks knowing.
/// </summary>
public interface IAlertNotifier
{
    void Alert(HealthLevel level, string check, string message);

    /// <summary>The check passed this time (a notifier that remembers alerts sends a recovery message).</summary>
    void Resolved(string check) { }
}

/// <summary>Appends one line per alert to &lt;root&gt;/logs/alerts.log.</summary>
public sealed class AlertLogNotifier(ConduitPaths paths) : IAlertNotifier
{
    public string LogPath => Path.Combine(paths.LogsDir, "alerts.log");

    public void Alert(HealthLevel level, string check, string message)
    {
        Directory.CreateDirectory(paths.LogsDir);
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ} {level.ToString().ToUpperInvariant()} {check}: {message.ReplaceLineEndings(" ")}\n");
        // A log is appended, not rewritten: one short O_APPEND write per line keeps lines whole.
        File.AppendAllText(LogPath, line);
    }
}
