using System.Globalization;
using Conduit.Host;
using Conduit.Lifecycle;
using Conduit.Settings;
using ConsoleAppFramework;

namespace Conduit.Cli;

/// <summary>`conduit install|uninstall|update|migrate`: the installation lifecycle.</summary>
public sealed class InstallCommands
{
    /// <summary>Install (or complete, or re-check) conduit on this host: Docker, settings, binary, nodes, key backups, services. Running it again changes nothing.</summary>
    /// <param name="yes">no questions (required when stdin is not a terminal)</param>
    /// <param name="containers">number of node containers (default: the capacity plan's)</param>
    /// <param name="maxClients">max clients per node</param>
    /// <param name="bandwidth">Mbps per client per direction (-1 = unlimited)</param>
    /// <param name="network">host (default) or bridge (nginx balancer in front)</param>
    /// <param name="tune">apply the kernel and nofile tuning</param>
    /// <param name="image">node image (CONDUIT_IMAGE)</param>
    /// <param name="cpu">CPU cores per container</param>
    /// <param name="memory">memory per container (e.g. 384m)</param>
    /// <param name="name">first container's name (CONTAINER_NAME), others are NAME-2...</param>
    /// <param name="procSys">where the live kernel values are for --tune (default /proc/sys)</param>
    [Command("install")]
    public async Task Install(bool yes = false, [Integer] int? containers = null, [Integer] int? maxClients = null, string? bandwidth = null, string? network = null,
        bool tune = false, string? image = null, string? cpu = null, string? memory = null, string? name = null, string procSys = "/proc/sys",
        CancellationToken ct = default)
    {
        if (network is not null and not ("host" or "bridge")) throw new UsageException($"--network must be host or bridge, got '{network}'");
        var options = new InstallOptions(containers, maxClients, bandwidth, network, image, cpu, memory, name, tune, procSys);
        if (!yes)
        {
            if (!Terminal.StdinIsTerminal) throw new UsageException("install asks questions on a terminal only: pass --yes (and the flags you want) to run it from a script");
            options = Wizard(options);
        }
        await new Installer(CliApp.Paths, Console.Out, CliApp.ManPage()).RunAsync(options, ct);
    }

    /// <summary>Remove conduit from this host: containers, services, nginx balancer, tuning, install root, binary. Volumes and key backups stay unless --purge; Docker and your nginx sites are left alone.</summary>
    /// <param name="purge">also delete the node data volumes (node keys!) and the key backups</param>
    /// <param name="yes">do not ask</param>
    /// <param name="procSys">where the live kernel values are (default /proc/sys)</param>
    [Command("uninstall")]
    public async Task Uninstall(bool purge = false, bool yes = false, string procSys = "/proc/sys", CancellationToken ct = default)
    {
        var question = purge
            ? "Remove conduit AND delete the node keys (volumes and backups)? The proxy IDs are lost for good."
            : "Remove conduit (node volumes and key backups are kept)?";
        if (!yes && !Terminal.Confirm(question))
            throw new UsageException("uninstall needs confirmation: answer y, or pass --yes");
        await new Uninstaller(CliApp.Paths, Console.Out).RunAsync(purge, procSys, ct);
    }

    /// <summary>Pull the newest node image and move the nodes onto it one at a time (keys kept, proxy IDs checked).</summary>
    /// <param name="image">switch to this image (sets CONDUIT_IMAGE)</param>
    /// <param name="noPull">use the image already on this host (no registry access)</param>
    [Command("update")]
    public Task Update(string? image = null, bool noPull = false, CancellationToken ct = default) =>
        new NodeUpdate(CliApp.Paths, Console.Out).RunAsync(image, !noPull, ct);

    /// <summary>Take over an install of the old bash manager: keys backed up first, settings parsed (never run), its containers recreated by conduit on the same volumes, its cron/unit files replaced. Proxy IDs are printed before and after.</summary>
    /// <param name="dryRun">print the plan, change nothing</param>
    /// <param name="name">the old tool's first container name</param>
    [Command("migrate")]
    public Task Migrate(bool dryRun = false, string name = "conduit", CancellationToken ct = default) =>
        new Migration(CliApp.Paths, Console.Out, CliApp.ManPage()).RunAsync(name, dryRun, ct);

    static InstallOptions Wizard(InstallOptions o)
    {
        var host = HostFacts.Current();
        var plan = CapacityPlan.For(host.Cores, host.MemoryBytes);
        var current = ConduitSettings.Load(CliApp.Paths.SettingsFile, host);
        string Ask(string question, string fallback)
        {
            Console.Error.Write($"{question} [{fallback}]: ");
            var answer = Console.ReadLine()?.Trim();
            return string.IsNullOrEmpty(answer) ? fallback : answer;
        }
        int AskInt(string question, int fallback)
        {
            var text = Ask(question, fallback.ToString(CultureInfo.InvariantCulture));
            return int.TryParse(text, CultureInfo.InvariantCulture, out var n) ? n : throw new UsageException($"{question}: '{text}' is not a number");
        }
        o = o with
        {
            Containers = o.Containers ?? AskInt("Node containers", current.IsSet("CONTAINER_COUNT") ? current.ContainerCount : plan.Containers),
            MaxClients = o.MaxClients ?? AskInt("Max clients per node", current.MaxClients),
            Bandwidth = o.Bandwidth ?? Ask("Mbps per client (-1 = unlimited)", current["BANDWIDTH"]),
            Network = o.Network ?? Ask("Networking (host or bridge)", current.NetworkMode),
        };
        if (!o.Tune) o = o with { Tune = Terminal.Confirm("Tune the kernel for many connections?") };
        if (!Terminal.Confirm($"Install {o.Containers} node(s) now?")) throw new UsageException("install cancelled");
        return o;
    }
}
