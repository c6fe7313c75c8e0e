using System.Diagnostics;
using Conduit.Cluster;
using Conduit.Host.Health;
using Conduit.Notify;
using Conduit.Platform;
using Conduit.Settings;
using Conduit.Telegram;
using Conduit.Tests.Cluster;
using Conduit.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conduit.Tests.Telegram;

public class TelegramTests
{
    const string Token = "123456:SECRETtokenVALUE_abc-def";
    const long Chat = 987654;

    static TelegramConfig Config(FakeBotApi api, string label = "node-a") =>
        new(true, Token, Chat, 6, 0, true, label, api.Url, null, TimeSpan.FromHours(1));

    static TgUpdate Message(long updateId, long chat, string text) => new()
    {
        UpdateId = updateId,
        Message = new TgMessage { MessageId = updateId, Date = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5, Chat = new TgChat { Id = chat }, Text = text },
    };

    static TgUpdate Press(long updateId, string data) => new()
    {
        UpdateId = updateId,
        CallbackQuery = new TgCallbackQuery { Id = "cb" + updateId, Data = data, Message = new TgMessage { MessageId = 1, Chat = new TgChat { Id = Chat } } },
    };

    [Fact]
    public async Task A_429_waits_its_retry_after_then_the_message_goes_out()
    {
        using var api = new FakeBotApi();
        api.QueueError("sendMessage", 429, """{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}""");
        using var client = new TelegramClient(api.Url, Token);
        var watch = Stopwatch.StartNew();
        await client.SendMessageAsync(Chat, "hi", null, CancellationToken.None);
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1), $"retried after {watch.Elapsed}");
        var calls = api.Calls.Where(c => c.Method == "sendMessage").ToList();
        Assert.Equal(2, calls.Count);
        Assert.True(calls[1].At - calls[0].At >= TimeSpan.FromSeconds(0.95));
    }

    [Fact]
    public async Task Errors_name_the_method_and_never_the_token()
    {
        using var api = new FakeBotApi();
        api.QueueError("getMe", 401, """{"ok":false,"error_code":401,"description":"Unauthorized"}""");
        using var client = new TelegramClient(api.Url, Token);
        var e = await Assert.ThrowsAsync<TelegramApiException>(() => client.GetMeAsync(CancellationToken.None));
        Assert.Equal("Telegram API: getMe: Unauthorized", e.Message);
        using var down = new TelegramClient("http://127.0.0.1:1", Token) { Attempts = 2, FirstBackoff = TimeSpan.FromMilliseconds(50) };
        var e2 = await Assert.ThrowsAsync<TelegramApiException>(() => down.GetMeAsync(CancellationToken.None));
        Assert.StartsWith("Telegram API: getMe: ", e2.Message);
        Assert.DoesNotContain("SECRET", e2.ToString());
    }

    [Fact]
    public async Task A_label_with_markup_is_escaped_in_the_header()
    {
        using var api = new FakeBotApi();
        using var root = new TempRoot();
        using var client = new TelegramClient(api.Url, Token);
        var sender = new TelegramSender(Config(api, "<b>&\"x"), client, new ConduitPaths(root.Path, root.Path));
        await sender.SendAsync("body", CancellationToken.None);
        var sent = Assert.Single(api.Sent());
        Assert.Equal("[&lt;b&gt;&amp;&quot;x]\nbody", sent.GetProperty("text").GetString());
        Assert.Equal("HTML", sent.GetProperty("parse_mode").GetString());
        Assert.Equal(Chat, sent.GetProperty("chat_id").GetInt64());
    }

    [Fact]
    public async Task An_update_from_another_chat_is_ignored()
    {
        using var api = new FakeBotApi();
        using var root = new TempRoot();
        using var client = new TelegramClient(api.Url, Token) { MessageSpacing = TimeSpan.Zero };
        var bot = new TelegramBot(new ConduitPaths(root.Path, root.Path), new TelegramSender(Config(api), client, new ConduitPaths(root.Path, root.Path)), NullLogger.Instance, TimeProvider.System);
        await bot.HandleAsync(Message(1, 111, "/stop_all"), CancellationToken.None);
        await bot.HandleAsync(Press(2, "ok:whatever"), CancellationToken.None); // a press is answered as unknown, never acted on
        Assert.Equal(1, bot.Ignored);
        Assert.Empty(api.Sent());
        await bot.HandleAsync(Message(3, Chat, "/help@testbot"), CancellationToken.None);
        Assert.Contains("/stop_N", Assert.Single(api.Sent()).GetProperty("text").GetString());
    }

    [Fact]
    public async Task Expired_cancelled_or_replayed_confirmations_do_nothing()
    {
        using var api = new FakeBotApi();
        using var root = new TempRoot();
        var paths = new ConduitPaths(root.Path, root.Path);
        var clock = new ShiftedClock();
        using var client = new TelegramClient(api.Url, Token) { MessageSpacing = TimeSpan.Zero };
        var bot = new TelegramBot(paths, new TelegramSender(Config(api), client, paths), NullLogger.Instance, clock);
        await bot.HandleAsync(Message(1, Chat, "/stop_1"), CancellationToken.None);
        var nonce = Assert.Single(bot.PendingNonces);
        var ask = Assert.Single(api.Sent());
        Assert.Contains("ok:" + nonce, ask.GetProperty("reply_markup").ToString());
        clock.Shift = TimeSpan.FromMinutes(3);
        await bot.HandleAsync(Press(2, "ok:" + nonce), CancellationToken.None);
        Assert.Contains("Expired", api.Sent("answerCallbackQuery").Last().GetProperty("text").GetString());
        await bot.HandleAsync(Press(3, "ok:" + nonce), CancellationToken.None); // replay
        Assert.Contains("already used", api.Sent("answerCallbackQuery").Last().GetProperty("text").GetString());
        clock.Shift = TimeSpan.Zero;
        await bot.HandleAsync(Message(4, Chat, "/restart_2"), CancellationToken.None);
        var second = Assert.Single(bot.PendingNonces);
        await bot.HandleAsync(Press(5, "no:" + second), CancellationToken.None);
        await bot.HandleAsync(Press(6, "ok:" + second), CancellationToken.None);
        Assert.Contains("already used", api.Sent("answerCallbackQuery").Last().GetProperty("text").GetString());
        // Nothing ran: the only messages are the two questions (Docker was never called; there is no cluster here).
        Assert.Equal(2, api.Sent().Count());
    }

    [Fact]
    public async Task Alerts_respect_the_cooldown_and_recovery_is_sent_once()
    {
        using var api = new FakeBotApi();
        using var root = new TempRoot();
        var paths = new ConduitPaths(root.Path, root.Path);
        var clock = new ShiftedClock();
        using var client = new TelegramClient(api.Url, Token) { MessageSpacing = TimeSpan.Zero };
        var sender = new TelegramSender(Config(api), client, paths);
        async Task<string?> Run(Action<TelegramAlertNotifier> findings)
        {
            var n = new TelegramAlertNotifier(sender, paths, clock);
            findings(n);
            return await n.FlushAsync(CancellationToken.None);
        }
        var first = await Run(n => { n.Alert(HealthLevel.Warn, "tracker", "not running"); n.Resolved("disk"); });
        Assert.Contains("tracker", first);
        Assert.Null(await Run(n => n.Alert(HealthLevel.Warn, "tracker", "not running"))); // within the hour
        clock.Shift = TimeSpan.FromMinutes(61);
        Assert.Contains("tracker", await Run(n => n.Alert(HealthLevel.Warn, "tracker", "not running")));
        var recovered = await Run(n => n.Resolved("tracker"));
        Assert.Contains("recovered", recovered);
        Assert.Null(await Run(n => n.Resolved("tracker")));
        var all = await Run(n => { n.Alert(HealthLevel.Fail, "container a", "down"); n.Alert(HealthLevel.Fail, "container b", "down"); });
        Assert.Contains("all 2 containers are down", all);
        Assert.DoesNotContain("container a", all);
    }

    [Fact]
    public void Reports_are_aligned_to_the_start_hour()
    {
        var utc = TimeZoneInfo.Utc;
        var now = new DateTimeOffset(2026, 12, 4, 9, 30, 0, TimeSpan.Zero);
        Assert.Equal(new DateTimeOffset(2026, 12, 4, 14, 0, 0, TimeSpan.Zero), ReportSchedule.Next(now, utc, 2, 6));
        Assert.Equal(new DateTimeOffset(2026, 12, 5, 2, 0, 0, TimeSpan.Zero), ReportSchedule.Next(now, utc, 2, 24));
        Assert.Equal(new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.Zero), ReportSchedule.Next(now, utc, 0, 1));
    }

    [Fact]
    public void Scripted_setup_verifies_before_saving_and_keeps_the_old_settings_on_failure()
    {
        using var api = new FakeBotApi();
        using var root = new TempRoot();
        var home = root.Combine("opt", "conduit");
        Directory.CreateDirectory(home);
        var settings = Path.Combine(home, "settings.conf");
        File.WriteAllText(settings, $"TELEGRAM_API_URL={api.Url}\nTELEGRAM_IP_URL=none\nTELEGRAM_SERVER_LABEL=lab\n");
        var env = new Dictionary<string, string?> { ["CONDUIT_SYSROOT"] = root.Path, ["CONDUIT_HOME"] = home };

        api.QueueError("getMe", 401, """{"ok":false,"error_code":401,"description":"Unauthorized"}""");
        var bad = ConduitProcess.Run(["telegram", "setup", "--token", Token, "--chat-id", "987654", "--yes"], env);
        Assert.Equal(1, bad.ExitCode);
        Assert.Equal("conduit: Telegram API: getMe: Unauthorized\n", bad.Stderr);
        Assert.DoesNotContain("TELEGRAM_BOT_TOKEN", File.ReadAllText(settings));

        var ok = ConduitProcess.Run(["telegram", "setup", "--token", Token, "--chat-id", "987654", "--interval", "3", "--start-hour", "7", "--yes"], env);
        Assert.True(ok.ExitCode == 0, ok.ToString());
        var saved = File.ReadAllText(settings);
        Assert.Contains($"TELEGRAM_BOT_TOKEN={Token}", saved);
        Assert.Contains("TELEGRAM_INTERVAL=3", saved);
        Assert.Contains("TELEGRAM_START_HOUR=7", saved);
        Assert.Contains("TELEGRAM_ENABLED=true", saved);
        Assert.StartsWith("[lab]\n", Assert.Single(api.Sent()).GetProperty("text").GetString());

        var status = ConduitProcess.Run(["telegram", "status"], env);
        Assert.Equal(0, status.ExitCode);
        Assert.Contains("123456:***", status.Stdout);
        var disabled = ConduitProcess.Run(["telegram", "disable"], env);
        Assert.Equal(0, disabled.ExitCode);
        Assert.Equal(1, ConduitProcess.Run(["telegram", "test"], env).ExitCode);
        foreach (var r in new[] { bad, ok, status, disabled })
        {
            Assert.DoesNotContain("SECRET", r.Stdout);
            Assert.DoesNotContain("SECRET", r.Stderr);
        }
    }

    [Fact]
    public async Task Stop_1_acts_only_on_confirm_and_stops_only_node_1()
    {
        using var sandbox = new DockerSandbox();
        sandbox.Set("CONTAINER_COUNT", "2");
        await sandbox.Ops().StartAsync(CancellationToken.None);
        using var api = new FakeBotApi();
        using var client = new TelegramClient(api.Url, Token) { MessageSpacing = TimeSpan.Zero };
        var bot = new TelegramBot(sandbox.Paths, new TelegramSender(Config(api), client, sandbox.Paths), NullLogger.Instance, TimeProvider.System);
        await bot.HandleAsync(Message(1, Chat, "/stop_1"), CancellationToken.None);
        var nonce = Assert.Single(bot.PendingNonces);
        Assert.True(sandbox.Inspect(sandbox.Names.Container(1))!.State!.Running, "stopped before Confirm");
        await bot.HandleAsync(Press(2, "ok:" + nonce), CancellationToken.None);
        Assert.False(sandbox.Inspect(sandbox.Names.Container(1))!.State!.Running);
        Assert.True(sandbox.Inspect(sandbox.Names.Container(2))!.State!.Running);
        Assert.Contains("stopped", api.Sent().Last().GetProperty("text").GetString());
    }
}
