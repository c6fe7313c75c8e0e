using Conduit.Tests.Support;

namespace Conduit.Tests.Cli;

/// <summary>
/// The command line as the README promises it (issue 19, item 10): every mistake is a usage error (one line on
/// stderr, exit 2, nothing on stdout), global options go before or after the command, `--opt=value` and `--` work.
/// </summary>
public class CommandLineTests
{
    static void AssertUsageError(RunResult r, string expected)
    {
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Equal("", r.Stdout);
        Assert.Equal($"conduit: {expected}\n", r.Stderr);
    }

    [Theory]
    [InlineData("scale", "scale: missing the number of containers (0 removes them all); see `conduit scale --help`")]
    [InlineData("restore", "restore: missing the backup file (a path, or a file name in <root>/backups); see `conduit restore --help`")]
    [InlineData("import-key", "import-key: --container is required (node number N to import into)")]
    [InlineData("settings set", "settings set: missing the setting name, e.g. MAX_CLIENTS; see `conduit settings set --help`")]
    [InlineData("settings set MAX_CLIENTS", "settings set: missing the new value (\"\" to unset); see `conduit settings set --help`")]
    [InlineData("restore backup.json", "restore: --container is required (node number N to restore into)")]
    public void A_missing_required_argument_is_a_usage_error(string command, string expected)
    {
        using var root = new TempRoot();
        AssertUsageError(ConduitProcess.RunIn(root, command.Split(' ')), expected);
        Assert.False(File.Exists(root.Combine("opt", "conduit", "settings.conf")));
    }

    [Theory]
    [InlineData("settings shw", "unknown command 'settings shw'; did you mean 'settings show'?")]
    [InlineData("settings frobnicate", "unknown command 'settings frobnicate'; settings has: path, set, show")]
    [InlineData("settings", "settings: which one? path, set, show (see `conduit help`)")]
    [InlineData("setings show", "unknown command 'setings'; did you mean 'settings'?")]
    [InlineData("stauts", "unknown command 'stauts'; did you mean 'stats' or 'status'?")]
    [InlineData("stpo", "unknown command 'stpo'; did you mean 'stop'?")]
    [InlineData("help settings shw", "unknown command 'settings shw'; did you mean 'settings show'?")]
    public void Unknown_and_missing_subcommands_are_usage_errors_with_a_suggestion(string command, string expected)
    {
        using var root = new TempRoot();
        AssertUsageError(ConduitProcess.RunIn(root, command.Split(' ')), expected);
    }

    [Theory]
    [InlineData("--bogus", "unknown option '--bogus'; run `conduit help` for the commands and their options")]
    [InlineData("--bogus status", "unknown option '--bogus'; run `conduit help` for the commands and their options")]
    [InlineData("resources --cpu=2", "resources: unknown option '--cpu'; did you mean '--cpus'?")]
    [InlineData("settings show --json=yes", "settings show: --json takes no value, got '--json=yes'")]
    [InlineData("--home", "--home needs a value (the install root)")]
    public void Unknown_options_are_usage_errors(string command, string expected)
    {
        using var root = new TempRoot();
        AssertUsageError(ConduitProcess.RunIn(root, command.Split(' ')), expected);
    }

    [Theory]
    [InlineData("--home", "{0}", "settings", "path")]
    [InlineData("--home={0}", "settings", "path")]
    [InlineData("settings", "path", "--home={0}")]
    public void The_global_option_goes_before_or_after_the_command(params string[] args)
    {
        using var root = new TempRoot();
        var home = root.Combine("elsewhere");
        var r = ConduitProcess.RunIn(root, args.Select(a => string.Format(a, home)).ToArray());
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(Path.Combine(home, "settings.conf") + "\n", r.Stdout);
    }

    [Fact]
    public void An_option_takes_its_value_after_an_equals_sign()
    {
        var spaced = ConduitProcess.Run(["resources", "--json", "--cpus", "2", "--memory", "4G", "--bandwidth", "3"]);
        var joined = ConduitProcess.Run(["resources", "--json", "--cpus=2", "--memory=4G", "--bandwidth=3"]);
        Assert.True(joined.ExitCode == 0, joined.ToString());
        Assert.Equal(spaced.Stdout, joined.Stdout);
        var bad = ConduitProcess.Run(["resources", "--json", "--cpus=NaN"]);
        AssertUsageError(bad, "--cpus: 'NaN' is not a valid value");
    }

    [Fact]
    public void After_a_double_dash_a_value_may_start_with_a_dash()
    {
        using var root = new TempRoot();
        var r = ConduitProcess.RunIn(root, "settings", "set", "STATION_NAME", "--", "-edge-1");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("STATION_NAME=-edge-1\n", File.ReadAllText(root.Combine("opt", "conduit", "settings.conf")));
        // Without the `--` it is an option the command does not have.
        AssertUsageError(ConduitProcess.RunIn(root, "settings", "set", "STATION_NAME", "-edge-2"),
            "settings set: unknown option '-edge-2'; see `conduit settings set --help`");
        // A negative number needs no `--`.
        Assert.Equal(0, ConduitProcess.RunIn(root, "settings", "set", "BANDWIDTH", "-1").ExitCode);
    }

    [Fact]
    public void A_flag_after_the_addresses_is_a_flag()
    {
        var r = ConduitProcess.Run(["geoip", "lookup", "8.8.8.8", "--json"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("\"ip\": \"8.8.8.8\"", r.Stdout);
    }

    [Fact]
    public void Asking_for_help_still_prints_it_and_exits_zero()
    {
        foreach (var args in new[] { new[] { "scale", "--help" }, ["help", "scale"], ["settings", "--help"], ["help", "settings"], ["--help"], ["help"] })
        {
            var r = ConduitProcess.Run(args);
            Assert.True(r.ExitCode == 0, $"{string.Join(' ', args)}: {r}");
            Assert.StartsWith("Usage: ", r.Stdout);
            Assert.Equal("", r.Stderr);
        }
    }

    [Fact]
    public void Positional_parameters_say_in_their_type_whether_they_are_required()
    {
        // The normaliser reads what a command accepts from the generated help, which shows a positional's type
        // but not its default: a positional with a default must be nullable (or params) so the help says "optional",
        // and a text positional carries [Verbatim] so a value after `--` may start with '-'.
        var nullability = new System.Reflection.NullabilityInfoContext();
        var wrong = typeof(Conduit.Cli.CliApp).Assembly.GetTypes()
            .Where(t => t.Namespace == "Conduit.Cli")
            .SelectMany(t => t.GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.DeclaredOnly))
            .SelectMany(m => m.GetParameters().Select(p => (m, p)))
            .Where(x => x.p.GetCustomAttributes(typeof(ConsoleAppFramework.ArgumentAttribute), false).Length > 0)
            .Where(x => x.p.ParameterType.IsArray ? false
                : (x.p.HasDefaultValue && nullability.Create(x.p).ReadState != System.Reflection.NullabilityState.Nullable && Nullable.GetUnderlyingType(x.p.ParameterType) is null)
                  || (x.p.ParameterType == typeof(string) && x.p.GetCustomAttributes(typeof(Conduit.Cli.VerbatimAttribute), false).Length == 0))
            .Select(x => $"{x.m.DeclaringType!.Name}.{x.m.Name}({x.p.Name})")
            .ToList();
        Assert.Empty(wrong);
    }
}
