using System.Globalization;
using Conduit.Cluster;
using Conduit.Host.Services;
using Conduit.Notify;
using Conduit.Platform;
using Conduit.Settings;
using Conduit.Telegram;
using ConsoleAppFramework;
using Microsoft.Extensions.Logging;

namespace Conduit.Cli;

/// <summary>`conduit telegram setup|test|report|status|enable|disable|run`: reports, alerts and commands over a Telegram bot.</summary>
public sealed class TelegramCommands
{
    /// <summary>Connect a bot: checks the token (getMe) and sends a test message before anything is saved.</summary>
    /// <param name="token">bot token from @BotFather (123456:ABC...)</param>
    /// <param name="chatId">chat the bot reports to and obeys (send /start to the bot, then read it from getUpdates)</param>
    /// <param name="interval">report every N hours: 1, 3, 6, 12 or 24</param>
    /// <param name="startHour">local hour (0-23) the reports are aligned to</param>
    /// <param name="label">name in front of every message (default: the host name)</param>
    /// <param name="yes">save without asking</param>
    [Command("setup")]
    public async Task Setup(string? token = null, string? chatId = null, [Integer] int? interval = null, [Integer] int? startHour = null,
        string? label = null, bool yes = false, CancellationToken ct = default)
    {
        if (token is null || chatId is null)
            throw new UsageException("telegram setup needs --token (from @BotFather) and --chat-id (your chat with the bot); add --yes to save without asking");
        var paths = CliApp.Paths;
        var host = HostFacts.Current();
        var current = ConduitSettings.Load(paths.SettingsFile);
        var values = new List<(string Key, string Value)>
        {
            ("TELEGRAM_BOT_TOKEN", token.Trim()),
            ("TELEGRAM_CHAT_ID", chatId.Trim()),
            ("TELEGRAM_INTERVAL", (interval ?? int.Parse(current["TELEGRAM_INTERVAL"], CultureInfo.InvariantCulture)).ToString(CultureInfo.InvariantCulture)),
            ("TELEGRAM_START_HOUR", (startHour ?? int.Parse(current["TELEGRAM_START_HOUR"], CultureInfo.InvariantCulture)).ToString(CultureInfo.InvariantCulture)),
            ("TELEGRAM_ENABLED", "true"),
        };
        if (label is not null) values.Add(("TELEGRAM_SERVER_LABEL", label));
        var option = new Dictionary<string, string>
        {
            ["TELEGRAM_BOT_TOKEN"] = "--token", ["TELEGRAM_CHAT_ID"] = "--chat-id", ["TELEGRAM_INTERVAL"] = "--interval",
            ["TELEGRAM_START_HOUR"] = "--start-hour", ["TELEGRAM_SERVER_LABEL"] = "--label", ["TELEGRAM_ENABLED"] = "TELEGRAM_ENABLED",
        };
        foreach (var (key, value) in values)
        {
            SettingsSchema.TryResolve(key, out var def, out _);
            if (value.Length == 0 && key is "TELEGRAM_BOT_TOKEN" or "TELEGRAM_CHAT_ID")
                throw new UsageException($"{option[key]} must not be empty");
            if (ConduitSettings.Validate(def, value, host) is { } problem)
                throw new UsageException(def.Secret ? $"{option[key]}: {problem}" : $"{option[key]}: '{SafeText.Excerpt(value)}' {problem}");
        }
        var file = SettingsFile.Load(paths.SettingsFile);
        foreach (var (key, value) in values) file.Set(key, value);
        var config = TelegramConfig.From(ConduitSettings.FromFile(file, host));

        using var client = config.Client();
        var me = await client.GetMeAsync(ct);
        var sender = new TelegramSender(config, client, paths);
        await sender.SendAsync($"✅ <b>conduit</b> is connected to @{Html.Escape(me.Username)}. Reports every {config.IntervalHours.ToString(CultureInfo.InvariantCulture)} h from {config.StartHour.ToString("00", CultureInfo.InvariantCulture)}:00.", ct);
        Console.WriteLine($"bot @{me.Username}: token accepted, test message sent to chat {config.ChatId}");
        if (!yes && !Terminal.Confirm($"Save these Telegram settings to {paths.SettingsFile}?"))
            throw new UsageException("nothing saved: answer y, or pass --yes");
        file.Save();
        Console.WriteLine($"saved to {paths.SettingsFile}; start the bot with `conduit telegram run` (or `conduit services install` for the service)");
    }

    /// <summary>Send a test message to the configured chat.</summary>
    [Command("test")]
    public async Task Test(CancellationToken ct = default)
    {
        var (config, paths) = Configured();
        using var client = config.Client();
        var sender = new TelegramSender(config, client, paths);
        await sender.SendAsync("🔔 Test message from <b>conduit</b>: Telegram works.", ct);
        Console.WriteLine($"test message sent to chat {config.ChatId}");
    }

