using System.Text.Json;
using Conduit.DataCap;
using Conduit.Host.Health;
using Conduit.Platform;
using Conduit.Tests.Support;

namespace Conduit.Tests.DataCap;

/// <summary>`cap set` input, and the count itself against interface counters in a fake /sys/class/net (no Docker:
/// with action stop, nothing below 100% touches the nodes).</summary>
public sealed class CapCommandTests
{
    sealed class Alerts : IAlertNotifier
    {
        public List<string> Lines { get; } = [];
        public void Alert(HealthLevel level, string check, string message) => Lines.Add($"{level} {check}: {message}");
    }

    [Theory]
    [InlineData("abc", "is not a size")]
    [InlineData("-5GB", "is not a size")]
    [InlineData("5XB", "is not a size")]
    [InlineData("1e3", "is not a size")]
    [InlineData("5 G B", "is not a size")]
    [InlineData("0", "must be above 0")]
    [InlineData("0.0GB", "must be above 0")]
    [InlineData("2000000TB", "above the largest cap")]
    public void Bad_sizes_give_one_line_exit_2_and_write_nothing(string size, string why)
    {
        using var root = new TempRoot();
        var r = ConduitProcess.RunIn(root, "cap", "set", size);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.StartsWith("conduit: cap set: ", r.Stderr);
        Assert.Contains(why, r.Stderr);
        Assert.Single(r.Stderr.TrimEnd('\n').Split('\n'));
        Assert.False(File.Exists(root.Combine("opt", "conduit", "settings.conf")));
    }

    [Theory]
    [InlineData("--reset-day", "31", "--reset-day must be 1-28")]
    [InlineData("--reset-day", "x", "--reset-day: 'x' is not a valid value")]
    [InlineData("--action", "slow", "--action must be throttle or stop")]
    [InlineData("--source", "disk", "--source must be interface or nodes")]
    public void Bad_options_give_one_line_exit_2_and_write_nothing(string option, string value, string why)
    {
        using var root = new TempRoot();
        var settings = root.Write("opt/conduit/settings.conf", "DATA_CAP_IFACE=lo\n");
        var r = ConduitProcess.RunIn(root, "cap", "set", "5GB", option, value);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(why, r.Stderr);
        Assert.Single(r.Stderr.TrimEnd('\n').Split('\n'));
        Assert.Equal("DATA_CAP_IFACE=lo\n", File.ReadAllText(settings));
    }

    [Theory]
    [InlineData("500GB", "500", 500L << 30)]
    [InlineData("1.5TB", "1536", 1536L << 30)]
    [InlineData("800MB", "0.78125", 800L << 20)]
    [InlineData("0.01GB", "0.01", 10_737_418)]
    [InlineData("2", "2", 2L << 30)]
    [InlineData("3GiB", "3", 3L << 30)]
    public void Sizes_take_units_and_decimals(string size, string saved, long bytes)
    {
        using var root = new TempRoot();
        root.Write("opt/conduit/settings.conf", "DATA_CAP_IFACE=lo\n");
        var r = ConduitProcess.RunIn(root, "cap", "set", size, "--reset-day", "5", "--action", "stop");
        Assert.True(r.ExitCode == 0, r.ToString());
        var file = File.ReadAllText(root.Combine("opt", "conduit", "settings.conf"));
        Assert.Contains($"DATA_CAP_GB={saved}\n", file);
        Assert.Contains("DATA_CAP_RESET_DAY=5\n", file);
        Assert.Contains("DATA_CAP_ACTION=stop\n", file);
        var show = ConduitProcess.RunIn(root, "cap", "show", "--json");
        using var doc = JsonDocument.Parse(show.Stdout);
        Assert.Equal(bytes, doc.RootElement.GetProperty("cap_bytes").GetInt64());
        Assert.Equal("lo", doc.RootElement.GetProperty("interface").GetString());
        Assert.Equal("normal", doc.RootElement.GetProperty("nodes").GetString());
        Assert.InRange(doc.RootElement.GetProperty("days_to_reset").GetInt32(), 1, 31);
        // remove turns it off and forgets the count
        r = ConduitProcess.RunIn(root, "cap", "remove");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("data cap: off", r.Stdout);
        Assert.False(File.Exists(root.Combine("opt", "conduit", "state", CapState.FileName)));
    }

