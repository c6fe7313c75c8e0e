using System.Text;
using Conduit.Settings;
using Conduit.Tests.Support;

namespace Conduit.Tests.Settings;

public class SettingsFileTests
{
    static readonly HostFacts Host = new(Cores: 4, MemoryBytes: 8L << 30);

    const string V1File = """
        # conduit settings (written by conduit.sh v1.2)
        MAX_CLIENTS=200
        BANDWIDTH=5
        CONTAINER_COUNT=2

        DATA_CAP_GB=0
        DATA_CAP_IFACE=
        DATA_CAP_BASELINE_RX=0
        DATA_CAP_BASELINE_TX=0
        DATA_CAP_PRIOR_USAGE=0
        TELEGRAM_BOT_TOKEN="123:abc"
        TELEGRAM_CHAT_ID="987654"
        TELEGRAM_INTERVAL=6
        TELEGRAM_ENABLED=false
        TELEGRAM_ALERTS_ENABLED=true
        TELEGRAM_DAILY_SUMMARY=true
        TELEGRAM_WEEKLY_SUMMARY=true
        TELEGRAM_SERVER_LABEL=""
        TELEGRAM_START_HOUR=0
        DOCKER_CPUS=
        DOCKER_MEMORY=
        MAX_CLIENTS_2=400
        BANDWIDTH_2=-1
        CPUS_2=1.0
        MEMORY_2=512m
        SOME_FUTURE_KEY='kept as is'   # trailing comment
        """;

    static SettingsFile Parse(string text) => SettingsFile.Parse("settings.conf", Encoding.UTF8.GetBytes(text));

    [Fact]
    public void ReadsAV1FileWithOverridesAndTelegramKeys()
    {
        var s = ConduitSettings.FromFile(Parse(V1File + "\n"), Host);
        Assert.Equal(2, s.ContainerCount);
        Assert.Equal(200, s.MaxClients);
        Assert.Equal(5, s.Bandwidth);
        Assert.Equal("host", s.NetworkMode);
        Assert.Equal("0.22", s["CONTAINER_CPU_LIMIT"]); // empty v1 value = not set = default
        var c1 = s.ForContainer(1);
        Assert.Equal(200, c1.MaxClients);
        Assert.Equal(0.22, c1.Cpus);
        var c2 = s.ForContainer(2);
        Assert.Equal(400, c2.MaxClients);
        Assert.Equal(-1, c2.Bandwidth);
        Assert.Equal(1.0, c2.Cpus);
        Assert.Equal(512L << 20, c2.MemoryBytes);
        Assert.Equal("123:abc", s["TELEGRAM_BOT_TOKEN"]);
        Assert.Equal([("SOME_FUTURE_KEY", "kept as is")], s.Unknown);
    }

