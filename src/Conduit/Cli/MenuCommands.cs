using ConsoleAppFramework;

namespace Conduit.Cli;

/// <summary>`conduit menu` (and `conduit` alone on a terminal): the interactive menu.</summary>
public sealed class MenuCommands
{
    /// <summary>Interactive menu: dashboards, logs, start/stop/restart, containers, settings and tools, info pages (needs a terminal; q quits).</summary>
    [Command("menu")]
    public Task Menu(CancellationToken ct = default) => Conduit.Menu.MenuApp.RunAsync(CliApp.Paths, CliApp.Version, ct);
}
