using System.Net;
using System.Reflection;
using System.Security.Cryptography;
using Conduit.Platform;
using Conduit.Tracking.Packets;
using MaxMind.Db;

namespace Conduit.Tracking.Geo;

/// <summary>Facts about the loaded database for `conduit geoip info`.</summary>
public sealed record CountryDatabaseInfo(string Source, string DatabaseType, DateTime BuildDate, int IpVersion, long Size, string Sha256);

/// <summary>
/// Maps addresses to country ids with a MaxMind DB file (the embedded DB-IP default or a user's GeoLite2 /
/// DB-IP file). Reserved ranges never reach the database. A small direct-mapped cache remembers the last
/// network seen per address prefix, so repeated lookups inside one network cost a few compares, exactly.
/// Not thread-safe: owned by the accounting thread (one writer).
/// </summary>
public sealed class CountryDatabase : IDisposable
{
    public const string EmbeddedName = "embedded";
    public const string EmbeddedResource = "conduit.geo.country.mmdb";
    /// <summary>Pinned checksum of the embedded file (Tracking/Geo/data/SOURCE.txt); a test checks it.</summary>
    public const string EmbeddedSha256 = "4e7f53dd9c6ebe0e7244d5dd4cc03639bc9dbe0a5a83eca90db50eeaeea72024";

    const int CacheBits = 14;
    readonly Reader _reader;
    readonly Func<Stream> _openBytes;
    readonly CacheSlot[] _cache = new CacheSlot[1 << CacheBits];

    struct CacheSlot
    {
        public ulong NetHi, NetLo; // network address (masked)
        public int Bits;           // prefix length over the 128-bit key; 0 = empty slot
        public int Country;
    }

    /// <param name="openBytes">opens the database's bytes again (for <see cref="Info"/>); the reader keeps its own copy</param>
    CountryDatabase(string source, Func<Stream> openBytes, Func<Reader> openReader)
    {
        Source = source;
        _openBytes = openBytes;
        try
        {
            _reader = openReader();
        }
        catch (Exception e) when (e is InvalidDatabaseException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InvalidDataException($"{source}: not a MaxMind DB country database ({e.Message})");
        }
    }

    /// <summary>"embedded" or the file path.</summary>
    public string Source { get; }

    /// <param name="cacheDirectory">where a file copy of the embedded database may live (the tool's state folder):
    /// the reader then maps that file, so a start costs no copy and every conduit process shares the same pages.
    /// When the folder is not writable the database is read from the binary as usual.</param>
    public static CountryDatabase OpenEmbedded(string? cacheDirectory = null)
    {
        if (cacheDirectory is not null && OpenCachedCopy(cacheDirectory) is { } cached) return cached;
        // The reader copies the stream once into memory of its own; the resource itself is the binary's mapped image.
        return new CountryDatabase(EmbeddedName, EmbeddedStream, () =>
        {
            using var stream = EmbeddedStream();
            return new Reader(stream);
        });
    }

    static Stream EmbeddedStream() => Assembly.GetExecutingAssembly().GetManifestResourceStream(EmbeddedResource)
        ?? throw new InvalidOperationException("the embedded country database is missing from the binary");

    /// <summary>The embedded database through its file copy in <paramref name="directory"/> (named by its checksum,
    /// written atomically once, older versions removed); null when that is not possible here.</summary>
    static unsafe CountryDatabase? OpenCachedCopy(string directory)
    {
        var path = Path.Combine(directory, $"dbip-country-{EmbeddedSha256[..16]}.mmdb");
        try
        {
            using (var resource = EmbeddedStream() as UnmanagedMemoryStream)
            {
                if (resource is null) return null;
                if (!File.Exists(path) || new FileInfo(path).Length != resource.Length)
                {
                    if (Directory.Exists(directory))
                        foreach (var old in Directory.EnumerateFiles(directory, "dbip-country-*.mmdb")) File.Delete(old);
                    AtomicFile.WriteAllBytes(path, new ReadOnlySpan<byte>(resource.PositionPointer, checked((int)resource.Length)), AtomicFile.Public);
                }
            }
            // Mapped, not copied: the file is ours, named by its checksum and only ever replaced by a rename.
            return new CountryDatabase(EmbeddedName, EmbeddedStream, () => new Reader(path, FileAccessMode.MemoryMapped));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return null;
        }
    }

