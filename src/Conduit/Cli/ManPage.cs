using System.Text;

namespace Conduit.Cli;

/// <summary>
/// conduit(1), made from the same generated help the commands print, so the manual can never describe a flag
/// that no longer exists. `services install` installs it (the units' Documentation= points at it);
/// `conduit help --man` prints it.
/// </summary>
internal static class ManPage
{
    public static string Render(string version, Func<string[], string> help)
    {
        var top = help([]);
        var sb = new StringBuilder();
        sb.Append($".TH CONDUIT 1 \"\" \"conduit {Roff(version)}\" \"User Commands\"\n");
        sb.Append(".SH NAME\nconduit \\- run and watch a cluster of Psiphon Conduit nodes and count their traffic per country\n");
        sb.Append(".SH SYNOPSIS\n.B conduit\n[\\fB\\-\\-home\\fR \\fIDIR\\fR] \\fICOMMAND\\fR [\\fIARGUMENTS\\fR] [\\fIOPTIONS\\fR]\n");
        sb.Append(".SH DESCRIPTION\n");
        sb.Append("conduit installs, runs and watches Psiphon Conduit volunteer-proxy containers on one host: their keys, " +
                  "settings, an nginx balancer, kernel tuning, boot and health services, and a tracker that counts traffic " +
                  "per country from packets (libpcap or eBPF).\n");
        sb.Append("Every command takes \\fB\\-h\\fR/\\fB\\-\\-help\\fR; commands whose output is data take \\fB\\-\\-json\\fR.\n");
        sb.Append(".SH COMMANDS\n");
        foreach (var path in CommandLine.CommandPaths(top).Order(StringComparer.Ordinal))
        {
            sb.Append($".SS \"{Roff(path)}\"\n.nf\n");
            foreach (var line in help(path.Split(' ')).TrimEnd().Split('\n'))
                if (!line.StartsWith("Usage:", StringComparison.Ordinal)) sb.Append(Literal(line.TrimEnd('\r'))).Append('\n');
            sb.Append(".fi\n");
        }
        sb.Append(".SH ENVIRONMENT\n");
        Item(sb, "CONDUIT_HOME", "install root (default /opt/conduit); \\fB\\-\\-home\\fR overrides it");
        Item(sb, "NO_COLOR", "no colour and no terminal control sequences");
        sb.Append(".SH FILES\n");
        Item(sb, "/opt/conduit/settings.conf", "settings (KEY=VALUE); see \\fBconduit settings show\\fR");
        Item(sb, "/opt/conduit/backups/", "node key backups; never deleted by conduit");
        Item(sb, "/opt/conduit/traffic_stats/tracker.json", "the tracker service's totals, written atomically");
        Item(sb, "/etc/systemd/system/conduit*.service, conduit*.timer", "units written by \\fBconduit services install\\fR");
        sb.Append(".SH EXIT STATUS\n");
        Item(sb, "0", "success");
        Item(sb, "1", "failure while doing the work (daemon down, I/O error, a check failed)");
        Item(sb, "2", "bad usage or invalid input (flags, settings or key files); nothing was changed");
        Item(sb, "130", "interrupted");
        return sb.ToString();
    }

    static void Item(StringBuilder sb, string term, string text) => sb.Append($".TP\n.B {Roff(term)}\n{text}\n");

    /// <summary>Text in a .nf block: backslashes escaped, and a leading '.' or '\'' is not a request.</summary>
    static string Literal(string line)
    {
        var s = Roff(line);
        return s.Length > 0 && s[0] is '.' or '\'' ? "\\&" + s : s;
    }

    static string Roff(string text) => text.Replace("\\", "\\e").Replace("-", "\\-");
}
