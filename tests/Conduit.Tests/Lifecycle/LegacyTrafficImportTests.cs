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

    /// <summary>Every country name libGeoIP 1.6 can print (the old tool stored what `geoiplookup` said), read from
    /// the real library: each maps back to the code libGeoIP gives it. Its region pseudo-codes (AP, EU, A1, A2, O1,
    /// --) and codes that are no country any more (AN, CS, FX, TP, YU...) are no country of ours: they stay ??.</summary>
    [Fact]
    public unsafe void EveryCountryNameLibGeoIPPrintsMapsToItsCode()
    {
        var lib = System.Runtime.InteropServices.NativeLibrary.Load("libGeoIP.so.1");
        try
        {
            var count = ((delegate* unmanaged<uint>)System.Runtime.InteropServices.NativeLibrary.GetExport(lib, "GeoIP_num_countries"))();
            var names = (byte**)System.Runtime.InteropServices.NativeLibrary.GetExport(lib, "GeoIP_country_name");
            var codes = (byte*)System.Runtime.InteropServices.NativeLibrary.GetExport(lib, "GeoIP_country_code");
            var wrong = new List<string>();
            int checkedNames = 0;
            for (int i = 0; i < count; i++)
            {
                var code = System.Text.Encoding.ASCII.GetString(codes + 3 * i, 2);
                if (names[i] is null) continue;
                // libGeoIP's names are ISO-8859-1 (e.g. "Cote D'Ivoire" is plain ASCII, "Aland Islands" too).
                var name = System.Text.Encoding.Latin1.GetString(System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpanFromNullTerminated(names[i]));
                var expected = Countries.IsKnownCode(code) ? code : "??";
                var got = Countries.Code(LegacyTrafficImport.CountryOf(name));
                checkedNames++;
                if (got != expected) wrong.Add($"{name} ({code}) -> {got}");
            }
            Assert.True(checkedNames > 240, $"only {checkedNames} names from libGeoIP");
            Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        }
        finally
        {
            System.Runtime.InteropServices.NativeLibrary.Free(lib);
        }
    }

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