    /// <summary>Opens a user's file; throws <see cref="InvalidDataException"/> naming the file when it is unusable.</summary>
    public static CountryDatabase Open(string path)
    {
        if (!File.Exists(path)) throw new InvalidDataException($"{path}: cannot read the country database (no such file)");
        // FileAccessMode.Memory, not MemoryMapped: a file replaced or cut short in place under a mapping would
        // crash the tracker (SIGBUS); a private copy cannot change under it.
        var db = new CountryDatabase(path, () => File.OpenRead(path), () => new Reader(path, FileAccessMode.Memory));
        try
        {
            db.RequireCountryRecords();
            return db;
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    /// <summary>A file that opens but maps nothing to a country (an empty tree, an ASN database) would make every
    /// address "??" for as long as the tracker runs: refuse it at start instead. The first country record of a real
    /// database is among its first networks; a bounded walk keeps an odd file from costing a long start.</summary>
    void RequireCountryRecords()
    {
        const int Walk = 10_000;
        int seen = 0;
        try
        {
            foreach (var node in _reader.FindAll<CountryRecord>())
            {
                if (node.Data?.Code is { Length: 2 }) return;
                if (++seen == Walk) break;
            }
        }
        catch (InvalidDatabaseException e)
        {
            throw new InvalidDataException($"{Source}: a damaged MaxMind DB file ({e.Message})");
        }
        throw new InvalidDataException(seen == 0
            ? $"{Source}: the database holds no networks (an empty or cut file?)"
            : $"{Source}: no country code in {(seen == Walk ? "the first 10,000" : $"any of its {seen}")} networks: not a country database (an ASN or city-only file?)");
    }

    /// <summary>The embedded database unless a path is given (empty = embedded).</summary>
    public static CountryDatabase OpenDefaultOr(string? path, string? cacheDirectory = null) =>
        string.IsNullOrEmpty(path) ? OpenEmbedded(cacheDirectory) : Open(path);

    public CountryDatabaseInfo Info()
    {
        var m = _reader.Metadata;
        using var bytes = _openBytes();
        long size = bytes.Length;
        return new CountryDatabaseInfo(Source, m.DatabaseType, m.BuildDate, m.IPVersion, size,
            Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    /// <summary>Country id for an address, reserved ranges first, then the cache, then the database.</summary>
    public int Resolve(IpKey ip)
    {
        if (ReservedRanges.Contains(ip)) return Countries.Reserved;
        ref var slot = ref _cache[SlotOf(ip)];
        if (slot.Bits != 0 && InNetwork(ip, slot.NetHi, slot.NetLo, slot.Bits)) return slot.Country;
        int country = LookupUncached(ip, out int bits);
        if (bits > 0)
        {
            Mask(ip, bits, out slot.NetHi, out slot.NetLo);
            slot.Bits = bits;
            slot.Country = country;
        }
        return country;
    }

    /// <summary>The database lookup itself (allocates an IPAddress and the record): used once per new network.</summary>
    public int LookupUncached(IpKey ip, out int bits)
    {
        var address = ip.ToIPAddress();
        CountryRecord? record;
        int prefix;
        try
        {
            record = _reader.Find<CountryRecord>(address, out prefix);
        }
        catch (InvalidDatabaseException)
        {
            bits = 0;
            return Countries.Unknown;
        }
        // The reader reports IPv4 prefixes within the IPv4 subtree (0..32); make them 128-bit (::ffff:0:0/96).
        bits = ip.IsV4 ? 96 + Math.Min(prefix, 32) : prefix;
        return record?.Code is { } code ? Countries.Id(code) : Countries.Unknown;
    }

    /// <summary>The country code of an address as text (for `conduit geoip lookup`).</summary>
    public string Lookup(IPAddress address) => Countries.Code(Resolve(IpKey.From(address)));

    // The cache slot depends only on the top 16 bits (IPv4) / 32 bits (IPv6): every address of a network
    // longer than that prefix lands in the same slot, so a hit is exact and a miss is one database lookup.
    static int SlotOf(IpKey ip)
    {
        ulong top = ip.IsV4 ? ip.V4 >> 16 : (ip.Hi >> 32) | 0x1_0000_0000UL;
        return (int)((top * 0x9E3779B97F4A7C15UL) >> (64 - CacheBits));
    }

    static void Mask(IpKey ip, int bits, out ulong hi, out ulong lo)
    {
        if (bits >= 128) { hi = ip.Hi; lo = ip.Lo; return; }
        if (bits >= 64) { hi = ip.Hi; lo = bits == 64 ? 0 : ip.Lo & ~(ulong.MaxValue >> (bits - 64)); return; }
        hi = bits == 0 ? 0 : ip.Hi & ~(ulong.MaxValue >> bits);
        lo = 0;
    }

    static bool InNetwork(IpKey ip, ulong netHi, ulong netLo, int bits)
    {
        Mask(ip, bits, out var hi, out var lo);
        return hi == netHi && lo == netLo;
    }

    public void Dispose() => _reader.Dispose();
}