    /// <summary>Send the status report now (what `conduit status` shows).</summary>
    [Command("report")]
    public async Task Report(CancellationToken ct = default)
    {
        var (config, paths) = Configured();
        using var client = config.Client();
        var sender = new TelegramSender(config, client, paths);
        var settings = ConduitSettings.Load(paths.SettingsFile);
        var snapshot = await DockerEngine.RunAsync(engine => StatusReport.CollectAsync(engine, settings, paths, ct), ct);
        await sender.SendAsync(StatusReport.Render(snapshot), ct);
        TelegramStatus.RecordReport(paths, DateTimeOffset.UtcNow);
        Console.WriteLine($"report sent to chat {config.ChatId}: {snapshot.Totals.Running} of {snapshot.Containers.Count} containers running, {snapshot.Totals.Connected} clients connected");
    }

    /// <summary>Is Telegram configured and enabled, is the bot running, the last report and the last error.</summary>
    [Command("status")]
    public void Status()
    {
        var paths = CliApp.Paths;
        var config = TelegramConfig.From(ConduitSettings.Load(paths.SettingsFile));
        var state = StateFile.Load(paths, TelegramStatus.FileName);
        string When(string key) => state.Time(key) is { } t ? t.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture) : "never";
        var rows = new List<string[]>
        {
            new[] { "configured", config.Configured ? "yes" : "no (`conduit telegram setup`)" },
            new[] { "enabled", config.Enabled ? "yes" : "no" },
            new[] { "token", TelegramConfig.Mask(config.Token) },
            new[] { "chat", config.ChatId?.ToString(CultureInfo.InvariantCulture) ?? "(not set)" },
            new[] { "reports", $"every {config.IntervalHours} h from {config.StartHour:00}:00 local time" },
            new[] { "alerts", config.AlertsEnabled ? $"on, cooldown {config.AlertCooldown.TotalMinutes:0} min" : "off" },
            new[] { "bot", BotRunning(paths) },
            new[] { "last report", When("last_report") },
            new[] { "last error", state["last_error"] is { } e ? $"{When("last_error_at")}: {e}" : "none" },
        };
        PlainTable.Print(Console.Out, ["ITEM", "VALUE"], rows);
    }

    /// <summary>Turn Telegram reports, alerts and the bot on (after setup).</summary>
    [Command("enable")]
    public void Enable()
    {
        var (_, paths) = Configured(requireEnabled: false);
        ConduitSettings.SetValue(paths.SettingsFile, "TELEGRAM_ENABLED", "true", null, HostFacts.Current());
        Console.WriteLine("Telegram enabled; `conduit services install` installs conduit-telegram.service");
    }

    /// <summary>Turn Telegram off (the token and chat are kept).</summary>
    [Command("disable")]
    public void Disable()
    {
        var paths = CliApp.Paths;
        ConduitSettings.SetValue(paths.SettingsFile, "TELEGRAM_ENABLED", "false", null, HostFacts.Current());
        Console.WriteLine("Telegram disabled; `conduit services install` removes conduit-telegram.service");
    }

    /// <summary>Run the bot in the foreground: answers commands from the configured chat and sends the scheduled reports.</summary>
    [Command("run")]
    public async Task Run(CancellationToken ct = default)
    {
        var (config, paths) = Configured();
        using var logs = AppLog.Create(paths, service: true);
        var log = logs.CreateLogger("telegram");
        using var client = new TelegramClient(config.ApiUrl, config.Token)
        {
            OnRetry = why => ZLogger.ZLoggerExtensions.ZLogWarning(log, $"telegram: {why}"),
        };
        var bot = new TelegramBot(paths, new TelegramSender(config, client, paths), log, TimeProvider.System);
        try
        {
            await bot.RunAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            ZLogger.ZLoggerExtensions.ZLogInformation(log, $"telegram: stopped");
        }
    }

    static (TelegramConfig Config, ConduitPaths Paths) Configured(bool requireEnabled = true)
    {
        var paths = CliApp.Paths;
        var config = TelegramConfig.From(ConduitSettings.Load(paths.SettingsFile));
        if (!config.Configured) throw new ConduitException("Telegram is not set up: run `conduit telegram setup --token T --chat-id N --yes`");
        if (requireEnabled && !config.Enabled) throw new ConduitException("Telegram is disabled: `conduit telegram enable` turns it on");
        return (config, paths);
    }

    static string BotRunning(ConduitPaths paths)
    {
        if (ServiceManager.SystemdRunning && paths.SysRoot == "/")
        {
            var active = ProcessRunner.Run("systemctl", ["is-active", ServiceFiles.TelegramUnit], TimeSpan.FromSeconds(10)).Stdout.Trim();
            if (active == "active") return $"{ServiceFiles.TelegramUnit} active";
        }
        foreach (var p in ProcessTable.All())
            if (p.Args.Length >= 3 && Array.IndexOf(p.Args, "telegram") is var i and >= 0 && i + 1 < p.Args.Length && p.Args[i + 1] == "run")
                return $"running (pid {p.Pid})";
        return "not running";
    }
}
