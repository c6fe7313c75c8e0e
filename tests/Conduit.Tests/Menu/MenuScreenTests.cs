using System.Runtime.CompilerServices;
using Conduit.Menu;
using Conduit.Settings;
using Conduit.Tests.Support;
using Conduit.Tests.Ui;

namespace Conduit.Tests.Menu;

/// <summary>
/// Every static screen of the menu rendered from fixed settings and a fixed snapshot at 80x24 and 120x40, compared
/// with expected/*.txt. UPDATE_SNAPSHOTS=1 rewrites the expected files after an intended change (review the diff).
/// </summary>
public class MenuScreenTests
{
    static ConduitSettings FixedSettings() => ConduitSettings.FromFile(
        SettingsFile.Parse("/opt/conduit/settings.conf", "CONTAINER_COUNT=3\nMAX_CLIENTS=250\nBANDWIDTH=5\nMAX_CLIENTS_2=400\nCONTAINER_CPUS_3=1.5\n"u8),
        new HostFacts(4, 8L << 30));

    public static TheoryData<string, int, int> Cases()
    {
        var data = new TheoryData<string, int, int>();
        var screens = new List<string> { "main", "main-docker-down", "containers", "containers-empty", "container", "container-settings", "settings", "tuning", "info" };
        screens.AddRange(InfoPages.All.Select(p => $"info-{p.Key}"));
        foreach (var s in screens)
        {
            data.Add(s, 80, 24);
            data.Add(s, 120, 40);
        }
        return data;
    }

    static string Render(string screen, int width, int height)
    {
        var settings = FixedSettings();
        MenuPage page = screen switch
        {
            "main" => Pages.MainMenu("1.2.3", settings, new ClusterLine(2, 3)),
            "main-docker-down" => Pages.MainMenu("1.2.3", settings, new ClusterLine(0, 0, "cannot reach Docker at unix:///var/run/docker.sock (is dockerd running?)")),
            "containers" => Pages.Containers(SnapshotFixtures.Busy()),
            "containers-empty" => Pages.Containers(SnapshotFixtures.Busy() with { Containers = [], Totals = Conduit.NodeStats.ClusterTotals.Of([]) }),
            "container" => Pages.Container(2, "conduit-2", SnapshotFixtures.Busy().Containers[1], settings.ForContainer(2)),
            "container-settings" => Pages.ContainerSettings(2, settings),
            "settings" => Pages.Settings(settings),
            "tuning" => Pages.Tuning(),
            "info" => Pages.Info(),
            _ => null!,
        };
        if (page is not null) return page.Render(width, height, selected: 0, color: false);
        var info = InfoPages.All.Single(p => $"info-{p.Key}" == screen);
        return MenuPage.RenderText(info.Title, MenuPage.Wrap(info.Text, Math.Min(width, 100) - 1), width, height, 0, false, "any key returns · q quits");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Screen_matches_expected_text_and_fits(string screen, int width, int height)
    {
        var text = Render(screen, width, height);
        var expectedPath = ExpectedPath($"{screen}-{width}x{height}.txt");
        if (Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1")
            File.WriteAllText(expectedPath, text);
        Assert.True(File.Exists(expectedPath), $"missing {expectedPath}; run with UPDATE_SNAPSHOTS=1 and review it");
        Assert.Equal(File.ReadAllText(expectedPath), text);
        var lines = text.TrimEnd('\n').Split('\n');
        Assert.True(lines.Length <= height, $"{lines.Length} lines do not fit in {height}:\n{text}");
        foreach (var line in lines)
            Assert.True(line.Length <= width, $"line wider than {width}: {line}");
        Assert.DoesNotContain("\e", text);
    }

    [Fact]
    public void Info_pages_fit_80x24_without_scrolling()
    {
        foreach (var p in InfoPages.All)
            Assert.True(MenuPage.Wrap(p.Text, 79).Count <= 20, $"'{p.Title}' needs scrolling at 80x24");
    }

    [Fact]
    public void Colour_marks_keys_and_the_selection_only_when_asked()
    {
        var page = Pages.Info();
        var plain = page.Render(80, 24, 1, color: false);
        var colored = page.Render(80, 24, 1, color: true);
        Assert.DoesNotContain("\e", plain);
        Assert.Contains("> [2] Understanding the stats", plain);
        Assert.Contains("\e[7m> [2] Understanding the stats", colored);
        Assert.Contains("[\e[1;33m1\e[0m]", colored);
    }

    [Fact]
    public void Many_containers_still_leave_room_for_the_entries()
    {
        var busy = SnapshotFixtures.Busy();
        var many = Enumerable.Range(1, 40).Select(i => busy.Containers[0] with { Index = i, Name = $"conduit-{i}" }).ToList();
        var text = Pages.Containers(busy with { Containers = many }).Render(80, 24, 0, false);
        var lines = text.TrimEnd('\n').Split('\n');
        Assert.True(lines.Length <= 24, text);
        Assert.Contains("[0] Back", text);
        Assert.Contains("more lines", text);
    }

    [Fact]
    public void Without_a_terminal_menu_exits_2_and_plain_conduit_prints_help()
    {
        using var root = new TempRoot();
        var menu = ConduitProcess.RunIn(root, "menu");
        Assert.True(menu.ExitCode == 2, menu.ToString());
        Assert.Equal("conduit: the menu needs a terminal\n", menu.Stderr);
        var plain = ConduitProcess.RunIn(root);
        Assert.True(plain.ExitCode == 0, plain.ToString());
        Assert.Contains("menu", plain.Stdout);
        Assert.Contains("Usage:", plain.Stdout);
    }

    static string ExpectedPath(string name, [CallerFilePath] string source = "") =>
        Path.Combine(Path.GetDirectoryName(source)!, "expected", name);
}
