using Conduit.Platform;

namespace Conduit.Tests.Platform;

/// <summary>One unit policy for every view: `track` divided by 1000 and `peers`/`stats` by 1024, both saying
/// "MB", so 10,000,000 bytes read 10.0 MB in one and 9.5 MB in the other.</summary>
public class UnitsTests
{
    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(999, "999 B")]
    [InlineData(1000, "1.0 kB")]
    [InlineData(10_000_000, "10.0 MB")]
    [InlineData(1_500_000_000_000, "1.5 TB")]
    public void Traffic_sizes_are_SI(double bytes, string text) => Assert.Equal(text, Units.Bytes(bytes));

    [Theory]
    [InlineData(0, "0.0 bit/s")]
    [InlineData(1_487_500, "11.9 Mbit/s")]
    [InlineData(125, "1.0 kbit/s")]
    public void Rates_are_bits_per_second_SI(double bytesPerSecond, string text) => Assert.Equal(text, Units.Rate(bytesPerSecond));

    [Theory]
    [InlineData(384L << 20, "384.0 MiB")]
    [InlineData(100L << 30, "100.0 GiB")]
    public void Memory_and_the_data_cap_are_binary_and_say_so(long bytes, string text) => Assert.Equal(text, Units.Binary(bytes));

    /// <summary>No view scales bytes by itself (it failed before: TrafficTable and Ui/Format each had one): every size and rate goes through <see cref="Units"/>.</summary>
    [Fact]
    public void No_view_has_a_formatter_of_its_own()
    {
        var src = Path.GetFullPath(Path.Combine(Here(), "..", "..", "..", "src", "Conduit"));
        Assert.True(File.Exists(Path.Combine(src, "Platform", "Units.cs")), src);
        // The views and the command surface; readers of the node's own "1.0 KB" (NodeStats/StatsLine) may parse it.
        var offenders = new[] { "Ui", "Cli", Path.Combine("Tracking", "Views") }
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(src, d), "*.cs", SearchOption.AllDirectories))
            .Where(f => System.Text.RegularExpressions.Regex.IsMatch(File.ReadAllText(f), @"/=\s*10(00|24)\b|""(KB|kbit/s|Mbps|Mbit/s)"""))
            .Select(Path.GetFileName).ToList();
        Assert.Empty(offenders);
    }

    static string Here([System.Runtime.CompilerServices.CallerFilePath] string file = "") => Path.GetDirectoryName(file)!;
}
