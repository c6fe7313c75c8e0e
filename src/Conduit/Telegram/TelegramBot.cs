using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Conduit.Cluster;
using Conduit.Host.Health;
using Conduit.NodeStats;
using Conduit.Notify;
using Conduit.Platform;
using Conduit.Settings;
using Microsoft.Extensions.Logging;
using ZLogger;

namespace Conduit.Telegram;

/// <summary>
/// The bot (`conduit telegram run`): long-polls getUpdates, obeys only TELEGRAM_CHAT_ID, turns commands into the
/// same <see cref="ClusterOperations"/> calls the CLI makes, asks Confirm/Cancel (one-time nonce, 2 minutes) before
/// anything that stops nodes, and sends the scheduled report. Never logs message text or the token.
/// </summary>
public sealed partial class TelegramBot(ConduitPaths paths, TelegramSender sender, ILogger log, TimeProvider time)
{
    public static readonly TimeSpan ConfirmWindow = TimeSpan.FromMinutes(2);
    const string OffsetKey = "offset";

    readonly Dictionary<string, PendingAction> _pending = new(StringComparer.Ordinal);
    TgUser? _me;
    DateTimeOffset _started;
    long? _offset;

    /// <summary>getUpdates long-poll timeout.</summary>
    public int PollTimeoutSeconds { get; init; } = 25;
    /// <summary>Updates from other chats ignored so far.</summary>
    public int Ignored { get; private set; }
    /// <summary>Nonces handed out (tests read them to press the button).</summary>
    public IReadOnlyCollection<string> PendingNonces => _pending.Keys;

    TelegramConfig Config => sender.Config;
    long ChatId => Config.ChatId!.Value;

    sealed record PendingAction(string Nonce, string Command, string Description, DateTimeOffset Created, long MessageId,
        Func<ClusterOperations, CancellationToken, Task<ClusterReport>> Work);

    static readonly (string Command, string Description)[] Commands =
    [
        ("status", "cluster report: containers, clients, traffic"),
        ("containers", "every container with state and clients"),
        ("health", "run the health check"),
        ("start_all", "start every node"),
        ("stop_all", "stop every node (asks first)"),
        ("restart_all", "restart every node (asks first)"),
        ("settings", "the settings (token masked)"),
        ("help", "the commands, with /logs_N /start_N /stop_N /restart_N"),
    ];

    public async Task RunAsync(CancellationToken ct)
    {
        _started = time.GetUtcNow();
        _me = await UntilDoneAsync("getMe", sender.Client.GetMeAsync, ct);
        log.ZLogInformation($"telegram: bot @{_me.Username ?? "?"} started; obeying chat {ChatId} only");
        try
        {
            await sender.Client.SetMyCommandsAsync(Commands.Select(c => new TgBotCommand { Command = c.Command, Description = c.Description }), ct);
        }
        catch (TelegramApiException e)
        {
            log.ZLogWarning($"telegram: {e.Message}");
        }
        _offset = StateFile.Load(paths, TelegramStatus.FileName).Long(OffsetKey);
        var reports = Task.Run(() => ScheduleAsync(ct), ct);
        try
        {
            await PollAsync(ct);
        }
        finally
        {
            try { await reports; } catch (OperationCanceledException) { }
        }
    }

