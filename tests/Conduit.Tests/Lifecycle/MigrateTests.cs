using System.Text.RegularExpressions;
using Conduit.Cluster;
using Conduit.Tests.Cluster;
using Docker.DotNet.Models;

namespace Conduit.Tests.Lifecycle;

/// <summary>migrate from a simulated bash-manager install: unlabeled containers on real Docker, bash settings, cron file, script.</summary>
public sealed class MigrateTests
{
    static async Task<string> OldContainerAsync(DockerSandbox s, string name, string volume)
    {
        await s.Docker.Volumes.CreateAsync(new VolumesCreateParameters { Name = volume });
        var c = await s.Docker.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Name = name,
            Image = DockerSandbox.StandinImage,
            Cmd = ["start", "--max-clients", "200", "--bandwidth", "5", "--stats-file"], // v1: data in the workdir volume
            HostConfig = new HostConfig { Binds = [$"{volume}:/home/conduit/data"], NetworkMode = "none" },
        });
        await s.Docker.Containers.StartContainerAsync(c.ID, new ContainerStartParameters());
        return c.ID;
    }

    [Fact]
    public async Task Migrate_keeps_proxy_ids_skips_shell_expansions_and_dry_run_changes_nothing()
    {
        using var s = new DockerSandbox();
        var ops = s.Ops(); // before the bash settings replace the sandbox's
        var oldSettings =
            "MAX_CLIENTS=200\nBANDWIDTH=5\nCONTAINER_COUNT=2\nTELEGRAM_BOT_TOKEN=\"123:abcSECRET\"\nDOCKER_CPUS=\nMAX_CLIENTS_2=400\n" +
            "TELEGRAM_SERVER_LABEL=\"$(hostname)\"\nVERSION=\"2.0\"\nUPDATE_CHANNEL=stable\n" +
            $"CONDUIT_IMAGE={DockerSandbox.StandinImage}\nMETRICS_PORT_BASE={s.MetricsPortBase}\n";
        File.WriteAllText(s.Paths.SettingsFile, oldSettings);
        Directory.CreateDirectory(s.Paths.TrafficStatsDir);
        File.WriteAllText(Path.Combine(s.Paths.TrafficStatsDir, "cumulative_data"), "Iran - #FreeIran|5000|700\nGermany|100|20\n");
        File.WriteAllText(Path.Combine(s.Paths.TrafficStatsDir, "cumulative_ips"), "Iran - #FreeIran|5.160.0.1\nIran - #FreeIran|5.160.0.2\nGermany|5.9.0.1\n");
        File.WriteAllText(Path.Combine(s.Paths.Home, "conduit"), "#!/bin/bash\necho old manager\n");
        var cron = s.Root.Combine("etc", "cron.d", "conduit-health");
        Directory.CreateDirectory(Path.GetDirectoryName(cron)!);
        File.WriteAllText(cron, "*/5 * * * * root /opt/conduit/health-check.sh\n");
        // The old tool's boot unit runs it through its /usr/local/bin link; a unit that only names a longer path is not its.
        var unit = s.Root.Combine("etc", "systemd", "system", "conduit.service");
        Directory.CreateDirectory(Path.GetDirectoryName(unit)!);
        File.WriteAllText(unit, "[Unit]\nDescription=Psiphon Conduit Service\n[Service]\nType=oneshot\nExecStart=/usr/local/bin/conduit start\n");
        var notOld = s.Root.Combine("etc", "systemd", "system", "conduit-exporter.service");
        File.WriteAllText(notOld, "[Service]\nExecStart=/usr/local/bin/conduit-exporter --port 9100\n");
        await OldContainerAsync(s, s.Instance, s.Instance + "-data");
        await OldContainerAsync(s, s.Instance + "-2", s.Instance + "-data-2");
        await DockerSandbox.WaitUntil(async () => (await ops.Data.ReadKeyAsync(1, default)).Exists && (await ops.Data.ReadKeyAsync(2, default)).Exists, "the old nodes' keys");

        var dry = s.Conduit("migrate", "--dry-run", "--name", s.Instance);
        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.Contains("TELEGRAM_SERVER_LABEL: shell expansion", dry.Stdout);
        Assert.Contains("UPDATE_CHANNEL: not a conduit setting", dry.Stdout);
        Assert.Contains(cron, dry.Stdout);
        Assert.Contains($"replace    {unit}", dry.Stdout);
        Assert.DoesNotContain(notOld, dry.Stdout);
        Assert.Contains("CONTAINER_CPU_LIMIT=none", dry.Stdout); // empty DOCKER_CPUS= meant no limit to the old tool
        Assert.DoesNotContain("abcSECRET", dry.Stdout + dry.Stderr);
        var ids = Regex.Matches(dry.Stdout, @"proxy ID +\S+: (\S+)").Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(2, ids.Length);
        Assert.Equal(oldSettings, File.ReadAllText(s.Paths.SettingsFile));
        Assert.True(File.Exists(cron));
        Assert.False(s.Names.Owns(s.Inspect(s.Instance)?.Config?.Labels));
        Assert.False(Directory.Exists(s.Paths.BackupsDir));

        var run = s.Conduit("migrate", "--name", s.Instance);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain("abcSECRET", run.Stdout + run.Stderr);
        Assert.DoesNotContain("CHANGED", run.Stdout);
        foreach (var id in ids) Assert.Contains($"{id} -> {id}", run.Stdout);
        foreach (var name in new[] { s.Instance, s.Instance + "-2" })
        {
            var c = s.Inspect(name)!;
            Assert.True(s.Names.Owns(c.Config?.Labels), name);
            Assert.True(c.State?.Running == true, name);
            Assert.Single(Directory.GetFiles(s.Paths.BackupsDir, name + "_key_*.json"));
        }
        var settings = s.Settings();
        Assert.Equal(200, settings.MaxClients);
        Assert.Equal(400, settings.ForContainer(2).MaxClients);
        Assert.Null(settings.ForContainer(1).Cpus);
        Assert.Equal(0, s.Inspect(s.Instance)!.HostConfig!.NanoCPUs);
        Assert.NotEqual(0, s.Inspect(s.Instance)!.HostConfig!.Memory); // DOCKER_MEMORY was not set: our default
        Assert.False(File.Exists(unit));
        Assert.True(File.Exists(notOld));
        Assert.False(settings.IsSet("TELEGRAM_SERVER_LABEL"));
        Assert.Equal("123:abcSECRET", settings["TELEGRAM_BOT_TOKEN"]);
        Assert.False(File.Exists(cron));
        Assert.False(File.Exists(Path.Combine(s.Paths.Home, "conduit")));
        Assert.Single(Directory.GetFiles(s.Paths.BackupsDir, "settings.conf.bash.*"));
        // The old tracker totals are in our tracker's state, and the old files moved aside (never imported twice).
        var state = File.ReadAllText(Path.Combine(s.Paths.TrafficStatsDir, "tracker.json"));
        Assert.Matches("\"code\": \"IR\",[^}]*\"bytes_in\": 5000,[^}]*\"bytes_out\": 700", state);
        Assert.Matches("\"code\": \"DE\",[^}]*\"bytes_in\": 100,[^}]*\"bytes_out\": 20", state);
        Assert.False(File.Exists(Path.Combine(s.Paths.TrafficStatsDir, "cumulative_data")));

        var ours = s.Conduit("id", "--json");
        foreach (var id in ids) Assert.Contains(id, ours.Stdout);
        var again = s.Conduit("migrate", "--name", s.Instance);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("nothing to migrate", again.Stdout);
    }

    /// <summary>Two old nodes running, their keys readable, and the old tool's settings naming <paramref name="image"/>.</summary>
    static async Task<(string Settings, string[] Ids)> OldInstallAsync(DockerSandbox s, string image)
    {
        var ops = s.Ops();
        var settings = $"CONTAINER_COUNT=2\nCONDUIT_IMAGE={image}\nMETRICS_PORT_BASE={s.MetricsPortBase}\n";
        File.WriteAllText(s.Paths.SettingsFile, settings);
        var ids = new[]
        {
            await OldContainerAsync(s, s.Instance, s.Instance + "-data"),
            await OldContainerAsync(s, s.Instance + "-2", s.Instance + "-data-2"),
        };
        await DockerSandbox.WaitUntil(async () => (await ops.Data.ReadKeyAsync(1, default)).Exists && (await ops.Data.ReadKeyAsync(2, default)).Exists, "the old nodes' keys");
        return (settings, ids);
    }

    /// <summary>The old containers are exactly the ones from before (same IDs, names, running), and none of ours
    /// or of the parked copies is left.</summary>
    static void OldNodesUntouched(DockerSandbox s, string[] ids)
    {
        foreach (var (name, id) in new[] { (s.Instance, ids[0]), (s.Instance + "-2", ids[1]) })
        {
            var c = s.Inspect(name);
            Assert.NotNull(c);
            Assert.Equal(id, c!.ID);
            Assert.True(c.State?.Running == true, name);
            Assert.False(s.Names.Owns(c.Config?.Labels), name);
            Assert.Null(s.Inspect(name + "-premigrate"));
        }
    }

    /// <summary>An image that is not here and cannot be pulled (a registry nobody listens on, so the test stays
    /// offline; with the default image on a host without internet it is the same): migrate used to remove the old
    /// containers first and then fail, leaving no node at all.</summary>
    [Fact]
    public async Task An_image_that_cannot_be_pulled_stops_migrate_before_anything_changes()
    {
        using var s = new DockerSandbox();
        var (settings, ids) = await OldInstallAsync(s, "127.0.0.1:1/conduit-missing:test");
        var run = s.Conduit("migrate", "--name", s.Instance);
        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Matches(@"^conduit: pull 127\.0\.0\.1:1/conduit-missing:test: .+: nothing was changed \(set CONDUIT_IMAGE", run.Stderr);
        Assert.Single(run.Stderr.Trim().Split('\n'));
        OldNodesUntouched(s, ids);
        Assert.Equal(settings, File.ReadAllText(s.Paths.SettingsFile));
        Assert.False(Directory.Exists(s.Paths.BackupsDir));
    }

    /// <summary>The image is here but our nodes cannot start from it (an empty image: a wrong-architecture one
    /// fails the same way). The old containers come back as the very same containers, settings.conf as it was.</summary>
    [Fact]
    public async Task A_node_that_cannot_start_puts_the_old_containers_and_settings_back()
    {
        using var s = new DockerSandbox();
        var broken = $"conduit-broken-{s.Instance}:test";
        var import = Conduit.Platform.ProcessRunner.Run("sh", ["-c", $"tar cf - -T /dev/null | docker import - {broken}"], TimeSpan.FromSeconds(60));
        Assert.True(import.Ok, import.Stderr);
        try
        {
            var (settings, ids) = await OldInstallAsync(s, broken);
            var run = s.Conduit("migrate", "--name", s.Instance);
            Assert.True(run.ExitCode == 1, run.ToString());
            Assert.Matches($@"^conduit: migration failed \(.+\); put back as they were: {s.Instance}, {s.Instance}-2, the old settings.conf \(keys are also in ", run.Stderr);
            OldNodesUntouched(s, ids);
            Assert.Equal(settings, File.ReadAllText(s.Paths.SettingsFile));
            Assert.Equal(2, Directory.GetFiles(s.Paths.BackupsDir, "*_key_*.json").Length); // the keys were copied first

            // Fixed (an image that works), the same command finishes the job with the same proxy IDs.
            var before = Regex.Matches(run.Stdout, @"(?m)^  proxy ID +\S+: (\S+)").Select(m => m.Groups[1].Value).ToArray();
            Assert.Equal(2, before.Length);
            File.WriteAllText(s.Paths.SettingsFile, settings.Replace(broken, DockerSandbox.StandinImage));
            var again = s.Conduit("migrate", "--name", s.Instance);
            Assert.True(again.ExitCode == 0, again.ToString());
            foreach (var id in before) Assert.Contains($"{id} -> {id}", again.Stdout);
            Assert.True(s.Names.Owns(s.Inspect(s.Instance)?.Config?.Labels));
            Assert.Null(s.Inspect(s.Instance + "-premigrate"));
        }
        finally
        {
            Conduit.Platform.ProcessRunner.Run("docker", ["rmi", "-f", broken], TimeSpan.FromSeconds(60));
        }
    }

    /// <summary>A migrate killed (kill -9, power cut) after parking an old node and before finishing leaves the
    /// node stopped under its parked name, maybe with a half-made container of ours: the next run recovers it.</summary>
    [Fact]
    public async Task A_migrate_killed_half_way_is_finished_by_the_next_run()
    {
        using var s = new DockerSandbox();
        var (_, ids) = await OldInstallAsync(s, DockerSandbox.StandinImage);
        var dry = s.Conduit("migrate", "--dry-run", "--name", s.Instance);
        var before = Regex.Matches(dry.Stdout, @"(?m)^  proxy ID +\S+: (\S+)").Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(2, before.Length);
        // What the killed run left: node 1 stopped and parked, nothing in its place yet.
        await s.Docker.Containers.StopContainerAsync(ids[0], new ContainerStopParameters { WaitBeforeKillSeconds = 5 });
        await s.Docker.Containers.RenameContainerAsync(ids[0], new ContainerRenameParameters { NewName = s.Instance + "-premigrate" });

        var run = s.Conduit("migrate", "--name", s.Instance);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"recover    {s.Instance}-premigrate", run.Stdout);
        foreach (var id in before) Assert.Contains($"{id} -> {id}", run.Stdout);
        foreach (var name in new[] { s.Instance, s.Instance + "-2" })
        {
            Assert.True(s.Names.Owns(s.Inspect(name)?.Config?.Labels), name);
            Assert.True(s.Inspect(name)?.State?.Running == true, name);
            Assert.Null(s.Inspect(name + "-premigrate"));
        }
    }
}