    [Fact]
    public void ChangingOneValueKeepsEveryOtherLineByteForByte()
    {
        using var root = new TempRoot();
        var path = root.Write("settings.conf", V1File + "\n");
        ConduitSettings.SetValue(path, "MAX_CLIENTS", "300", null, Host);
        var before = (V1File + "\n").Split('\n');
        var after = File.ReadAllText(path).Split('\n');
        Assert.Equal(before.Length, after.Length);
        for (int i = 0; i < before.Length; i++)
            Assert.Equal(before[i].StartsWith("MAX_CLIENTS=200") ? "MAX_CLIENTS=300" : before[i], after[i]);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void PerContainerSetKeepsTheV1SpellingTheFileUses()
    {
        using var root = new TempRoot();
        var path = root.Write("settings.conf", V1File + "\n");
        ConduitSettings.SetValue(path, "CONTAINER_CPU_LIMIT", "0.5", 2, Host);
        var text = File.ReadAllText(path);
        Assert.Contains("\nCPUS_2=0.5\n", text);
        Assert.DoesNotContain("CONTAINER_CPUS_2", text);
        ConduitSettings.SetValue(path, "CONTAINER_MEM_LIMIT", "256m", 3, Host);
        Assert.EndsWith("CONTAINER_MEMORY_3=256m\n", File.ReadAllText(path));
    }

    [Fact]
    public void QuotedValuesAreWrittenSoBashReadsThemBack()
    {
        using var root = new TempRoot();
        var path = root.Combine("settings.conf");
        ConduitSettings.SetValue(path, "TELEGRAM_SERVER_LABEL", "my \"vps\" $HOME `x`", null, Host);
        var text = File.ReadAllText(path);
        Assert.Equal("TELEGRAM_SERVER_LABEL=\"my \\\"vps\\\" \\$HOME \\`x\\`\"\n", text);
        Assert.Equal("my \"vps\" $HOME `x`", SettingsFile.Load(path).Get("TELEGRAM_SERVER_LABEL"));
    }

    [Theory]
    [InlineData("MAX_CLIENTS=abc\n", "settings.conf:1: MAX_CLIENTS=abc: must be a whole number from 0 to 1000")]
    [InlineData("# x\nMAX_CLIENTS=1001\n", "settings.conf:2: MAX_CLIENTS=1001: must be a whole number from 0 to 1000")]
    [InlineData("BANDWIDTH=41\n", "settings.conf:1: BANDWIDTH=41: must be -1 (unlimited) or a number of Mbps from 1 to 40")]
    [InlineData("BANDWIDTH=0.5\n", "settings.conf:1: BANDWIDTH=0.5: must be -1 (unlimited) or a number of Mbps from 1 to 40")]
    [InlineData("TELEGRAM_INTERVAL=5\n", "settings.conf:1: TELEGRAM_INTERVAL=5: must be one of: 1, 3, 6, 12, 24")]
    [InlineData("TELEGRAM_START_HOUR=24\n", "settings.conf:1: TELEGRAM_START_HOUR=24: must be a whole number from 0 to 23")]
    [InlineData("CONTAINER_MEM_LIMIT=32m\n", "settings.conf:1: CONTAINER_MEM_LIMIT=32m: must be a size like 384m or 1g, from 64m to 8192m (this machine's RAM), or none")]
    [InlineData("DOCKER_CPUS=9\n", "settings.conf:1: DOCKER_CPUS=9: must be a number of cores above 0 and at most 4 (this machine's CPU count), or none")]
    [InlineData("NETWORK_MODE=nat\n", "settings.conf:1: NETWORK_MODE=nat: must be one of: host, bridge")]
    [InlineData("MAX_CLIENTS=\"250\n", "settings.conf:1: MAX_CLIENTS: unterminated double quote")]
    [InlineData("MAX_CLIENTS='250\n", "settings.conf:1: MAX_CLIENTS: unterminated single quote")]
    [InlineData("TELEGRAM_SERVER_LABEL=$(rm -rf /)\n", "settings.conf:1: TELEGRAM_SERVER_LABEL: shell expansion ($, `) is not allowed in settings; use single quotes for a literal value")]
    [InlineData("TELEGRAM_SERVER_LABEL=\"$(rm -rf /)\"\n", "settings.conf:1: TELEGRAM_SERVER_LABEL: shell expansion ($, `) is not allowed in settings; use single quotes for a literal value")]
    [InlineData("TELEGRAM_SERVER_LABEL=`reboot`\n", "settings.conf:1: TELEGRAM_SERVER_LABEL: shell expansion ($, `) is not allowed in settings; use single quotes for a literal value")]
    [InlineData("MAX_CLIENTS=1;reboot\n", "settings.conf:1: MAX_CLIENTS: shell syntax ';' in a value is not allowed; quote the value")]
    [InlineData("MAX_CLIENTS=200\nMAX_CLIENTS=300\n", "settings.conf:2: MAX_CLIENTS is set twice (also on line 1); keep one of them")]
    [InlineData("DOCKER_CPUS=1\nCONTAINER_CPU_LIMIT=2\n", "settings.conf:2: CONTAINER_CPU_LIMIT conflicts with DOCKER_CPUS on line 1; keep one of them")]
    [InlineData("TELEGRAM_SERVER_LABEL=a b\n", "settings.conf:1: TELEGRAM_SERVER_LABEL: unexpected text after the value; quote values that contain spaces")]
    [InlineData("echo hello\n", "settings.conf:1: expected KEY=value, found \"echo hello\"")]
    [InlineData("TELEGRAM_BOT_TOKEN 123456:AAsecretTOKEN\n", "settings.conf:1: expected KEY=value, found \"TELEGRAM_BOT_TOKEN ***\"")]
    [InlineData("  telegram_bot_token:123456:AAsecretTOKEN\n", "settings.conf:1: expected KEY=value, found \"telegram_bot_token...\"")]
    [InlineData("root:$y$j9T$Qx5Ecd8Z0b7d$Yw2H:19000:0:99999:7:::\n", "settings.conf:1: expected KEY=value, found \"root...\"")]
    [InlineData("echo \u001b]0;pwned\u0007 hello\n", "settings.conf:1: expected KEY=value, found \"echo...\"")]
    [InlineData("a very long line of plain words that goes on and on and on\n", "settings.conf:1: expected KEY=value, found \"a very long line of plain words that goe...\"")]
    [InlineData("TELEGRAM_BOT_TOKEN=\"12345:secret value\"\n", "settings.conf:1: TELEGRAM_BOT_TOKEN: must look like 123456:ABC-def_ghi (from @BotFather)")]
    public void BadFilesGiveOneLineNamingFileLineKeyAndRange(string content, string expected)
    {
        var e = Assert.ThrowsAny<UsageException>(() => ConduitSettings.FromFile(Parse(content), Host));
        Assert.Equal(expected, e.Message);
        Assert.Equal(ExitCodes.Usage, e.ExitCode);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void SecretsAreNotEchoedInErrors()
    {
        var e = Assert.ThrowsAny<UsageException>(() => ConduitSettings.FromFile(Parse("TELEGRAM_BOT_TOKEN='123:abc def'\n"), Host));
        Assert.DoesNotContain("abc def", e.Message);
    }

    [Fact]
    public void CrlfLineEndingsAndBomAreAcceptedAndKeptOnRewrite()
    {
        using var root = new TempRoot();
        var path = root.Combine("settings.conf");
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("# win\r\nMAX_CLIENTS=200\r\nBANDWIDTH=5\r\n")]);
        var s = ConduitSettings.Load(path, Host);
        Assert.Equal(200, s.MaxClients);
        ConduitSettings.SetValue(path, "BANDWIDTH", "7", null, Host);
        Assert.Equal([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("# win\r\nMAX_CLIENTS=200\r\nBANDWIDTH=7\r\n")], File.ReadAllBytes(path));
    }

