using System.Diagnostics;
using System.Text.Json;
using Conduit.Tests.Cluster;
using Conduit.Tests.Support;

namespace Conduit.Tests.Telegram;

public class TelegramRunTests
{
    const string Token = "123456:SECRETtokenVALUE_abc-def";

    [Fact]
    public async Task Report_matches_status_json_and_the_running_bot_never_shows_the_token()
    {
        using var api = new FakeBotApi();
        using var sandbox = new DockerSandbox($"TELEGRAM_API_URL={api.Url}\nTELEGRAM_IP_URL={api.Url}/ip\nTELEGRAM_BOT_TOKEN={Token}\nTELEGRAM_CHAT_ID=987654\nTELEGRAM_ENABLED=true\nTELEGRAM_SERVER_LABEL=lab\n");
        sandbox.Set("CONTAINER_COUNT", "2");
        await sandbox.Ops().StartAsync(CancellationToken.None);
        await sandbox.Ops().StopOneAsync(2, CancellationToken.None);

        var report = sandbox.Conduit("telegram", "report");
        Assert.True(report.ExitCode == 0, report.ToString());
        var status = sandbox.Conduit("status", "--json");
        using var json = JsonDocument.Parse(status.Stdout);
        var running = json.RootElement.GetProperty("totals").GetProperty("running").GetInt32();
        Assert.Equal(1, running);
        var text = Assert.Single(api.Sent()).GetProperty("text").GetString()!;
        Assert.StartsWith("[lab]\n", text); // the IP lookup answered 404: no IP, no failure
        Assert.Contains($"Containers: <b>{running}/2</b> running", text);

        // The bot: a /status from the chat is answered; then it is stopped.
        var psi = new ProcessStartInfo(ConduitProcess.Binary, ["telegram", "run"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.Environment["CONDUIT_HOME"] = sandbox.Paths.Home;
        psi.Environment["CONDUIT_SYSROOT"] = sandbox.Root.Path;
        psi.Environment["NO_COLOR"] = "1";
        using var bot = Process.Start(psi)!;
        var stdout = bot.StandardOutput.ReadToEndAsync();
        var stderr = bot.StandardError.ReadToEndAsync();
        await DockerSandbox.WaitUntil(() => Task.FromResult(api.Calls.Any(c => c.Method == "getUpdates")), "the bot to poll");
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 2;
        api.QueueUpdate($$"""{"update_id":7,"message":{"message_id":7,"date":{{now}},"chat":{"id":987654},"text":"/status@testbot"} }""");
        api.QueueUpdate($$"""{"update_id":8,"message":{"message_id":8,"date":{{now}},"chat":{"id":111},"text":"/stop_all"} }""");
        await DockerSandbox.WaitUntil(() => Task.FromResult(api.Sent().Count() >= 2), "the bot to answer /status", seconds: 40);
        await DockerSandbox.WaitUntil(() => Task.FromResult(File.Exists(Path.Combine(sandbox.Paths.StateDir, "telegram.state"))
            && File.ReadAllText(Path.Combine(sandbox.Paths.StateDir, "telegram.state")).Contains("offset=9")), "the offset to be saved");
        Assert.Contains(api.Calls, c => c.Method == "setMyCommands");
        Process.Start("kill", ["-TERM", bot.Id.ToString()])!.WaitForExit();
        Assert.True(bot.WaitForExit(20000), "the bot did not stop on SIGTERM");
        var output = await stdout + await stderr;
        Assert.Contains("ignored a message from another chat", output);
        Assert.Equal(2, api.Sent().Count());
        Assert.DoesNotContain("stop_all", output); // ignored updates are counted, their text is not logged
        foreach (var file in Directory.GetFiles(sandbox.Paths.LogsDir).Concat(Directory.GetFiles(sandbox.Paths.StateDir)))
            Assert.DoesNotContain("SECRET", File.ReadAllText(file));
        Assert.DoesNotContain("SECRET", output + report.Stdout + report.Stderr);
    }
}
