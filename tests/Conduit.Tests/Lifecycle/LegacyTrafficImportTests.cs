using System.Text.Json;
using Conduit.Lifecycle;
using Conduit.Tests.Support;
using Conduit.Tracking.Geo;

namespace Conduit.Tests.Lifecycle;

public class LegacyTrafficImportTests
{
    [Theory]
    [InlineData("Iran - #FreeIran", "IR")]
    [InlineData("Iran, Islamic Republic of", "IR")]
    [InlineData("Korea, Republic of", "KR")]
    [InlineData("Russian Federation", "RU")]
    [InlineData("United States", "US")]
    [InlineData("DE", "DE")]
    [InlineData("IP Address not found", "??")]
    public void OldDisplayNamesMapBackToCodes(string name, string code) =>
        Assert.Equal(code, Countries.Code(LegacyTrafficImport.CountryOf(name)));

    [Fact]
    public void TotalsAreAddedToAnExistingStateWithoutLosingBytes()
    {
        using var root = new TempRoot();
        var dir = root.Combine("traffic_stats");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "cumulative_data"), "Iran - #FreeIran|1000|10\nIP Address not found|7|3\nIran - #FreeIran|500|5\n");
        File.WriteAllText(Path.Combine(dir, "cumulative_ips"), "Iran - #FreeIran|5.160.0.1\nIran - #FreeIran|5.160.0.1\nIran - #FreeIran|5.160.0.9\nbroken line\n");

        var import = LegacyTrafficImport.Read(dir)!;
        Assert.Equal(1507UL, import.BytesIn);
        Assert.Equal(18UL, import.BytesOut);
        Assert.Equal(2UL, import.Ips);
        Assert.Equal(["IP Address not found"], import.Unmapped);
        import.AddTo(dir);
        import.AddTo(dir); // a second import adds again: Migration moves the old files aside to prevent it

        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "tracker.json")));
        var countries = doc.RootElement.GetProperty("countries").EnumerateArray().ToDictionary(c => c.GetProperty("code").GetString()!);
        Assert.Equal(3000UL, countries["IR"].GetProperty("bytes_in").GetUInt64());
        Assert.Equal(30UL, countries["IR"].GetProperty("bytes_out").GetUInt64());
        Assert.Equal(4UL, countries["IR"].GetProperty("ips").GetUInt64());
        Assert.Equal(14UL, countries["??"].GetProperty("bytes_in").GetUInt64());
        Assert.Equal(2 * (1507UL + 18UL), doc.RootElement.GetProperty("bytes").GetUInt64());
    }

    [Fact]
    public void ABrokenDataLineNamesFileAndLine()
    {
        using var root = new TempRoot();
        var path = root.Write("cumulative_data", "Germany|100|20\nGermany|lots|20\n");
        var e = Assert.Throws<UsageException>(() => LegacyTrafficImport.Read(root.Path));
        Assert.Equal($"{path}:2: expected Country|from_bytes|to_bytes", e.Message);
    }

    [Fact]
    public void NoOldFilesMeansNothingToImport()
    {
        using var root = new TempRoot();
        Assert.Null(LegacyTrafficImport.Read(root.Path));
    }
}