    /// <summary>Retries a call until it works, backing off up to 5 minutes: the API may be down for hours.</summary>
    async Task<T> UntilDoneAsync<T>(string what, Func<CancellationToken, Task<T>> call, CancellationToken ct)
    {
        var wait = TimeSpan.FromSeconds(1);
        while (true)
        {
            try { return await call(ct); }
            catch (TelegramApiException e)
            {
                log.ZLogWarning($"telegram: {e.Message}; retrying {what} in {wait.TotalSeconds:0} s");
                TelegramStatus.RecordError(paths, time.GetUtcNow(), e.Message);
            }
            await Task.Delay(wait, time, ct);
            wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, TimeSpan.FromMinutes(5).Ticks));
        }
    }

    async Task PollAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var updates = await UntilDoneAsync("getUpdates", token => sender.Client.GetUpdatesAsync(_offset, PollTimeoutSeconds, token), ct);
            foreach (var update in updates)
            {
                _offset = update.UpdateId + 1;
                SaveOffset();
                try
                {
                    await HandleAsync(update, ct);
                }
                catch (TelegramApiException e)
                {
                    log.ZLogWarning($"telegram: update {update.UpdateId}: {e.Message}");
                    TelegramStatus.RecordError(paths, time.GetUtcNow(), e.Message);
                }
                catch (Exception e) when (e is ConduitException or IOException or Docker.DotNet.DockerApiException)
                {
                    log.ZLogWarning($"telegram: update {update.UpdateId}: {e.Message}");
                }
            }
        }
    }

    void SaveOffset()
    {
        try
        {
            var state = StateFile.Load(paths, TelegramStatus.FileName);
            state[OffsetKey] = _offset?.ToString(CultureInfo.InvariantCulture);
            state.Save();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.ZLogWarning($"telegram: could not save the update offset: {e.Message}");
        }
    }

    async Task ScheduleAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var next = ReportSchedule.Next(now, time.LocalTimeZone, Config.StartHour, Config.IntervalHours);
            log.ZLogInformation($"telegram: next report at {next.ToLocalTime():yyyy-MM-dd HH:mm zzz}");
            await Task.Delay(next - now, time, ct);
            try
            {
                await SendReportAsync(ct);
            }
            catch (Exception e) when (e is ConduitException or IOException or Docker.DotNet.DockerApiException)
            {
                log.ZLogWarning($"telegram: scheduled report not sent: {e.Message}");
                TelegramStatus.RecordError(paths, time.GetUtcNow(), e.Message);
            }
        }
    }

    /// <summary>Builds and sends the status report; returns its body.</summary>
    public async Task<string> SendReportAsync(CancellationToken ct)
    {
        var body = await WithClusterAsync(async (engine, settings, _, token) =>
            StatusReport.Render(await StatusReport.CollectAsync(engine, settings, paths, token)), ct);
        await sender.SendAsync(body, ct);
        TelegramStatus.RecordReport(paths, time.GetUtcNow());
        log.ZLogInformation($"telegram: report sent");
        return body;
    }

    /// <summary>One update: a message or a button press. Public for tests, which feed updates directly.</summary>
    public async Task HandleAsync(TgUpdate update, CancellationToken ct)
    {
        DropExpired();
        if (update.Message is { } m)
        {
            if (m.Chat?.Id != ChatId)
            {
                Ignored++;
                log.ZLogWarning($"telegram: ignored a message from another chat ({Ignored} ignored so far)");
                return;
            }
            if (_started != default && m.Date < _started.ToUnixTimeSeconds())
            {
                log.ZLogInformation($"telegram: dropped a message sent before the bot started");
                return;
            }
            if (m.Text is { Length: > 1 } text && text[0] == '/') await CommandAsync(text, ct);
            return;
        }
        if (update.CallbackQuery is { } q)
        {
            if (q.Message?.Chat?.Id != ChatId)
            {
                Ignored++;
                log.ZLogWarning($"telegram: ignored a button press from another chat ({Ignored} ignored so far)");
                return;
            }
            await CallbackAsync(q, ct);
        }
    }

    [GeneratedRegex(@"^(logs|start|stop|restart)_([0-9]{1,3})$")]
    private static partial Regex IndexedCommand();

    async Task CommandAsync(string text, CancellationToken ct)
    {
        var word = text.Split([' ', '\n'], 2)[0][1..];
        if (word.IndexOf('@') is var at and >= 0)
        {
            var bot = word[(at + 1)..];
            if (_me?.Username is { } me && !bot.Equals(me, StringComparison.OrdinalIgnoreCase)) return; // for another bot
            word = word[..at];
        }
        var command = word.ToLowerInvariant();
        log.ZLogInformation($"telegram: command /{SafeText.Excerpt(command, 20)}");
        switch (command)
        {
            case "start" or "help":
                await sender.SendAsync(HelpText(), ct);
                return;
            case "status":
                await SendReportAsync(ct);
                return;
            case "containers":
                await sender.SendAsync(await WithClusterAsync(async (engine, settings, _, token) =>
                    StatusReport.Containers(await StatusReport.CollectAsync(engine, settings, paths, token)), ct), ct);
                return;
            case "health":
                await sender.SendAsync(await HealthAsync(ct), ct);
                return;
            case "settings":
                await sender.SendAsync(SettingsText(), ct);
                return;
            case "start_all":
                await RunAndReportAsync("start all", (ops, token) => ops.StartAsync(token), ct);
                return;
            case "stop_all":
                await AskAsync(command, "stop every node", (ops, token) => ops.StopAsync(token), ct);
                return;
            case "restart_all":
                await AskAsync(command, "restart every node", (ops, token) => ops.RestartAsync(token), ct);
                return;
        }
        var m = IndexedCommand().Match(command);
        if (!m.Success)
        {
            await sender.SendAsync($"Unknown command {Html.Code("/" + SafeText.Excerpt(word, 30))}. Send /help for the list.", ct);
            return;
        }
        var n = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        switch (m.Groups[1].Value)
        {
            case "logs":
                await sender.SendAsync(await LogsAsync(n, ct), ct);
                return;
            case "start":
                await RunAndReportAsync($"start {n}", (ops, token) => ops.StartOneAsync(n, restart: false, token), ct);
                return;
            case "stop":
                await AskAsync(command, $"stop container {n}", (ops, token) => ops.StopOneAsync(n, token), ct);
                return;
            default:
                await AskAsync(command, $"restart container {n}", (ops, token) => ops.StartOneAsync(n, restart: true, token), ct);
                return;
        }
    }

    async Task AskAsync(string command, string description, Func<ClusterOperations, CancellationToken, Task<ClusterReport>> work, CancellationToken ct)
    {
        var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var keyboard = new TgInlineKeyboard
        {
            InlineKeyboard = [[new TgInlineButton { Text = "✅ Confirm", CallbackData = "ok:" + nonce }, new TgInlineButton { Text = "✖ Cancel", CallbackData = "no:" + nonce }]],
        };
        var message = await sender.SendAsync($"Really {Html.Escape(description)}? Confirm within 2 minutes.", ct, keyboard);
        _pending[nonce] = new PendingAction(nonce, command, description, time.GetUtcNow(), message.MessageId, work);
    }

    async Task CallbackAsync(TgCallbackQuery q, CancellationToken ct)
    {
        var data = q.Data ?? "";
        var confirm = data.StartsWith("ok:", StringComparison.Ordinal);
        var nonce = data.Length > 3 ? data[3..] : "";
        if (!(confirm || data.StartsWith("no:", StringComparison.Ordinal)) || !_pending.Remove(nonce, out var pending))
        {
            log.ZLogInformation($"telegram: refused a confirmation that is unknown, expired or already used");
            await sender.Client.AnswerCallbackQueryAsync(q.Id, "This confirmation expired or was already used: nothing was done.", ct);
            return;
        }
        if (time.GetUtcNow() - pending.Created > ConfirmWindow)
        {
            log.ZLogInformation($"telegram: refused an expired confirmation of /{pending.Command}");
            await sender.Client.AnswerCallbackQueryAsync(q.Id, "Expired: nothing was done. Send the command again.", ct);
            await sender.EditAsync(pending.MessageId, $"Expired: nothing was done ({Html.Escape(pending.Description)}).", ct);
            return;
        }
        if (!confirm)
        {
            await sender.Client.AnswerCallbackQueryAsync(q.Id, "Cancelled", ct);
            await sender.EditAsync(pending.MessageId, $"Cancelled: nothing was done ({Html.Escape(pending.Description)}).", ct);
            return;
        }
        log.ZLogInformation($"telegram: confirmed /{pending.Command}");
        await sender.Client.AnswerCallbackQueryAsync(q.Id, "Working on it", ct);
        await sender.EditAsync(pending.MessageId, $"Confirmed: {Html.Escape(pending.Description)}…", ct);
        await RunAndReportAsync(pending.Description, pending.Work, ct);
    }

    void DropExpired()
    {
        var now = time.GetUtcNow();
        foreach (var (nonce, p) in _pending.ToArray())
            if (now - p.Created > ConfirmWindow + TimeSpan.FromMinutes(10)) _pending.Remove(nonce);
    }

    async Task RunAndReportAsync(string what, Func<ClusterOperations, CancellationToken, Task<ClusterReport>> work, CancellationToken ct)
    {
        string text;
        try
        {
            text = await WithClusterAsync(async (_, _, ops, token) => Outcome(what, await work(ops, token)), ct);
        }
        catch (ConduitException e)
        {
            log.ZLogInformation($"telegram: {what} refused: {e.Message}");
            text = $"❌ {Html.Escape(what)} refused: {Html.Escape(e.Message)}";
        }
        await sender.SendAsync(text, ct);
    }

    static string Outcome(string what, ClusterReport report)
    {
        if (report.Nodes.Count == 0) return $"{Html.Escape(what)}: nothing to do.";
        var sb = new StringBuilder(report.Failed ? "⚠ " : "✅ ").Append(Html.Escape(what)).Append(':');
        foreach (var n in report.Nodes)
        {
            sb.Append('\n').Append(Html.Code(n.Name)).Append(' ').Append(Html.Escape(n.Action.ToString().ToLowerInvariant()));
            if (n.Detail is not null) sb.Append(" (").Append(Html.Escape(n.Detail)).Append(')');
        }
        return sb.ToString();
    }

    async Task<T> WithClusterAsync<T>(Func<DockerEngine, ConduitSettings, ClusterOperations, CancellationToken, Task<T>> work, CancellationToken ct)
    {
        var settings = ConduitSettings.Load(paths.SettingsFile);
        return await DockerEngine.RunAsync(engine => work(engine, settings, new ClusterOperations(engine, settings, paths), ct), ct);
    }

    async Task<string> HealthAsync(CancellationToken ct)
    {
        var settings = ConduitSettings.Load(paths.SettingsFile);
        var rows = await new HealthRunner(paths, settings, new QuietNotifier()).RunAsync(repair: false, ct);
        var sb = new StringBuilder("<b>Health</b>");
        foreach (var r in rows)
        {
            var icon = r.Level switch { HealthLevel.Ok => "🟢", HealthLevel.Warn => "🟡", HealthLevel.Fixed => "🔧", _ => "🔴" };
            sb.Append('\n').Append(icon).Append(' ').Append(Html.Bold(r.Check)).Append(": ").Append(Html.Escape(SafeText.Excerpt(r.Detail, 200)));
        }
        return sb.ToString();
    }

    /// <summary>The /health command only shows; the health timer is what alerts.</summary>
    sealed class QuietNotifier : IAlertNotifier
    {
        public void Alert(HealthLevel level, string check, string message) { }
    }

    async Task<string> LogsAsync(int index, CancellationToken ct)
    {
        return await WithClusterAsync(async (engine, _, ops, token) =>
        {
            var snapshot = await ops.SnapshotAsync(token);
            var c = snapshot.Containers.FirstOrDefault(c => c.Index == index && c.Id is not null && c.State != "foreign");
            if (c is null) return $"Container {index.ToString(CultureInfo.InvariantCulture)} does not exist (see /containers).";
            var lines = new List<string>();
            await foreach (var line in NodeLogs.ReadAsync(engine, c.Id!, "20", follow: false, token))
                lines.Add(SafeText.Excerpt(Redact(line.Text), 160));
            var body = string.Join('\n', lines);
            if (body.Length > 3500) body = body[^3500..];
            return $"<b>{Html.Escape(c.Name)}</b>, last {lines.Count.ToString(CultureInfo.InvariantCulture)} lines:\n<pre>{Html.Escape(body.Length == 0 ? "(empty)" : body)}</pre>";
        }, ct);
    }

    [GeneratedRegex(@"[A-Za-z0-9+/_-]{40,}={0,2}")]
    private static partial Regex LongToken();

    /// <summary>Node logs must not carry key material into a chat: key fields and long base64 runs are cut.</summary>
    public static string Redact(string line)
    {
        if (line.Contains("privateKey", StringComparison.OrdinalIgnoreCase) || line.Contains("mnemonic", StringComparison.OrdinalIgnoreCase)
            || line.Contains("private_key", StringComparison.OrdinalIgnoreCase))
            return "[line with key material removed]";
        return LongToken().Replace(line, "[redacted]");
    }

    string SettingsText()
    {
        var settings = ConduitSettings.Load(paths.SettingsFile);
        var sb = new StringBuilder("<b>Settings</b>");
        foreach (var d in SettingsSchema.All)
        {
            if (!settings.IsSet(d.Key) && !d.Key.StartsWith("TELEGRAM_", StringComparison.Ordinal) && d.Key is not ("CONTAINER_COUNT" or "MAX_CLIENTS" or "BANDWIDTH" or "NETWORK_MODE")) continue;
            var value = d.Secret ? TelegramConfig.Mask(settings.IsSet(d.Key) ? settings[d.Key] : "") : settings[d.Key];
            sb.Append('\n').Append(Html.Escape(d.Key)).Append(" = ").Append(Html.Code(value));
        }
        return sb.ToString();
    }

    static string HelpText()
    {
        var sb = new StringBuilder("<b>Commands</b>");
        foreach (var (command, description) in Commands) sb.Append("\n/").Append(command).Append(" — ").Append(Html.Escape(description));
        sb.Append("\n/logs_N — last 20 log lines of container N");
        sb.Append("\n/start_N — start container N");
        sb.Append("\n/stop_N — stop container N (asks first)");
        sb.Append("\n/restart_N — restart container N (asks first)");
        return sb.ToString();
    }
}
