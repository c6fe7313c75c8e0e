using System.Globalization;
using System.Text;
using Conduit.Host.Health;
using Conduit.Platform;
using Conduit.Settings;

namespace Conduit.Notify;

/// <summary>
/// Health and watchdog findings to Telegram: collected during a run, then sent in one message by
/// <see cref="FlushAsync"/>. Each check alerts once per cooldown while it stays bad, and sends a recovery
/// message when it passes again; every container down at once is one "all containers down" alert. The memory of
/// what was alerted lives in state/telegram-alerts, so the five-minute health timer and the one-minute watchdog
/// share it.
/// </summary>
public sealed class TelegramAlertNotifier(TelegramSender sender, ConduitPaths paths, TimeProvider time) : IAlertNotifier
{
    public const string StateName = "telegram-alerts";
    public const string AllContainers = "all containers";
    readonly List<(HealthLevel Level, string Check, string Detail)> _bad = [];
    readonly HashSet<string> _ok = new(StringComparer.Ordinal);

    public void Alert(HealthLevel level, string check, string message)
    {
        if (level == HealthLevel.Ok) Resolved(check);
        else lock (_bad) _bad.Add((level, check, message));
    }

    public void Resolved(string check)
    {
        lock (_bad) _ok.Add(check);
    }

    /// <summary>Sends what this run found (nothing when all is as already reported). Returns the message sent, or null.</summary>
    public async Task<string?> FlushAsync(CancellationToken ct)
    {
        List<(HealthLevel Level, string Check, string Detail)> bad;
        HashSet<string> ok;
        lock (_bad) { bad = [.. _bad]; ok = [.. _ok]; _bad.Clear(); _ok.Clear(); }

        var containerChecks = bad.Where(b => IsContainer(b.Check)).Select(b => b.Check).Concat(ok.Where(IsContainer)).Distinct().Count();
        var down = bad.Where(b => IsContainer(b.Check) && b.Level == HealthLevel.Fail).ToList();
        if (containerChecks > 1 && down.Count == containerChecks)
        {
            bad.RemoveAll(b => IsContainer(b.Check) && b.Level == HealthLevel.Fail);
            bad.Add((HealthLevel.Fail, AllContainers, string.Create(CultureInfo.InvariantCulture, $"all {down.Count} containers are down")));
        }
        else if (containerChecks > 0) ok.Add(AllContainers);

        var now = time.GetUtcNow();
        var state = StateFile.Load(paths, StateName);
        var cooldown = sender.Config.AlertCooldown;
        var lines = new List<string>();
        var sentKeys = new List<string>();
        foreach (var (level, check, detail) in bad)
        {
            var key = Key(check);
            if (state.Time(key) is { } last && now - last < cooldown) continue;
            var icon = level switch { HealthLevel.Fail => "🔴", HealthLevel.Fixed => "🔧", _ => "🟡" };
            lines.Add($"{icon} <b>{Html.Escape(check)}</b>: {Html.Escape(detail)}");
            sentKeys.Add(key);
        }
        var recovered = new List<string>();
        foreach (var check in ok.Order(StringComparer.Ordinal))
            if (state[Key(check)] is not null && !bad.Any(b => b.Check == check))
            {
                lines.Add($"✅ <b>{Html.Escape(check)}</b>: recovered");
                recovered.Add(Key(check));
            }
        if (lines.Count == 0) return null;
        var text = (sentKeys.Count > 0 ? "<b>Alert</b>\n" : "<b>Recovered</b>\n") + string.Join('\n', lines);
        await sender.SendAsync(text, ct);
        foreach (var k in sentKeys) state.SetTime(k, now);
        foreach (var k in recovered) state[k] = null;
        state.Save();
        return text;
    }

    static bool IsContainer(string check) => check.StartsWith("container ", StringComparison.Ordinal);

    /// <summary>State keys: the check's name with anything but letters, digits, '-' and '.' as '_'.</summary>
    static string Key(string check)
    {
        var sb = new StringBuilder(check.Length);
        foreach (var c in check) sb.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_');
        return sb.ToString();
    }
}

/// <summary>
/// The notifier the health check and the watchdog use: the alert log always, Telegram too when it is enabled
/// with alerts on. <see cref="FlushAsync"/> never throws for Telegram: a failed send is recorded and warned.
/// </summary>
public sealed class AlertFanOut : IAlertNotifier, IDisposable
{
    readonly AlertLogNotifier _log;
    readonly TelegramAlertNotifier? _telegram;
    readonly TelegramClient? _client;
    readonly ConduitPaths _paths;

    public AlertFanOut(ConduitPaths paths, ConduitSettings settings, TimeProvider? time = null)
    {
        _paths = paths;
        _log = new AlertLogNotifier(paths);
        var config = TelegramConfig.From(settings);
        if (config is { Enabled: true, AlertsEnabled: true, Configured: true })
        {
            _client = config.Client(time);
            _telegram = new TelegramAlertNotifier(new TelegramSender(config, _client, paths), paths, time ?? TimeProvider.System);
        }
    }

    public void Alert(HealthLevel level, string check, string message)
    {
        _log.Alert(level, check, message);
        _telegram?.Alert(level, check, message);
    }

    public void Resolved(string check) => _telegram?.Resolved(check);

    /// <returns>a warning to show when Telegram could not be told, else null</returns>
    public async Task<string?> FlushAsync(CancellationToken ct)
    {
        if (_telegram is null) return null;
        try
        {
            await _telegram.FlushAsync(ct);
            return null;
        }
        catch (TelegramApiException e)
        {
            TelegramStatus.RecordError(_paths, DateTimeOffset.UtcNow, e.Message);
            return $"alert not sent to Telegram: {e.Message}";
        }
    }

    public void Dispose() => _client?.Dispose();
}
