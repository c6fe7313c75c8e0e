using Conduit.Tests.Support;

namespace Conduit.Tests.Faults;

/// <summary>CONDUIT_HOME on a small tmpfs, filled up: a write that cannot happen is one line naming the file,
/// exit 1, the previous file intact and no temporary left; once there is room the same command succeeds.</summary>
public sealed class DiskFullTests
{
    [Fact]
    public void Settings_set_on_a_full_disk_keeps_the_old_file_and_succeeds_once_there_is_room()
    {
        using var root = new TempRoot();
        var home = root.Combine("home");
        Directory.CreateDirectory(home);
        TrackerStateFaultTests.Run("mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", home);
        try
        {
            var settings = Path.Combine(home, "settings.conf");
            const string before = "# mine\nMAX_CLIENTS=100\n";
            File.WriteAllText(settings, before);
            var filler = Path.Combine(home, "filler");
            TrackerStateFaultTests.Fill(filler);
            var env = new Dictionary<string, string?> { ["CONDUIT_HOME"] = home };

            var full = ConduitProcess.Run(["settings", "set", "MAX_CLIENTS", "300"], env);
            Assert.True(full.ExitCode == 1, full.ToString());
            var line = Assert.Single(full.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"conduit: {settings}: cannot write (", line);
            Assert.Contains("No space left on device", line);
            Assert.EndsWith("the previous file is unchanged", line);
            Assert.Equal(before, File.ReadAllText(settings));
            Assert.Equal(["filler", "settings.conf"], Directory.GetFileSystemEntries(home).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal));

            File.Delete(filler);
            var room = ConduitProcess.Run(["settings", "set", "MAX_CLIENTS", "300"], env);
            Assert.True(room.ExitCode == 0, room.ToString());
            Assert.Equal("# mine\nMAX_CLIENTS=300\n", File.ReadAllText(settings));
        }
        finally
        {
            TrackerStateFaultTests.Run("umount", "-l", home);
        }
    }
}
