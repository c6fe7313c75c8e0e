using Conduit.Platform;
using Conduit.Tests.Support;

namespace Conduit.Tests.Telegram;

public class TelegramServiceTests
{
    [Fact]
    public void The_bot_unit_and_cron_line_exist_only_while_Telegram_is_enabled_and_systemd_analyze_accepts_the_unit()
    {
        using var root = new TempRoot();
        root.Write("opt/conduit/settings.conf", "TELEGRAM_ENABLED=true\nTELEGRAM_BOT_TOKEN=123456:SECRETtoken\nTELEGRAM_CHAT_ID=5\n");
        var r = ConduitProcess.RunIn(root, "services", "install", "--mode", "systemd");
        Assert.True(r.ExitCode == 0, r.ToString());
        var unit = root.Combine("etc", "systemd", "system", "conduit-telegram.service");
        var text = File.ReadAllText(unit);
        Assert.Contains("ExecStart=/usr/local/bin/conduit telegram run\n", text);
        Assert.Contains("Restart=always\n", text);
        Assert.Contains("StandardInput=null\n", text);
        Assert.DoesNotContain("SECRET", text);
        if (ProcessRunner.Exists("systemd-analyze"))
        {
            Directory.CreateDirectory(root.Combine("lib", "systemd"));
            Assert.True(ProcessRunner.Run("cp", "-a", "/lib/systemd/system", root.Combine("lib", "systemd", "system")).Ok);
            root.Write("usr/local/bin/conduit", "#!/bin/sh\n");
            File.SetUnixFileMode(root.Combine("usr", "local", "bin", "conduit"), AtomicFile.Executable);
            var verify = ProcessRunner.Run("env", [$"MANPATH={root.Combine("usr", "local", "share", "man")}", "systemd-analyze",
                "verify", $"--root={root.Path}", "/etc/systemd/system/conduit-telegram.service"], TimeSpan.FromSeconds(60));
            Assert.True(verify.ExitCode == 0 && verify.Stderr.Trim().Length == 0, verify.Stderr);
        }
        // Disabled: the next install removes the unit.
        Assert.Equal(0, ConduitProcess.RunIn(root, "telegram", "disable").ExitCode);
        Assert.Equal(0, ConduitProcess.RunIn(root, "services", "install", "--mode", "systemd").ExitCode);
        Assert.False(File.Exists(unit));

        root.Write("opt/conduit/settings.conf", "TELEGRAM_ENABLED=true\n");
        Assert.Equal(0, ConduitProcess.RunIn(root, "services", "install", "--mode", "cron").ExitCode);
        Assert.Contains("conduit telegram run", File.ReadAllText(root.Combine("etc", "cron.d", "conduit")));
    }
}
