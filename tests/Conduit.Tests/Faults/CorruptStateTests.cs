using Conduit.NodeStats;
using Conduit.Tests.Support;

namespace Conduit.Tests.Faults;

/// <summary>Damaged state files: a clear one-line error naming the file with the file left as it was, or (where
/// the views must go on) a reset that keeps the bad file aside and says so. Never a crash, never silent zeros.</summary>
public sealed class CorruptStateTests
{
    public static TheoryData<string, string> Damage => new()
    {
        { "truncated", "{\"steps\": [\"settings\", \"bin" },
        { "wrong-shape", "[1, 2, 3]" },
        { "wrong-types", "{\"steps\": [1], \"files\": [{\"path\": 7}], \"values\": 3}" },
        { "zeros", "\0\0\0\0\0\0\0\0" },
    };

    [Theory]
    [MemberData(nameof(Damage))]
    public void A_damaged_install_record_stops_uninstall_before_anything_changes(string kind, string content)
    {
        using var root = new TempRoot("corrupt-" + kind);
        var home = root.Combine("opt", "conduit");
        var record = Path.Combine(home, "state", "install.json");
        Directory.CreateDirectory(Path.GetDirectoryName(record)!);
        File.WriteAllText(Path.Combine(home, "settings.conf"), "CONTAINER_COUNT=0\n");
        File.WriteAllText(record, content);
        var r = ConduitProcess.RunIn(root, "uninstall", "--yes", "--proc-sys", root.Combine("proc"));
        AssertNamedFailure(r, record);
        Assert.Equal(content, File.ReadAllText(record));
        Assert.True(File.Exists(Path.Combine(home, "settings.conf")));
    }

    [Theory]
    [MemberData(nameof(Damage))]
    public void A_damaged_change_record_stops_tune_revert_and_services_status(string kind, string content)
    {
        using var root = new TempRoot("corrupt-" + kind);
        var state = root.Combine("opt", "conduit", "state");
        Directory.CreateDirectory(state);
        Directory.CreateDirectory(root.Combine("proc"));
        foreach (var (name, args) in new[] { ("tune", new[] { "tune", "revert", "--proc-sys", root.Combine("proc") }), ("services", new[] { "services", "status" }) })
        {
            var record = Path.Combine(state, name + ".json");
            File.WriteAllText(record, content);
            var r = ConduitProcess.RunIn(root, args);
            AssertNamedFailure(r, record);
            Assert.Equal(content, File.ReadAllText(record));
        }
    }

    static void AssertNamedFailure(RunResult r, string file)
    {
        Assert.True(r.ExitCode == 1, r.ToString());
        var line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"conduit: {file}: ", line);
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.DoesNotContain('\0', r.Stderr);
    }

    [Theory]
    [MemberData(nameof(Damage))]
    public void Damaged_node_counters_are_kept_aside_and_the_reset_is_said(string kind, string content)
    {
        using var root = new TempRoot("corrupt-" + kind);
        var file = root.Combine(CounterBaselines.FileName);
        File.WriteAllText(file, content);
        var baselines = CounterBaselines.Load(root.Path);
        Assert.Empty(baselines.Nodes);
        Assert.False(File.Exists(file));
        var aside = Assert.Single(Directory.GetFiles(root.Path, CounterBaselines.FileName + ".corrupt-*"));
        Assert.Equal(content, File.ReadAllText(aside));
        Assert.StartsWith($"{file} was unreadable (", baselines.Problem);
        Assert.Contains($"kept as {aside}", baselines.Problem);
        // A good file reads with no problem.
        Assert.Null(CounterBaselines.Load(root.Combine("empty")).Problem);
    }
}
