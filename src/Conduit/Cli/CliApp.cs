using System.Reflection;
using Conduit.Platform;
using ConsoleAppFramework;

namespace Conduit.Cli;

/// <summary>Options every command accepts.</summary>
public sealed record GlobalOptions(string Home);

/// <summary>Process-wide CLI plumbing: version, help, exit codes, the resolved paths.</summary>
internal static class CliApp
{
    public static string Version { get; } =
        typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";

    static ConsoleApp.ConsoleAppBuilder? _app;

    /// <summary>Roots for this invocation, from --home, CONDUIT_HOME and CONDUIT_SYSROOT.</summary>
    public static ConduitPaths Paths { get; private set; } = ConduitPaths.Resolve(null, Environment.GetEnvironmentVariable);

    static Host.Nginx.NginxBackendsListener? _nginxListener;

    /// <summary>Resolves this invocation's paths and wires what depends on them: scaling in bridge mode
    /// regenerates the nginx balancer under those paths.</summary>
    internal static void UseGlobalOptions(GlobalOptions? options)
    {
        Paths = ConduitPaths.Resolve(options?.Home, Environment.GetEnvironmentVariable);
        if (_nginxListener is not null) Cluster.ClusterHooks.RemoveBridgeListener(_nginxListener);
        Cluster.ClusterHooks.AddBridgeListener(_nginxListener = new Host.Nginx.NginxBackendsListener(Paths, Console.Out));
    }

    public static int Run(ConsoleApp.ConsoleAppBuilder app, string[] args)
    {
        _app = app;
        Environment.ExitCode = 0;
        // `conduit` alone opens the menu on a terminal; piped or scripted it prints the help as before.
        if (args.Length == 0 && Terminal.StdinIsTerminal && Terminal.StdoutIsTerminal) args = ["menu"];
        try
        {
            args = CommandLine.Normalize(args, RenderHelp);
        }
        catch (UsageException e)
        {
            Terminal.Error(e.Message);
            return ExitCodes.Usage;
        }
        Environment.ExitCode = 0;
        app.Run(args);
        return Environment.ExitCode;
    }

    /// <summary>The framework's generated help for a command path ([] = the tool), captured instead of printed:
    /// <see cref="CommandLine"/> reads what each command accepts from it.</summary>
    static string RenderHelp(string[] path)
    {
        var log = ConsoleApp.Log;
        var text = new System.Text.StringBuilder();
        ConsoleApp.Log = s => text.Append(s).Append('\n');
        try
        {
            _app!.Run([.. path, "--help"]);
        }
        finally
        {
            ConsoleApp.Log = log;
        }
        return text.ToString();
    }

    /// <summary>conduit(1), rendered from the commands' own help.</summary>
    public static string ManPage() => Cli.ManPage.Render(Version, RenderHelp);

    /// <summary>Commands whose method takes no parameters. ConsoleAppFramework lets any argument through to those,
    /// so the error filter refuses them (a convention test keeps this list complete).</summary>
    public static readonly HashSet<string> ParameterlessCommands = ["nginx generate", "nginx check", "services remove", "settings path", "telegram status", "telegram enable", "telegram disable"];

    /// <summary>Top-level command names, kept in step with Program.cs (a test checks both agree).</summary>
    public static readonly HashSet<string> CommandNames = ["help", "settings", "resources", "self-update", "start", "stop", "restart", "scale", "status", "pull", "id", "qr", "backup", "restore", "import-key", "tune", "nginx", "services", "health", "watchdog", "track", "geoip", "version", "track-ebpf", "dashboard", "stats", "peers", "logs", "install", "uninstall", "update", "migrate", "cap", "personal", "doctor", "telegram", "menu"];

    /// <summary>Show help for the whole tool or for one command: `conduit help [command...]`.</summary>
    /// <param name="man">print the whole manual, conduit(1), as roff (`conduit help --man | man -l -`)</param>
    /// <param name="command">-command, the command to explain</param>
    public static void Help(bool man = false, [Argument] params string[] command)
    {
        if (_app is null) return;
        if (man)
        {
            if (command.Length > 0) throw new UsageException("help --man prints the whole manual; it takes no command");
            Console.Out.Write(ManPage());
            return;
        }
        if (command.Length == 0) { _app.Run(["--help"]); return; }
        int i = 0;
        // With a trailing --help a group alone ("help settings") resolves to the group, whose help lists its commands.
        var path = CommandLine.ResolvePath([.. command, "--help"], ref i, CommandLine.CommandPaths(RenderHelp([])));
        if (i < command.Length) throw new UsageException($"help: unexpected '{SafeText.Excerpt(command[i])}' after '{path}'");
        _app.Run([.. path.Split(' '), "--help"]);
    }

    /// <summary>ConsoleAppFramework reports argument errors here: make them one line and exit 2.</summary>
    public static void ReportFrameworkError(string message)
    {
        Environment.ExitCode = ExitCodes.Usage;
        Terminal.Error(message);
    }
}

/// <summary>Turns exceptions into one line on stderr and the documented exit code.</summary>
internal sealed class ErrorFilter(ConsoleAppFilter next) : ConsoleAppFilter(next)
{
    public override async Task InvokeAsync(ConsoleAppContext context, CancellationToken cancellationToken)
    {
        CliApp.UseGlobalOptions(context.GlobalOptions as GlobalOptions);
        try
        {
            if (CliApp.ParameterlessCommands.Contains(context.CommandName) && context.InternalCommandArgs.Span is [var extra, ..]
                && extra is not ("-h" or "--help"))
                throw new UsageException($"{context.CommandName} takes no arguments, got '{extra}'");
            await Next.InvokeAsync(context, cancellationToken);
        }
        catch (ConduitException e)
        {
            Terminal.Error(e.Message);
            Environment.ExitCode = e.ExitCode;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Environment.ExitCode = 130;
        }
        catch (Exception e) when (e is ArgumentParseFailedException or System.ComponentModel.DataAnnotations.ValidationException)
        {
            Terminal.Error(Reworded(e.Message, context));
            Environment.ExitCode = ExitCodes.Usage;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Terminal.Error(e.Message);
            Environment.ExitCode = ExitCodes.Failure;
        }
        catch (Exception e)
        {
            // A bug, not a user error: still one line, with the type so a report can find it.
            Terminal.Error($"internal error ({e.GetType().Name}): {e.Message}");
            Environment.ExitCode = ExitCodes.Failure;
        }
    }

    /// <summary>The parser says "Argument 'max-ips' failed to parse, provided value: x"; say it the way the user
    /// typed it: "--max-ips: 'x' is not a valid value", or for a positional argument "scale: 'x' is not a valid count".</summary>
    static string Reworded(string message, ConsoleAppContext context)
    {
        var m = System.Text.RegularExpressions.Regex.Match(message, @"^Argument '([A-Za-z0-9-]+)' failed to parse, provided value: (.*)$");
        if (!m.Success) return message;
        string name = m.Groups[1].Value, value = m.Groups[2].Value;
        return context.Arguments.Contains("--" + name, StringComparer.OrdinalIgnoreCase)
            ? $"--{name}: '{value}' is not a valid value"
            : $"{context.CommandName}: '{value}' is not a valid {name.Replace('-', ' ')}";
    }
}
