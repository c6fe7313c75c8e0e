using System.Security.Cryptography;
using System.Text.Json;
using Conduit.Tests.Cluster;
using Conduit.Tests.Support;
using Docker.DotNet.Models;

namespace Conduit.Tests.Lifecycle;

/// <summary>
/// install / uninstall / update with the real binary against real Docker (stand-in image, unique instance per
/// test) and a temporary root for every host path (/etc, /usr/local/bin, /opt/conduit, a fake /proc/sys).
/// </summary>
public sealed class InstallTests
{
    static string ProcSys(DockerSandbox s)
    {
        var proc = s.Root.Combine("procsys");
        foreach (var (key, value) in new[] { ("net/core/somaxconn", "128"), ("net/core/rmem_max", "212992"), ("net/ipv4/tcp_fin_timeout", "60") })
        {
            var path = Path.Combine(proc, key);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, value + "\n");
        }
        return proc;
    }

    /// <summary>Every file and folder under the root with a hash of its content.</summary>
    static SortedDictionary<string, string> Snapshot(string root)
    {
        var all = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories))
            all[Path.GetRelativePath(root, entry)] = Directory.Exists(entry) ? "dir" : Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(entry)));
        return all;
    }

    static string[] Install(DockerSandbox s, string procSys, params string[] extra) =>
        [.. new[] { "install", "--yes", "--containers", "1", "--max-clients", "5", "--tune", "--proc-sys", procSys }, .. extra];

    static string ProxyId(DockerSandbox s)
    {
        var r = s.Conduit("id", "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        using var doc = JsonDocument.Parse(r.Stdout);
        var text = doc.RootElement.ToString();
        var m = System.Text.RegularExpressions.Regex.Match(text, "\"proxy_id\"\\s*:\\s*\"([^\"]+)\"");
        Assert.True(m.Success, text);
        return m.Groups[1].Value;
    }

    [Fact]
    public async Task Install_twice_changes_nothing_the_second_time_and_uninstall_restores_the_root_keeping_backups()
    {
        using var s = new DockerSandbox();
        var proc = ProcSys(s);
        var before = Snapshot(s.Root.Path);

        var first = s.Conduit(Install(s, proc));
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("nodes      " + s.Instance + " created", first.Stdout);
        Assert.True(File.Exists(s.Root.Combine("usr", "local", "bin", "conduit")));
        Assert.Equal("8192", File.ReadAllText(Path.Combine(proc, "net/core/somaxconn")).Trim());
        var id = ProxyId(s);
        var backups = Directory.GetFiles(s.Paths.BackupsDir);
        Assert.Single(backups);
        Assert.Contains(id, first.Stdout);

        var second = s.Conduit(Install(s, proc));
        Assert.True(second.ExitCode == 0, second.ToString());
        foreach (var step in new[] { "settings", "binary", "tune", "nodes", "keys", "services" })
            Assert.Matches($"(?m)^{step} +.*unchanged", second.Stdout);
        Assert.Contains("an earlier install", second.Stdout);
        Assert.Single(Directory.GetFiles(s.Paths.BackupsDir));

        var gone = s.Conduit("uninstall", "--yes", "--proc-sys", proc);
        Assert.True(gone.ExitCode == 0, gone.ToString());
        Assert.Null(s.Inspect(s.Instance));
        Assert.NotNull(s.Volume(s.Instance + "-data")); // the node key stays without --purge

        var expected = new SortedDictionary<string, string>(before, StringComparer.Ordinal);
        expected.Remove(Path.Combine("opt", "conduit", "settings.conf"));
        expected[Path.Combine("opt", "conduit", "backups")] = "dir";
        var backup = Path.Combine("opt", "conduit", "backups", Path.GetFileName(backups[0]));
        expected[backup] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(s.Root.Combine(backup.Split('/')))));
        Assert.Equal(expected, Snapshot(s.Root.Path)); // kernel values restored, unit/cron/sysctl files and binary gone
        await Task.CompletedTask;
    }

    [Fact]
    public void Uninstall_purge_removes_volumes_and_backups_too()
    {
        using var s = new DockerSandbox();
        var proc = ProcSys(s);
        var before = Snapshot(s.Root.Path);
        var first = s.Conduit(Install(s, proc));
        Assert.True(first.ExitCode == 0, first.ToString());

        var gone = s.Conduit("uninstall", "--purge", "--yes", "--proc-sys", proc);
        Assert.True(gone.ExitCode == 0, gone.ToString());
        Assert.Null(s.Inspect(s.Instance));
        Assert.Null(s.Volume(s.Instance + "-data"));
        var expected = new SortedDictionary<string, string>(before, StringComparer.Ordinal);
        expected.Remove(Path.Combine("opt", "conduit", "settings.conf"));
        expected.Remove(Path.Combine("opt", "conduit"));
        Assert.Equal(expected, Snapshot(s.Root.Path));
    }

    [Fact]
    public async Task An_interrupted_install_is_completed_by_the_next_run()
    {
        using var s = new DockerSandbox();
        // A container with the node's name that conduit did not create: the nodes step must fail.
        var foreign = await s.Docker.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Name = s.Instance,
            Image = DockerSandbox.StandinImage,
        });

        var failed = s.Conduit(Install(s, ProcSys(s)));
        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("not created by conduit", failed.Stderr);
        using (var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(s.Paths.StateDir, "install.json"))))
        {
            Assert.False(state.RootElement.GetProperty("complete").GetBoolean());
            Assert.Equal(["settings", "binary", "tune"], state.RootElement.GetProperty("steps").EnumerateArray().Select(e => e.GetString()!).ToArray());
        }

        await s.Docker.Containers.RemoveContainerAsync(foreign.ID, new ContainerRemoveParameters { Force = true });
        var again = s.Conduit(Install(s, ProcSys(s)));
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("an unfinished install (done: settings, binary, tune): completing it", again.Stdout);
        Assert.Contains("settings   unchanged", again.Stdout);
        using var done = JsonDocument.Parse(File.ReadAllText(Path.Combine(s.Paths.StateDir, "install.json")));
        Assert.True(done.RootElement.GetProperty("complete").GetBoolean());
        Assert.True(s.Inspect(s.Instance)?.State?.Running);
    }

    [Fact]
    public void On_a_terminal_install_asks_its_questions_and_installs_what_was_answered()
    {
        using var s = new DockerSandbox();
        var proc = ProcSys(s);
        var env = $"CONDUIT_SYSROOT='{s.Root.Path}' CONDUIT_HOME='{s.Paths.Home}'";
        // First run: every question answered, then "no" at the last one: nothing is installed.
        using (var tmux = new TmuxSession($"env -u DOCKER_HOST {env} '{ConduitProcess.Binary}' install --proc-sys '{proc}'; echo INSTALL-EXIT:$?; sleep 600"))
        {
            tmux.WaitFor("Node containers [");
            tmux.SendKeys("1", "Enter");
            tmux.WaitFor("Max clients per node [");
            tmux.SendKeys("5", "Enter");
            tmux.WaitFor("Mbps per client (-1 = unlimited) [");
            tmux.SendKeys("Enter"); // the default
            tmux.WaitFor("Networking (host or bridge) [");
            tmux.SendKeys("host", "Enter");
            tmux.WaitFor("Tune the kernel for many connections? [y/N]");
            tmux.SendKeys("y", "Enter");
            tmux.WaitFor("Install 1 node(s) now? [y/N]");
            tmux.SendKeys("n", "Enter");
            Assert.Contains("INSTALL-EXIT:2", tmux.WaitFor("INSTALL-EXIT:"));
            Assert.Contains("install cancelled", tmux.Screen());
        }
        Assert.False(File.Exists(Path.Combine(s.Paths.StateDir, "install.json")));
        Assert.Null(s.Inspect(s.Instance));

        // Second run: the answers are installed.
        using (var tmux = new TmuxSession($"env -u DOCKER_HOST {env} '{ConduitProcess.Binary}' install --proc-sys '{proc}' --max-clients 7; echo INSTALL-EXIT:$?; sleep 600"))
        {
            tmux.WaitFor("Node containers [");
            tmux.SendKeys("1", "Enter");
            tmux.WaitFor("Mbps per client (-1 = unlimited) [");
            Assert.DoesNotContain("Max clients per node", tmux.Screen()); // given as a flag: not asked
            tmux.SendKeys("3", "Enter");
            tmux.WaitFor("Networking (host or bridge) [");
            tmux.SendKeys("Enter");
            tmux.WaitFor("Tune the kernel for many connections? [y/N]");
            tmux.SendKeys("n", "Enter");
            tmux.WaitFor("Install 1 node(s) now? [y/N]");
            tmux.SendKeys("y", "Enter");
            var screen = tmux.WaitFor("INSTALL-EXIT:", seconds: 120);
            Assert.True(screen.Contains("INSTALL-EXIT:0"), screen);
        }
        var settings = s.Settings();
        Assert.Equal(1, settings.ContainerCount);
        Assert.Equal(7, settings.MaxClients);
        Assert.Equal("3", settings["BANDWIDTH"]);
        Assert.Equal("host", settings.NetworkMode);
        Assert.NotNull(s.Inspect(s.Instance));
        Assert.Equal("128\n", File.ReadAllText(Path.Combine(proc, "net/core/somaxconn"))); // tuning declined: untouched
    }

    [Fact]
    public void Install_refuses_next_to_the_old_bash_manager_and_without_yes_off_a_terminal()
    {
        using var s = new DockerSandbox();
        var noYes = s.Conduit("install", "--containers", "1");
        Assert.Equal(2, noYes.ExitCode);
        Assert.Contains("pass --yes", noYes.Stderr);

        var badNetwork = s.Conduit("install", "--yes", "--network", "nat");
        Assert.Equal(2, badNetwork.ExitCode);
        Assert.Contains("--network must be host or bridge", badNetwork.Stderr);

        File.WriteAllText(Path.Combine(s.Paths.Home, "conduit"), "#!/bin/bash\necho old manager\n");
        var legacy = s.Conduit(Install(s, ProcSys(s)));
        Assert.Equal(1, legacy.ExitCode);
        Assert.Contains("old bash manager", legacy.Stderr);
        Assert.False(File.Exists(Path.Combine(s.Paths.StateDir, "install.json"))); // nothing written
        Assert.Null(s.Inspect(s.Instance));
    }

    [Fact]
    public async Task Update_moves_nodes_to_the_new_image_one_at_a_time_keeping_proxy_ids()
    {
        using var s = new DockerSandbox();
        var tag = $"{s.Instance}-node";
        await s.Docker.Images.TagImageAsync("conduit-standin:test", new ImageTagParameters { RepositoryName = tag, Tag = "v" });
        var install = s.Conduit("install", "--yes", "--containers", "2", "--image", tag + ":v");
        Assert.True(install.ExitCode == 0, install.ToString());
        var ids = s.Conduit("id", "--json").Stdout;

        var unchanged = s.Conduit("update", "--no-pull");
        Assert.True(unchanged.ExitCode == 0, unchanged.ToString());
        Assert.Contains("unchanged", unchanged.Stdout);

        // The tag moves to the next image version (what a pull of a new release does).
        await s.Docker.Images.TagImageAsync("conduit-standin:test2", new ImageTagParameters { RepositoryName = tag, Tag = "v" });
        var update = s.Conduit("update", "--no-pull");
        Assert.True(update.ExitCode == 0, update.ToString());
        var lines = update.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Count(l => l.Contains(" recreated on ")));
        Assert.True(update.Stdout.IndexOf(s.Instance + " ", StringComparison.Ordinal) < update.Stdout.IndexOf(s.Instance + "-2 ", StringComparison.Ordinal));
        var want = (await s.Engine.TryInspectImageAsync("conduit-standin:test2", default))!.ID;
        Assert.Equal(want, s.Inspect(s.Instance)!.Image);
        Assert.Equal(want, s.Inspect(s.Instance + "-2")!.Image);
        Assert.Equal(ids, s.Conduit("id", "--json").Stdout);
    }
}
