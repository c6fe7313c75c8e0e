using System.Reflection;
using System.Security.Cryptography;
using Conduit.Tracking.Geo;
using Conduit.Tracking.Packets;

namespace Conduit.Tests.Tracking;

public class GeoTests
{
    [Fact]
    public void Embedded_database_matches_its_pinned_checksum_and_source_note()
    {
        using var stream = typeof(CountryDatabase).Assembly.GetManifestResourceStream(CountryDatabase.EmbeddedResource)!;
        var hash = Convert.ToHexStringLower(SHA256.HashData(stream));
        Assert.Equal(CountryDatabase.EmbeddedSha256, hash);
        using var note = typeof(CountryDatabase).Assembly.GetManifestResourceStream("conduit.geo.source.txt")!;
        var text = new StreamReader(note).ReadToEnd();
        Assert.Contains(hash, text);
        Assert.Contains("CC BY 4.0", text);
        Assert.Contains("DB-IP", text);
    }

    [Theory]
    [InlineData("8.8.8.8", "US")]
    [InlineData("10.1.2.3", "--")]
    [InlineData("100.64.0.1", "--")]
    [InlineData("192.168.1.1", "--")]
    [InlineData("127.0.0.1", "--")]
    [InlineData("169.254.1.1", "--")]
    [InlineData("224.0.0.251", "--")]
    [InlineData("198.51.100.7", "--")]
    [InlineData("fe80::1", "--")]
    [InlineData("fd00::2", "--")]
    [InlineData("::1", "--")]
    [InlineData("2001:db8::1", "--")]
    [InlineData("ff02::1", "--")]
    public void Reserved_ranges_never_reach_a_country(string ip, string expected)
    {
        using var db = Geo.Fresh();
        Assert.Equal(expected, db.Lookup(System.Net.IPAddress.Parse(ip)));
    }

    [Fact]
    public void Cached_resolution_equals_the_database_for_random_addresses()
    {
        using var cached = Geo.Fresh();
        using var plain = Geo.Fresh();
        var rng = new Random(7);
        Span<byte> v6 = stackalloc byte[16];
        for (int i = 0; i < 20_000; i++)
        {
            IpKey key;
            if (i % 3 == 0)
            {
                rng.NextBytes(v6);
                v6[0] = (byte)(0x20 | (v6[0] & 0x0F)); // 2000::/4, the global unicast space
                key = IpKey.FromV6(v6);
            }
            else
            {
                // Cluster addresses so the cache sees hits inside the same networks.
                uint a = (uint)rng.Next(1, 224) << 24 | (uint)rng.Next(0, 4) << 16 | (uint)rng.Next(0, 65536);
                key = IpKey.FromV4(a);
            }
            int expected = ReservedRanges.Contains(key) ? Countries.Reserved : plain.LookupUncached(key, out _);
            Assert.Equal(expected, cached.Resolve(key));
            Assert.Equal(expected, cached.Resolve(key)); // and again, from the cache
        }
    }

    [Fact]
    public void Country_names_come_from_the_iso_table()
    {
        Assert.Equal("United States", Countries.Name(Countries.Id("US")));
        Assert.Equal("Germany", Countries.Name(Countries.Id("de")));
        Assert.Equal("??", Countries.Code(Countries.Unknown));
        Assert.Equal(Countries.Unknown, Countries.Id("U1"));
        Assert.True(Countries.IsKnownCode("IR"));
        Assert.False(Countries.IsKnownCode("ZZ"));
    }

    [Fact]
    public void A_file_that_is_not_a_database_is_refused_with_its_path()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "not a database");
            var e = Assert.Throws<InvalidDataException>(() => CountryDatabase.Open(path));
            Assert.Contains(path, e.Message);
            File.WriteAllBytes(path, []);
            Assert.Contains(path, Assert.Throws<InvalidDataException>(() => CountryDatabase.Open(path)).Message);
            Assert.Contains(path + ".missing", Assert.Throws<InvalidDataException>(() => CountryDatabase.Open(path + ".missing")).Message);
            Assert.Contains(Path.GetTempPath(), Assert.Throws<InvalidDataException>(() => CountryDatabase.Open(Path.GetTempPath())).Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void The_embedded_database_is_shared_through_one_file_copy_named_by_its_checksum()
    {
        var dir = Directory.CreateTempSubdirectory("conduit-geo-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "dbip-country-0000000000000000.mmdb"), "an older version");
            string copy = Path.Combine(dir, $"dbip-country-{CountryDatabase.EmbeddedSha256[..16]}.mmdb");
            using (var db = CountryDatabase.OpenEmbedded(dir))
            {
                Assert.Equal("US", db.Lookup(System.Net.IPAddress.Parse("8.8.8.8")));
                Assert.Equal(CountryDatabase.EmbeddedSha256, db.Info().Sha256);
                Assert.Equal(CountryDatabase.EmbeddedName, db.Source);
            }
            Assert.Equal([copy], Directory.GetFiles(dir));
            Assert.Equal(CountryDatabase.EmbeddedSha256, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(copy))));

            // A second start maps the same file; a copy cut short is written again.
            var written = File.GetLastWriteTimeUtc(copy);
            using (var again = CountryDatabase.OpenEmbedded(dir)) Assert.Equal("US", again.Lookup(System.Net.IPAddress.Parse("8.8.8.8")));
            Assert.Equal(written, File.GetLastWriteTimeUtc(copy));
            using (var file = File.OpenWrite(copy)) file.SetLength(1000);
            using (var repaired = CountryDatabase.OpenEmbedded(dir)) Assert.Equal("US", repaired.Lookup(System.Net.IPAddress.Parse("8.8.8.8")));
            Assert.Equal(CountryDatabase.EmbeddedSha256, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(copy))));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Without_a_writable_cache_folder_the_embedded_database_is_read_from_the_binary()
    {
        var file = Path.GetTempFileName(); // a file where the folder should be: nothing can be written under it
        try
        {
            using var db = CountryDatabase.OpenEmbedded(Path.Combine(file, "geoip"));
            Assert.Equal("US", db.Lookup(System.Net.IPAddress.Parse("8.8.8.8")));
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void Geoip_commands_share_the_file_copy_on_an_installed_machine_and_create_nothing_elsewhere()
    {
        using var root = new Conduit.Tests.Support.TempRoot();
        var plain = Conduit.Tests.Support.ConduitProcess.RunIn(root, "geoip", "lookup", "8.8.8.8");
        Assert.Equal(0, plain.ExitCode);
        Assert.Contains("US", plain.Stdout);
        Assert.False(Directory.Exists(root.Combine("opt", "conduit")), "a lookup must not create the install root");

        Directory.CreateDirectory(root.Combine("opt", "conduit"));
        var installed = Conduit.Tests.Support.ConduitProcess.RunIn(root, "geoip", "lookup", "8.8.8.8");
        Assert.Equal(0, installed.ExitCode);
        Assert.Equal(plain.Stdout, installed.Stdout);
        var copy = Assert.Single(Directory.GetFiles(root.Combine("opt", "conduit", "state", "geoip")));
        Assert.EndsWith($"dbip-country-{CountryDatabase.EmbeddedSha256[..16]}.mmdb", copy);
    }
}
