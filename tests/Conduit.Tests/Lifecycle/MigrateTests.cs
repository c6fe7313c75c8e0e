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
        await OldContainerAsync(s, s.Instance, s.Instance + "-data");
        await OldContainerAsync(s, s.Instance + "-2", s.Instance + "-data-2");
        await DockerSandbox.WaitUntil(async () => (await ops.Data.ReadKeyAsync(1, default)).Exists && (await ops.Data.ReadKeyAsync(2, default)).Exists, "the old nodes' keys");

        var dry = s.Conduit("migrate", "--dry-run", "--name", s.Instance);
        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.Contains("TELEGRAM_SERVER_LABEL: shell expansion", dry.Stdout);
        Assert.Contains("UPDATE_CHANNEL: not a conduit setting", dry.Stdout);
        Assert.Contains(cron, dry.Stdout);
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
}
