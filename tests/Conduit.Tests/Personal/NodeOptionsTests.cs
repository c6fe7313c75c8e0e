using Conduit.Cluster;
using Conduit.Personal;
using Conduit.Settings;

namespace Conduit.Tests.Personal;

public class NodeOptionsTests
{
    const string Id = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
    static readonly HostFacts Host = new(4, 8L << 30);

    static ConduitSettings Parse(string text) =>
        ConduitSettings.FromFile(SettingsFile.Parse("/test/settings.conf", System.Text.Encoding.UTF8.GetBytes(text)), Host);

    static readonly ImageCli V2 = new("img:2", NodeCliGeneration.V2, Personal: true, Set: true, Detected: true);
    static readonly ImageCli V1 = new("img:1", NodeCliGeneration.V1, Personal: false, Set: false, Detected: true);

    static string After(IReadOnlyList<string> cmd, string flag) => cmd[cmd.ToList().IndexOf(flag) + 1];

    [Fact]
    public void Personal_clients_and_the_compartment_become_node_flags_with_per_container_overrides()
    {
        var s = Parse($"CONTAINER_COUNT=2\nMAX_PERSONAL_CLIENTS=5\nMAX_PERSONAL_CLIENTS_2=9\nCOMPARTMENT_ID={Id}\n");
        var one = ContainerSpec.For(s, 1, V2).Command;
        var two = ContainerSpec.For(s, 2, V2).Command;
        Assert.Equal("5", After(one, "--max-personal-clients"));
        Assert.Equal("9", After(two, "--max-personal-clients"));
        Assert.Equal(Id, After(one, "--compartment-id"));
        Assert.Empty(NodeOptions.Problems(s, V2, [1, 2]));
    }

    [Fact]
    public void Without_personal_settings_the_command_is_what_it_was()
    {
        var s = Parse("MAX_CLIENTS=200\n");
        Assert.Equal(ContainerSpec.For(s, 1).Command, ContainerSpec.For(s, 1, V2).Command);
        Assert.DoesNotContain("--max-personal-clients", ContainerSpec.For(s, 1, V2).Command);
        Assert.DoesNotContain("--set", ContainerSpec.For(s, 1, V2).Command);
    }

    [Fact]
    public void Reduced_hours_use_the_nodes_set_keys_in_bytes_per_second()
    {
        var s = Parse("BANDWIDTH=5\nREDUCED_START=22:00\nREDUCED_END=06:30\nREDUCED_MAX_CLIENTS=40\nREDUCED_BANDWIDTH=2\n");
        var cmd = ContainerSpec.For(s, 1, V2).Command;
        var sets = cmd.Select((a, i) => (a, i)).Where(x => x.a == "--set").Select(x => cmd[x.i + 1]).ToArray();
        Assert.Equal(
            ["InproxyReducedStartTime=22:00", "InproxyReducedEndTime=06:30", "InproxyReducedMaxCommonClients=40",
             "InproxyReducedLimitUpstreamBytesPerSecond=250000", "InproxyReducedLimitDownstreamBytesPerSecond=250000"], sets);
        Assert.Empty(NodeOptions.Problems(s, V2, [1]));
        var reduced = ReducedHours.From(s)!;
        Assert.True(reduced.Contains(new DateTimeOffset(2026, 1, 1, 23, 0, 0, TimeSpan.Zero)));
        Assert.True(reduced.Contains(new DateTimeOffset(2026, 1, 1, 6, 29, 0, TimeSpan.Zero)));
        Assert.False(reduced.Contains(new DateTimeOffset(2026, 1, 1, 6, 30, 0, TimeSpan.Zero)));
        Assert.Equal("22:00-06:30 UTC: max 40 common clients, 2 Mbps", reduced.Describe());
    }

    [Theory]
    [InlineData("MAX_PERSONAL_CLIENTS=5\n", "MAX_PERSONAL_CLIENTS=5 needs a personal compartment")]
    [InlineData("MAX_CLIENTS=0\n", "node 1: MAX_CLIENTS and MAX_PERSONAL_CLIENTS are both 0")]
    [InlineData("MAX_CLIENTS_1=0\n", "node 1: MAX_CLIENTS_1 and MAX_PERSONAL_CLIENTS are both 0")]
    [InlineData("REDUCED_START=22:00\nREDUCED_MAX_CLIENTS=10\n", "REDUCED_START is set without REDUCED_END")]
    [InlineData("REDUCED_MAX_CLIENTS=10\n", "REDUCED_MAX_CLIENTS is set but reduced hours are not")]
    [InlineData("REDUCED_START=22:00\nREDUCED_END=22:00\nREDUCED_MAX_CLIENTS=10\n", "the window would be empty")]
    [InlineData("REDUCED_START=22:00\nREDUCED_END=06:00\n", "lower nothing")]
    [InlineData("MAX_CLIENTS=100\nREDUCED_START=22:00\nREDUCED_END=06:00\nREDUCED_MAX_CLIENTS=200\n", "REDUCED_MAX_CLIENTS=200 is above MAX_CLIENTS=100")]
    [InlineData("BANDWIDTH=3\nREDUCED_START=22:00\nREDUCED_END=06:00\nREDUCED_BANDWIDTH=10\n", "REDUCED_BANDWIDTH=10 is above BANDWIDTH=3")]
    public void Inconsistent_settings_are_refused_with_the_keys_named(string text, string expected)
    {
        var problems = NodeOptions.Problems(Parse("CONTAINER_COUNT=1\n" + text), V2, [1]);
        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Status_lines_say_what_is_set_and_whether_reduced_hours_are_in_force()
    {
        Assert.Empty(NodeOptionsStatus.Lines(Parse(""), DateTimeOffset.UtcNow));
        var s = Parse($"MAX_PERSONAL_CLIENTS=2\nMAX_PERSONAL_CLIENTS_3=7\nCOMPARTMENT_ID={Id}\nCOMPARTMENT_NAME=home\nREDUCED_START=22:00\nREDUCED_END=06:00\nREDUCED_BANDWIDTH=1.5\n");
        var night = NodeOptionsStatus.Lines(s, new DateTimeOffset(2026, 3, 1, 23, 30, 0, TimeSpan.Zero));
        Assert.Equal(
            ["Personal clients: 2 per node, node 3: 7, compartment AAECAwQF… \"home\" (share token: `conduit personal show`)",
             "Reduced hours: 22:00-06:00 UTC: 1.5 Mbps (in force now)"], night);
        Assert.EndsWith("(not now)", NodeOptionsStatus.Lines(s, new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero))[1]);
    }

