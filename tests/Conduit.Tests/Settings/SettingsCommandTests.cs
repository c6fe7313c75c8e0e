using Conduit.Tests.Support;

namespace Conduit.Tests.Settings;

/// <summary>The settings commands as a user runs them: real process, temp root.</summary>
public class SettingsCommandTests
{
    [Fact]
    public void ShowJsonGivesTypedDefaultsOnAFreshRoot()
    {
        using var root = new TempRoot();
        var r = ConduitProcess.RunIn(root, "settings", "show", "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("\"CONTAINER_COUNT\": 8", r.Stdout);
        Assert.Contains("\"CONTAINER_MEM_LIMIT\": \"384m\"", r.Stdout);
        Assert.Contains("\"NETWORK_MODE\": \"host\"", r.Stdout);
        Assert.Contains("\"TELEGRAM_ENABLED\": false", r.Stdout);
        Assert.False(File.Exists(root.Combine("opt", "conduit", "settings.conf")));
    }

    [Fact]
    public void SetWritesUnderTheHomeAndMasksTheBotToken()
    {
        using var root = new TempRoot();
        var set = ConduitProcess.RunIn(root, "settings", "set", "TELEGRAM_BOT_TOKEN", "123456:AAsecretTOKEN");
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.DoesNotContain("AAsecretTOKEN", set.Stdout + set.Stderr);
        var show = ConduitProcess.RunIn(root, "settings", "show");
        Assert.Contains("123456:***", show.Stdout);
        Assert.DoesNotContain("AAsecretTOKEN", show.Stdout + show.Stderr);
        Assert.Contains("TELEGRAM_BOT_TOKEN=123456:AAsecretTOKEN", File.ReadAllText(root.Combine("opt", "conduit", "settings.conf")));
    }

    [Fact]
    public void BadValueExitsTwoWithOneLine()
    {
        using var root = new TempRoot();
        var r = ConduitProcess.RunIn(root, "settings", "set", "MAX_CLIENTS", "5000");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("conduit: MAX_CLIENTS=5000: must be a whole number from 0 to 1000\n", r.Stderr);
        Assert.False(File.Exists(root.Combine("opt", "conduit", "settings.conf")));
    }

    [Theory]
    [InlineData("/dev/zero", "is a character device")]
    [InlineData("fifo", "is a FIFO")]
    [InlineData("dir", "is a directory")]
    public void ASettingsPathThatIsNotAFileIsOneLineAndIsNotRead(string target, string kind)
    {
        // A link to /dev/zero was read until memory ran out, a FIFO hung, a directory was "not created yet".
        using var root = new TempRoot();
        var path = root.Combine("opt", "conduit", "settings.conf");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string shown = path;
        if (target == "fifo") Assert.Equal(0, Mkfifo(path, 0x180));
        else if (target == "dir") Directory.CreateDirectory(path);
        else { File.CreateSymbolicLink(path, target); shown = $"{path} -> {target}"; }
        foreach (var args in new[] { new[] { "settings", "show" }, ["settings", "set", "MAX_CLIENTS", "20"] })
        {
            var r = ConduitProcess.Run([.. args], new Dictionary<string, string?> { ["CONDUIT_HOME"] = root.Combine("opt", "conduit"), ["CONDUIT_SYSROOT"] = root.Path }, timeout: TimeSpan.FromSeconds(20));
            Assert.True(r.ExitCode == 2, r.ToString());
            Assert.Equal($"conduit: {shown}: {kind}, not a regular file; settings.conf must be a file\n", r.Stderr);
        }
        Assert.Equal(target == "dir", Directory.Exists(path));
    }

    [Fact]
    public void SetWritesThroughASymlinkedSettingsFile()
    {
        using var root = new TempRoot();
        var real = root.Write("repo/conduit.conf", "# kept in git\nMAX_CLIENTS=10\n");
        var path = root.Combine("opt", "conduit", "settings.conf");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.CreateSymbolicLink(path, real);
        var r = ConduitProcess.RunIn(root, "settings", "set", "MAX_CLIENTS", "20");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(real, new FileInfo(path).LinkTarget);
        Assert.Equal("# kept in git\nMAX_CLIENTS=20\n", File.ReadAllText(real));
    }

    [Fact]
    public void ASettingsFileLinkedToAPasswordFileShowsNoneOfIt()
    {
        using var root = new TempRoot();
        var shadow = root.Write("etc/shadow", "root:$y$j9T$Qx5Ecd8Z0b7d$Yw2HsecretHASH:19000:0:99999:7:::\n\u001b]2;pwned\u0007\n");
        var path = root.Combine("opt", "conduit", "settings.conf");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.CreateSymbolicLink(path, shadow);
        foreach (var args in new[] { new[] { "settings", "show" }, ["settings", "set", "MAX_CLIENTS", "20"] })
        {
            var r = ConduitProcess.RunIn(root, args);
            Assert.Equal(2, r.ExitCode);
            Assert.Equal($"conduit: {path}:1: expected KEY=value, found \"root...\"\n", r.Stderr);
            Assert.Equal("", r.Stdout);
        }
        Assert.Contains("secretHASH", File.ReadAllText(shadow));
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    static extern int Mkfifo(string path, uint mode);

    [Fact]
    public void BrokenFileMakesShowExitTwoNamingFileAndLine()
    {
        using var root = new TempRoot();
        var path = root.Write("opt/conduit/settings.conf", "MAX_CLIENTS=200\nCONTAINER_COUNT=$(reboot)\n");
        var r = ConduitProcess.RunIn(root, "settings", "show");
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith($"conduit: {path}:2: CONTAINER_COUNT: shell expansion", r.Stderr);
    }

    [Fact]
    public void HomeOptionWinsOverTheEnvironment()
    {
        using var root = new TempRoot();
        var other = root.Combine("elsewhere");
        var r = ConduitProcess.RunIn(root, "settings", "path", "--home", other);
        Assert.Equal(Path.Combine(other, "settings.conf") + "\n", r.Stdout);
    }
}
