using System.Net;
using System.Text;
using Conduit.Tests.Support;
using Conduit.Tracking.Geo;

namespace Conduit.Tests.Tracking;

/// <summary>
/// The GeoIP2 schema (what a user's GeoLite2-Country file holds) next to the flat one the embedded DB-IP file
/// uses: a tiny MaxMind DB is written here by hand (spec: maxmind.github.io/MaxMind-DB) and read through
/// `--geoip` like a user's file.
/// </summary>
public class MmdbWriterTests
{
    [Fact]
    public void Geoip2_schema_with_registered_country_fallback_and_flat_schema_both_resolve()
    {
        using var root = new TempRoot();
        var path = root.Combine("GeoLite2-Country-test.mmdb");
        File.WriteAllBytes(path, TinyMmdb.Build(
        [
            (1, 8, TinyMmdb.Map(("country", TinyMmdb.Map(("iso_code", TinyMmdb.Str("JP")))),
                                ("registered_country", TinyMmdb.Map(("iso_code", TinyMmdb.Str("US")))))),
            (2, 8, TinyMmdb.Map(("registered_country", TinyMmdb.Map(("iso_code", TinyMmdb.Str("FR")))))),
            (3, 8, TinyMmdb.Map(("country_code", TinyMmdb.Str("DE")))),
        ]));
        using (var db = CountryDatabase.Open(path))
        {
            Assert.Equal("JP", db.Lookup(IPAddress.Parse("1.2.3.4")));
            Assert.Equal("FR", db.Lookup(IPAddress.Parse("2.200.0.1")));
            Assert.Equal("DE", db.Lookup(IPAddress.Parse("3.0.0.9")));
            Assert.Equal("??", db.Lookup(IPAddress.Parse("4.4.4.4")));
            Assert.Equal("GeoLite2-Country", db.Info().DatabaseType);
        }
        var run = ConduitProcess.RunIn(root, "geoip", "lookup", "--geoip", path, "1.1.1.1", "2.2.2.2", "3.3.3.3", "9.9.9.9");
        Assert.True(run.ExitCode == 0, run.ToString());
        var codes = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]).ToArray();
        Assert.Equal(["JP", "FR", "DE", "??"], codes);
        var info = ConduitProcess.RunIn(root, "geoip", "info", "--geoip", path, "--json");
        Assert.Contains("\"type\": \"GeoLite2-Country\"", info.Stdout);
        Assert.Contains("days old", info.Stderr); // built in 2020: the staleness warning
    }

    [Fact]
    public void A_database_without_country_records_is_refused_before_anything_is_counted()
    {
        using var root = new TempRoot();
        var empty = root.Combine("empty.mmdb");
        File.WriteAllBytes(empty, TinyMmdb.Build([]));
        var asn = root.Combine("GeoLite2-ASN.mmdb");
        File.WriteAllBytes(asn, TinyMmdb.Build(
        [
            (8, 8, TinyMmdb.Map(("autonomous_system_number", TinyMmdb.Uint(6, 3356, 2)))),
            (9, 8, TinyMmdb.Map(("autonomous_system_number", TinyMmdb.Uint(6, 19281, 2)))),
        ]));
        foreach (var (path, why) in new[] { (empty, "the database holds no networks (an empty or cut file?)"),
                     (asn, "no country code in any of its 2 networks: not a country database (an ASN or city-only file?)") })
        {
            foreach (var args in new[] { new[] { "geoip", "lookup", "--geoip", path, "8.8.8.8" }, ["geoip", "info", "--geoip", path] })
            {
                var r = ConduitProcess.RunIn(root, args);
                Assert.Equal(2, r.ExitCode);
                Assert.Equal($"conduit: --geoip: {path}: {why}\n", r.Stderr);
                Assert.Equal("", r.Stdout);
            }
        }
    }
}

/// <summary>Writes an IPv4 MaxMind DB with 24-bit records mapping prefixes to data maps.</summary>
static class TinyMmdb
{
    public static byte[] Str(string s)
    {
        var b = Encoding.UTF8.GetBytes(s);
        return [(byte)(2 << 5 | b.Length), .. b];
    }

    public static byte[] Map(params (string Key, byte[] Value)[] pairs)
    {
        var o = new List<byte> { (byte)(7 << 5 | pairs.Length) };
        foreach (var (k, v) in pairs) { o.AddRange(Str(k)); o.AddRange(v); }
        return [.. o];
    }

    public static byte[] Uint(int type, ulong value, int bytes)
    {
        var o = new List<byte>();
        if (type <= 7) o.Add((byte)(type << 5 | bytes));
        else { o.Add((byte)bytes); o.Add((byte)(type - 7)); }
        for (int i = bytes - 1; i >= 0; i--) o.Add((byte)(value >> (8 * i)));
        return [.. o];
    }

    public static byte[] Build((byte FirstOctet, int Bits, byte[] Data)[] networks)
    {
        // Trie of nodes: each record is -1 (empty), a node index, or -(2 + data index).
        var nodes = new List<int[]> { new[] { -1, -1 } };
        var data = new List<byte>();
        var dataOffsets = new List<int>();
        for (int n = 0; n < networks.Length; n++)
        {
            dataOffsets.Add(data.Count);
            data.AddRange(networks[n].Data);
            int node = 0;
            uint prefix = (uint)networks[n].FirstOctet << 24;
            for (int bit = 0; bit < networks[n].Bits; bit++)
            {
                int side = (int)(prefix >> (31 - bit)) & 1;
                if (bit == networks[n].Bits - 1) { nodes[node][side] = -(2 + n); break; }
                if (nodes[node][side] < 0) { nodes.Add([-1, -1]); nodes[node][side] = nodes.Count - 1; }
                node = nodes[node][side];
            }
        }
        int count = nodes.Count;
        var output = new List<byte>();
        foreach (var rec in nodes)
            foreach (var r in rec)
            {
                int value = r >= 0 ? r : r == -1 ? count : count + 16 + dataOffsets[-r - 2];
                output.Add((byte)(value >> 16)); output.Add((byte)(value >> 8)); output.Add((byte)value);
            }
        output.AddRange(new byte[16]);
        output.AddRange(data);
        output.AddRange([0xAB, 0xCD, 0xEF, .. Encoding.ASCII.GetBytes("MaxMind.com")]);
        var meta = new List<byte> { (byte)(7 << 5 | 9) };
        void Pair(string k, byte[] v) { meta.AddRange(Str(k)); meta.AddRange(v); }
        Pair("node_count", Uint(6, (ulong)count, 4));
        Pair("record_size", Uint(5, 24, 2));
        Pair("ip_version", Uint(5, 4, 2));
        Pair("database_type", Str("GeoLite2-Country"));
        Pair("languages", [0x00, 11 - 7]); // empty array (extended type 11)
        Pair("binary_format_major_version", Uint(5, 2, 2));
        Pair("binary_format_minor_version", Uint(5, 0, 2));
        Pair("build_epoch", Uint(9, 1_600_000_000, 8));
        Pair("description", Map(("en", Str("conduit test database"))));
        output.AddRange(meta);
        return [.. output];
    }
}