    [Fact]
    public void Personal_mode_with_no_common_clients_is_allowed()
    {
        var s = Parse($"MAX_CLIENTS=0\nMAX_PERSONAL_CLIENTS=10\nCOMPARTMENT_ID={Id}\n");
        Assert.Empty(NodeOptions.Problems(s, V2, [1]));
        Assert.Equal("0", After(ContainerSpec.For(s, 1, V2).Command, "--max-common-clients"));
    }

    [Fact]
    public void A_1x_image_refuses_what_it_cannot_do_and_names_the_image()
    {
        var s = Parse($"MAX_PERSONAL_CLIENTS=3\nCOMPARTMENT_ID={Id}\nREDUCED_START=01:00\nREDUCED_END=02:00\nREDUCED_MAX_CLIENTS=5\n");
        var problems = NodeOptions.Problems(s, V1, [1]);
        Assert.Contains(problems, p => p.StartsWith("COMPARTMENT_ID is set but image img:1 speaks the 1.x node flags", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("MAX_PERSONAL_CLIENTS=3 but image img:1", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("reduced hours are set but image img:1", StringComparison.Ordinal));
        var e = Assert.Throws<UsageException>(() => NodeOptions.EnsureValid(s, V1, [1]));
        Assert.DoesNotContain('\n', e.Message);
        var cmd = ContainerSpec.For(s, 1, V1).Command;
        Assert.Contains("--max-clients", cmd);
        Assert.DoesNotContain("--compartment-id", cmd);
    }

    [Theory]
    [InlineData("REDUCED_START", "24:00")]
    [InlineData("REDUCED_START", "7:00")]
    [InlineData("REDUCED_END", "12:60")]
    [InlineData("REDUCED_MAX_CLIENTS", "1001")]
    [InlineData("REDUCED_BANDWIDTH", "0.5")]
    [InlineData("MAX_PERSONAL_CLIENTS", "1001")]
    [InlineData("COMPARTMENT_ID", "short")]
    public void Bad_values_are_refused_by_the_schema(string key, string value)
    {
        var e = Assert.Throws<UsageException>(() => Parse($"{key}={value}\n"));
        Assert.Contains($"{key}={value}:", e.Message);
    }
}

public class ImageCliTests
{
    const string Help2 = """
        Start the Conduit inproxy service to relay traffic for users in censored regions.

        Usage:
          conduit start [flags]

        Flags:
          -b, --bandwidth float            total bandwidth limit in Mbps (-1 for unlimited) (default 40)
              --compartment-id string      personal compartment ID or share token
          -h, --help                       help for start
          -m, --max-common-clients int     maximum number of common proxy clients (0-1000) (default 50)
              --max-personal-clients int   maximum number of personal proxy clients (0-1000)
              --metrics-addr string        address for Prometheus metrics endpoint
          -c, --psiphon-config string      path to Psiphon network config file (JSON)
              --set stringArray            override allowed config values (key=value), repeatable
          -s, --stats-file string[="stats.json"]   persist stats to JSON file
        """;

    const string Help1 = """
        Flags:
          -b, --bandwidth float        total bandwidth limit in Mbps (-1 for unlimited) (default 40)
          -h, --help                   help for start
          -m, --max-clients int        maximum number of proxy clients (1-1000) (default 50)
          -s, --stats-file string[="stats.json"]   persist stats to JSON file (default: stats.json in data dir if flag used without value)
        """;

    [Fact]
    public void The_help_decides_the_flag_generation()
    {
        Assert.Equal(new ImageCli("i", NodeCliGeneration.V2, true, true, true), ImageCli.FromHelp("i", Help2));
        Assert.Equal(new ImageCli("i", NodeCliGeneration.V1, false, false, true), ImageCli.FromHelp("i", Help1));
        Assert.Null(ImageCli.FromHelp("i", "Usage: conduit [command]"));
        var early2 = Help2.Replace("--compartment-id", "--other-flag").Replace("--set ", "--sett ");
        Assert.Equal(new ImageCli("i", NodeCliGeneration.V2, false, false, true), ImageCli.FromHelp("i", early2));
    }
}