    [Fact]
    public void SingleQuotesAreLiteralAndNeverExecuted()
    {
        using var root = new TempRoot();
        var marker = root.Combine("pwned");
        var s = ConduitSettings.FromFile(Parse($"GEOIP_DB='$(touch {marker})'\n"), Host);
        Assert.Equal($"$(touch {marker})", s["GEOIP_DB"]);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void ExportPrefixAndInlineCommentsAreUnderstood()
    {
        var s = ConduitSettings.FromFile(Parse("export MAX_CLIENTS=120 # fewer\n  BANDWIDTH=\"2.5\"\t# comment\n"), Host);
        Assert.Equal(120, s.MaxClients);
        Assert.Equal(2.5, s.Bandwidth);
    }

    [Fact]
    public void AnInvalidSetChangesNothing()
    {
        using var root = new TempRoot();
        var path = root.Write("settings.conf", V1File + "\n");
        var before = File.ReadAllBytes(path);
        Assert.Throws<UsageException>(() => ConduitSettings.SetValue(path, "MAX_CLIENTS", "1001", null, Host));
        Assert.Throws<UsageException>(() => ConduitSettings.SetValue(path, "NO_SUCH_KEY", "1", null, Host));
        Assert.Throws<UsageException>(() => ConduitSettings.SetValue(path, "NETWORK_MODE", "bridge", 2, Host));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(root.Path)); // no temp files left behind
    }

    [Fact]
    public void ABrokenFileIsNotRewritten()
    {
        using var root = new TempRoot();
        var path = root.Write("settings.conf", "MAX_CLIENTS=200\nBANDWIDTH=99\n");
        var e = Assert.Throws<UsageException>(() => ConduitSettings.SetValue(path, "MAX_CLIENTS", "300", null, Host));
        Assert.StartsWith($"{path}:2: BANDWIDTH=99", e.Message);
        Assert.Equal("MAX_CLIENTS=200\nBANDWIDTH=99\n", File.ReadAllText(path));
    }
}
