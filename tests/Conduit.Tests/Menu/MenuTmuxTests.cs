#nullable disable warnings
using Conduit.Tests.Cluster;
using Conduit.Tests.Support;

namespace Conduit.Tests.Menu;

/// <summary>The real binary's menu on a real terminal (tmux), against stand-in nodes in a Docker sandbox.</summary>
public class MenuTmuxTests
{
    const string Main = "[9] Manage containers";

    /// <summary>Runs the menu in tmux; after it ends the shell prints its exit code and the terminal's modes.</summary>
    static TmuxSession Open(DockerSandbox box, string args = "menu", int width = 100, int height = 32) =>
        new($"env -u DOCKER_HOST -u NO_COLOR CONDUIT_HOME='{box.Paths.Home}' CONDUIT_SYSROOT='{box.Root.Path}' '{ConduitProcess.Binary}' {args}; " +
            "echo MENU-EXIT:$?; echo MODES: $(stty -a | tr ' ;' '\\n\\n' | grep -xE -- '-?(icanon|echo|isig|icrnl|ixon)'); sleep 600", width, height);

    static void AssertRestored(TmuxSession tmux, string exit)
    {
        var after = tmux.WaitFor("MODES:");
        Assert.Contains($"MENU-EXIT:{exit}", after);
        var modes = after[(after.IndexOf("MODES:", StringComparison.Ordinal) + 6)..].Split('\n')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["icrnl", "ixon", "isig", "icanon", "echo"], modes);
        // Normal screen, cursor shown, cursor keys and keypad back in normal mode.
        Assert.Equal("0 1 0 0", tmux.Display("#{alternate_on} #{cursor_flag} #{keypad_cursor_flag} #{keypad_flag}"));
    }

    [Fact]
    public void Keys_reach_every_screen_esc_and_0_go_back_and_q_quits_with_the_terminal_restored()
    {
        using var box = new DockerSandbox();
        using var tmux = Open(box, args: ""); // plain `conduit` on a terminal opens the menu
        var screen = tmux.WaitFor(Main);
        Assert.Contains("main menu", screen);
        Assert.Contains("Containers: 0/0 running", screen);
        Assert.Contains("[1] Status dashboard", screen);
        Assert.Equal("1 0", tmux.Display("#{alternate_on} #{cursor_flag}"));

        tmux.SendKeys("i");
        tmux.WaitFor("[5] Privacy and security");
        tmux.SendKeys("3");
        tmux.WaitFor("do not add capacity linearly");
        tmux.SendKeys("x"); // any key: back to the list
        tmux.WaitFor("[5] Privacy and security");
        tmux.SendKeys("5");
        tmux.WaitFor("PRIVATE KEY");
        tmux.SendKeys("Enter");
        tmux.WaitFor("[5] Privacy and security");
        tmux.SendKeys("Escape");
        tmux.WaitFor(Main);

        tmux.SendKeys("s");
        tmux.WaitFor("[6] Node image");
        tmux.SendKeys("0");
        tmux.WaitFor(Main);
        tmux.SendKeys("9");
        tmux.WaitFor("no containers: [a] adds some");
        tmux.SendKeys("Escape");
        tmux.WaitFor(Main);

        // Arrows and Enter: the selection stayed on "Manage containers"; two down is "Info & help".
        tmux.SendKeys("Down", "Down", "Enter");
        tmux.WaitFor("[1] How the tracker works");
        tmux.SendKeys("Down", "Enter");
        tmux.WaitFor("Understanding the stats");
        tmux.SendKeys("q"); // q quits from anywhere
        AssertRestored(tmux, "0");
    }

    [Fact]
    public async Task Containers_are_added_and_the_last_removed_keeping_its_volume()
    {
        using var box = new DockerSandbox();
        using var tmux = Open(box);
        tmux.WaitFor(Main);
        tmux.SendKeys("9");
        tmux.WaitFor("no containers");
        tmux.SendKeys("a");
        tmux.WaitFor("How many to add?");
        tmux.SendKeys("2", "Enter");
        tmux.WaitFor("Scale 0 -> 2? [Y/n]");
        tmux.SendKeys("Enter");
        var screen = tmux.WaitFor("press any key");
        Assert.Contains($"{box.Names.Container(1)}", screen);
        Assert.Contains("created", screen);
        Assert.True(box.Inspect(box.Names.Container(1)).State.Running);
        Assert.True(box.Inspect(box.Names.Container(2)).State.Running);
        tmux.SendKeys("x");
        screen = tmux.WaitFor("2/2 running");
        Assert.Contains(box.Names.Container(2), screen);

        tmux.SendKeys("r");
        tmux.WaitFor("How many of the last ones to remove (1-2)?");
        tmux.SendKeys("1", "Enter");
        tmux.WaitFor("Keep their volumes (and keys)? [Y/n]");
        tmux.SendKeys("Enter"); // the default keeps them
        screen = tmux.WaitFor("press any key");
        Assert.Contains("removed", screen);
        Assert.Null(box.Inspect(box.Names.Container(2)));
        Assert.NotNull(box.Volume(box.Names.Volume(2)));
        Assert.True(box.Inspect(box.Names.Container(1)).State.Running);
        Assert.Contains("CONTAINER_COUNT=1", File.ReadAllText(box.Paths.SettingsFile));
        tmux.SendKeys("x");
        tmux.WaitFor("1/1 running");
        tmux.SendKeys("q");
        AssertRestored(tmux, "0");
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Max_clients_of_one_container_is_validated_like_settings_set_saved_and_recreates_only_it()
    {
        using var box = new DockerSandbox();
        Assert.False((await box.Ops().ScaleAsync(2, false, Conduit.Settings.HostFacts.Current(), default)).Failed);
        var before = new[] { box.Inspect(box.Names.Container(1)).ID, box.Inspect(box.Names.Container(2)).ID };
        var cli = box.Conduit("settings", "set", "MAX_CLIENTS", "5000", "--container", "1");
        Assert.Equal(2, cli.ExitCode);
        var message = cli.Stderr.Trim().Replace("conduit: ", "");

        using var tmux = Open(box);
        tmux.WaitFor(Main);
        tmux.SendKeys("s");
        tmux.WaitFor("[1] Max clients");
        tmux.SendKeys("1");
        tmux.WaitFor("All containers, or one?");
        tmux.SendKeys("1", "Enter");
        tmux.WaitFor("MAX_CLIENTS for container 1 is now 250 (the global value)");
        tmux.SendKeys("5000", "Enter");
        var screen = tmux.WaitFor("try again");
        Assert.Contains(message, screen); // the CLI's own words
        Assert.DoesNotContain("MAX_CLIENTS_1", File.ReadAllText(box.Paths.SettingsFile));
        tmux.SendKeys("77", "Enter");
        screen = tmux.WaitFor("Save and recreate them now?");
        Assert.Contains("MAX_CLIENTS for container 1: 250 (the global value) -> 77", screen);
        Assert.Contains($"Must be recreated: {box.Names.Container(1)} (the others keep running)", screen);
        tmux.SendKeys("y");
        screen = tmux.WaitFor("press any key");
        Assert.Contains("recreated", screen);

        Assert.Contains("MAX_CLIENTS_1=77", File.ReadAllText(box.Paths.SettingsFile));
        var c1 = box.Inspect(box.Names.Container(1));
        Assert.NotEqual(before[0], c1.ID);
        Assert.Equal("77", c1.Config.Cmd[c1.Config.Cmd.IndexOf("--max-common-clients") + 1]);
        Assert.True(c1.State.Running);
        Assert.Equal(before[1], box.Inspect(box.Names.Container(2)).ID);

        tmux.SendKeys("x");
        tmux.WaitFor("MAX_CLIENTS_1=77"); // the settings page lists the override
        tmux.SendKeys("q");
        AssertRestored(tmux, "0");
    }

    [Fact]
    public async Task A_key_restored_from_the_menu_goes_through_the_restore_operation_and_keeps_the_old_key()
    {
        using var box = new DockerSandbox();
        Assert.False((await box.Ops().ScaleAsync(1, false, Conduit.Settings.HostFacts.Current(), default)).Failed);
        var ops = box.Ops();
        byte[] original = null;
        await DockerSandbox.WaitUntil(async () => (original = (await ops.Data.ReadKeyAsync(1, default)).Content) is not null, "node 1 to write its key");
        var key = Conduit.Identity.NodeKey.FromBase64(Conduit.Tests.Identity.TestKeys.PrivateKeyBase64, "test");
        var backup = Conduit.Identity.KeyBackups.Write(box.Paths.BackupsDir, box.Names.Container(1), Conduit.Identity.BackupKind.Backup, key.ToFileBytes(), DateTime.UtcNow);

        using var tmux = Open(box);
        tmux.WaitFor(Main);
        tmux.SendKeys("9");
        tmux.WaitFor("[c] Choose a container");
        tmux.SendKeys("c");
        tmux.WaitFor("Container number (1-1):");
        tmux.SendKeys("1", "Enter");
        tmux.WaitFor("[8] Restore a key from a backup");
        tmux.SendKeys("8");
        var screen = tmux.WaitFor("Which backup (1-1)?");
        Assert.Contains($"{backup.FileName}  proxy ID {Conduit.Tests.Identity.TestKeys.ProxyId}", screen);
        tmux.SendKeys("1", "Enter");
        screen = tmux.WaitFor("start it again? [y/N]");
        Assert.Equal(original, (await ops.Data.ReadKeyAsync(1, default)).Content); // asked first, nothing changed yet
        tmux.SendKeys("y");
        screen = tmux.WaitFor("press any key");
        Assert.Contains("installed, node started", screen.Replace("\n", "")); // the long line wraps at the pane's width
        Assert.Contains("previous key kept in", screen);
        var kept = Assert.Single(Conduit.Identity.KeyBackups.List(box.Paths.BackupsDir), b => b.Kind == Conduit.Identity.BackupKind.PreRestore);
        Assert.Equal(original, File.ReadAllBytes(kept.Path));
        Assert.Equal(key.ToFileBytes(), (await ops.Data.ReadKeyAsync(1, default)).Content);
        tmux.SendKeys("x");
        tmux.WaitFor("[8] Restore a key from a backup");
        tmux.SendKeys("q");
        AssertRestored(tmux, "0");
    }

    [Fact]
    public async Task A_live_view_returns_on_any_key_and_ctrl_c_leaves_the_terminal_sane()
    {
        using var box = new DockerSandbox();
        Assert.False((await box.Ops().ScaleAsync(1, false, Conduit.Settings.HostFacts.Current(), default)).Failed);
        using var tmux = Open(box, width: 120, height: 40);
        tmux.WaitFor("1/1 running");
        tmux.SendKeys("1");
        tmux.WaitFor("ACTIVE CLIENTS");
        tmux.SendKeys("x");
        tmux.WaitFor(Main);
        // Back in the menu's mode: its alternate screen, no cursor, keypad in normal mode.
        Assert.Equal("1 0 0 0", tmux.Display("#{alternate_on} #{cursor_flag} #{keypad_cursor_flag} #{keypad_flag}"));
        // Arrow keys still move the selection after the view's console input was used.
        tmux.SendKeys("Down", "Down", "Down", "Enter");
        tmux.WaitFor("LIVE PEERS");
        tmux.SendKeys("Enter");
        tmux.WaitFor(Main);

        tmux.SendKeys("4");
        tmux.WaitFor("LIVE PEERS");
        tmux.SendKeys("C-c"); // Ctrl+C inside a live view ends the menu
        AssertRestored(tmux, "130");
    }

    [Fact]
    public void Ctrl_c_at_a_prompt_leaves_the_terminal_sane_and_nothing_written()
    {
        using var box = new DockerSandbox();
        var settings = File.ReadAllText(box.Paths.SettingsFile);
        using var tmux = Open(box);
        tmux.WaitFor(Main);
        tmux.SendKeys("s", "2");
        tmux.WaitFor("New value");
        tmux.SendKeys("7");
        tmux.SendKeys("C-c");
        AssertRestored(tmux, "130");
        Assert.Equal(settings, File.ReadAllText(box.Paths.SettingsFile));
    }
}
