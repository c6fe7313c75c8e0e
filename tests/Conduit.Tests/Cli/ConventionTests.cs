using Conduit.Tests.Support;

namespace Conduit.Tests.Cli;

public class ConventionTests
{
    [Fact]
    public void UnknownCommandExitsTwo()
    {
        var r = ConduitProcess.Run(["frobnicate"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("conduit: unknown command 'frobnicate'; run `conduit help` for the list\n", r.Stderr);
    }

    [Fact]
    public void UnknownOptionExitsTwo()
    {
        var r = ConduitProcess.Run(["resources", "--frob"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--frob", r.Stderr);
        Assert.Single(r.Stderr.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void HelpListsEveryCommandGroup()
    {
        var r = ConduitProcess.Run(["help"]);
        Assert.Equal(0, r.ExitCode);
        foreach (var name in Conduit.Cli.CliApp.CommandNames)
            Assert.Contains(name, r.Stdout);
        // And the other way: every command the help lists is known to the unknown-command check.
        var listed = r.Stdout[r.Stdout.IndexOf("Commands:", StringComparison.Ordinal)..].Split('\n').Skip(1)
            .Where(l => l.StartsWith("  ", StringComparison.Ordinal)).Select(l => l.Trim().Split(' ')[0]).ToHashSet();
        Assert.NotEmpty(listed);
        Assert.Subset(Conduit.Cli.CliApp.CommandNames, listed);
    }

    [Fact]
    public void ResourcesForTheSeedMachineGiveTheSeedPlan()
    {
        var r = ConduitProcess.Run(["resources", "--json", "--cpus", "2", "--memory", "4G", "--bandwidth", "3"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var compact = r.Stdout.Replace(" ", "").Replace("\n", "");
        Assert.Contains("\"containers\":8,\"clients_per_container\":250,\"cpu_per_container\":0.22,\"memory_per_container\":\"384m\"", compact);
        Assert.Contains("\"network_demand_mbps\":6000", compact);
    }

    [Theory]
    [InlineData("--memory", "lots")]
    [InlineData("--cpus", "0")]
    [InlineData("--cpus", "two")]
    public void ResourcesRejectsBadPlanningInput(string flag, string value)
    {
        var r = ConduitProcess.Run(["resources", flag, value]);
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("conduit: ", r.Stderr);
    }

    [Theory]
    [InlineData("--cpus", "NaN")]
    [InlineData("--cpus", "Infinity")]
    [InlineData("--cpus", "-Infinity")]
    [InlineData("--cpus", "1e999")]
    [InlineData("--cpus", "1,5")]
    [InlineData("--link-mbps", "1,000")]
    [InlineData("--bandwidth", "NaN")]
    public void Resources_refuses_numbers_that_are_not_plain_before_any_output(string flag, string value)
    {
        var r = ConduitProcess.Run(["resources", "--json", flag, value]);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Equal("", r.Stdout);
        Assert.Equal($"conduit: {flag}: '{value}' is not a valid value\n", r.Stderr);
    }

    [Fact]
    public void Every_numeric_command_parameter_is_parsed_strictly()
    {
        // The framework's own number parsing reads "1,5" as 15 and accepts NaN; [Integer]/[Real] replace it.
        var loose = typeof(Conduit.Cli.CliApp).Assembly.GetTypes()
            .Where(t => t.Namespace == "Conduit.Cli" && t.Name.EndsWith("Commands", StringComparison.Ordinal))
            .SelectMany(t => t.GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.DeclaredOnly))
            .SelectMany(m => m.GetParameters().Select(p => (m, p)))
            .Where(x => (Nullable.GetUnderlyingType(x.p.ParameterType) ?? x.p.ParameterType) is var t
                && (t == typeof(int) ? x.p.GetCustomAttributes(typeof(Conduit.Cli.IntegerAttribute), false).Length == 0
                    : t == typeof(double) ? x.p.GetCustomAttributes(typeof(Conduit.Cli.RealAttribute), false).Length == 0
                    : t.IsPrimitive && t != typeof(bool)))
            .Select(x => $"{x.m.DeclaringType!.Name}.{x.m.Name}({x.p.Name})")
            .ToList();
        Assert.Empty(loose);
    }

    [Fact]
    public void Resources_reads_a_decimal_point_only()
    {
        var r = ConduitProcess.Run(["resources", "--json", "--cpus", "1.5", "--memory", "4G", "--bandwidth", "3"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("\"cpus\": 1.5,", r.Stdout);
    }

    [Theory]
    [InlineData("--duration", "abc")]
    [InlineData("--max-ips", "many")]
    public void A_value_of_the_wrong_type_names_the_option_as_typed(string flag, string value)
    {
        var r = ConduitProcess.Run(["track", flag, value]);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"conduit: {flag}: '{value}' is not a valid value\n", r.Stderr);
    }

    [Fact]
    public void A_positional_value_of_the_wrong_type_names_the_command()
    {
        using var root = new TempRoot();
        var r = ConduitProcess.RunIn(root, "scale", "lots");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("conduit: scale: 'lots' is not a valid count\n", r.Stderr);
    }

    [Fact]
    public void Commands_without_parameters_refuse_arguments_and_the_list_of_them_is_complete()
    {
        // Every public command method without parameters (the framework checks no arguments for those)...
        int parameterless = typeof(Conduit.Cli.CliApp).Assembly.GetTypes()
            .Where(t => t.Namespace == "Conduit.Cli" && t.Name.EndsWith("Commands", StringComparison.Ordinal))
            .SelectMany(t => t.GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.DeclaredOnly))
            .Count(m => m.GetParameters().Length == 0 && !m.IsSpecialName);
        Assert.Equal(parameterless, Conduit.Cli.CliApp.ParameterlessCommands.Count);
        // ...is in the list the error filter checks, and refuses an argument.
        using var root = new TempRoot();
        foreach (var command in Conduit.Cli.CliApp.ParameterlessCommands)
        {
            var r = ConduitProcess.RunIn(root, [.. command.Split(' '), "--bogus"]);
            Assert.True(r.ExitCode == 2, $"{command}: {r}");
            Assert.Equal($"conduit: {command} takes no arguments, got '--bogus'\n", r.Stderr);
        }
        Assert.Equal(0, ConduitProcess.RunIn(root, "settings", "path").ExitCode);
    }
}