    [Fact]
    public async Task Usage_imports_the_legacy_keys_grows_with_the_counter_never_drops_on_a_reset_and_restarts_on_the_reset_day()
    {
        using var root = new TempRoot();
        var paths = new ConduitPaths(root.Combine("opt", "conduit"), root.Path);
        var net = root.Combine("net");
        void Counters(long rx, long tx)
        {
            root.Write("net/fake0/statistics/rx_bytes", rx + "\n");
            root.Write("net/fake0/statistics/tx_bytes", tx + "\n");
        }
        // 0.000002 GB = 2147 bytes; the old tool's baselines and prior usage.
        root.Write("opt/conduit/settings.conf",
            "DATA_CAP_GB=0.000002\nDATA_CAP_IFACE=fake0\nDATA_CAP_ACTION=stop\nDATA_CAP_RESET_DAY=5\n" +
            "DATA_CAP_PRIOR_USAGE=1100\nDATA_CAP_BASELINE_RX=100\nDATA_CAP_BASELINE_TX=50\n");
        var now = DateTimeOffset.Parse("2026-12-04T12:00:00Z");
        var ops = new DataCapOperations(paths, () => now, net);
        var alerts = new Alerts();

        Counters(600, 250);
        var r = await ops.CheckAsync(alerts, default);
        Assert.Equal(1100 + 500 + 200, r.Status.UsedBytes); // v1: prior + (rx - baseline) + (tx - baseline)
        Assert.Contains(r.Events, e => e.Contains("imported from DATA_CAP_PRIOR_USAGE"));
        Assert.Equal(DateTimeOffset.Parse("2026-11-05T00:00:00Z"), r.Status.PeriodStart);
        Assert.Equal(DateTimeOffset.Parse("2026-12-05T00:00:00Z"), r.Status.NextReset);
        Assert.Equal(1, r.Status.DaysToReset);
        Assert.Equal(["Warn data cap: 80% of the data cap used: 1.8 KiB of 2.1 KiB (resets 2026-12-05)"], alerts.Lines);

        Counters(700, 250);
        Assert.Equal(1900, (await ops.CheckAsync(alerts, default)).Status.UsedBytes);
        Counters(700, 300);
        r = await ops.CheckAsync(alerts, default);
        Assert.Equal(1950, r.Status.UsedBytes);
        Assert.Equal(2, alerts.Lines.Count); // 90%, once
        Assert.StartsWith("Warn data cap: 90%", alerts.Lines[1]);
        Assert.Equal(CapLevel.Normal, r.Status.Applied); // action stop: nothing before 100%

        // The interface was recreated (or the host rebooted): counters start again from 0, usage only grows.
        Counters(10, 5);
        Assert.Equal(1965, (await ops.CheckAsync(alerts, default)).Status.UsedBytes);
        Assert.Equal(1965, CapState.Load(paths)!.UsedBytes); // persisted
        Assert.Equal(2, alerts.Lines.Count);

        // The reset day passes: a new count from the current reading, alerts armed again.
        now = DateTimeOffset.Parse("2026-12-05T00:00:30Z");
        r = await ops.CheckAsync(alerts, default);
        Assert.Equal(0, r.Status.UsedBytes);
        Assert.Contains(r.Events, e => e.StartsWith("new period from 2026-12-05"));
        Assert.Equal(DateTimeOffset.Parse("2027-01-05T00:00:00Z"), r.Status.NextReset);
        Counters(1010, 5);
        Assert.Equal(1000, (await ops.CheckAsync(alerts, default)).Status.UsedBytes);
        Assert.Equal(2, alerts.Lines.Count);

        // A missing interface is an error that changes nothing.
        File.WriteAllText(paths.SettingsFile, File.ReadAllText(paths.SettingsFile).Replace("DATA_CAP_IFACE=fake0", "DATA_CAP_IFACE=gone0"));
        var e = await Assert.ThrowsAsync<ConduitException>(() => ops.CheckAsync(alerts, default));
        Assert.Contains("interface gone0 does not exist", e.Message);
        Assert.Equal(1000, CapState.Load(paths)!.UsedBytes);
    }

    [Fact]
    public void A_damaged_state_file_is_an_error_not_a_fresh_count()
    {
        using var root = new TempRoot();
        root.Write("opt/conduit/settings.conf", "DATA_CAP_GB=5\nDATA_CAP_IFACE=lo\n");
        root.Write("opt/conduit/state/data_cap.json", "{ \"counter\": ");
        var r = ConduitProcess.RunIn(root, "cap", "check");
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("damaged data cap state", r.Stderr);
    }

    [Fact]
    public void A_fake_clock_that_is_not_a_time_is_refused()
    {
        using var root = new TempRoot();
        var r = ConduitProcess.Run(["cap", "show"], new Dictionary<string, string?>
        {
            ["CONDUIT_HOME"] = root.Combine("opt", "conduit"),
            [CapClock.Variable] = "tomorrow",
        });
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("CONDUIT_NOW='tomorrow' is not an ISO 8601 time", r.Stderr);
    }
}
