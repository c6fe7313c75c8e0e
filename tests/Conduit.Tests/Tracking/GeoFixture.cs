using Conduit.Tracking.Geo;

namespace Conduit.Tests.Tracking;

/// <summary>The embedded database, opened once per test run (8 MB: no need to load it per test).</summary>
public static class Geo
{
    static readonly Lazy<CountryDatabase> Shared = new(() => CountryDatabase.OpenEmbedded());

    /// <summary>A reader for expectations; callers must not dispose it.</summary>
    public static CountryDatabase Db => Shared.Value;

    /// <summary>A fresh instance for code under test that owns (and disposes or mutates the cache of) its database.</summary>
    public static CountryDatabase Fresh() => CountryDatabase.OpenEmbedded();

    /// <summary>The expected country code of an address, read straight from the database (no cache).</summary>
    public static string CodeOf(string ip)
    {
        var key = Conduit.Tracking.Packets.IpKey.From(System.Net.IPAddress.Parse(ip));
        if (ReservedRanges.Contains(key)) return Countries.ReservedCode;
        lock (Shared) return Countries.Code(Db.LookupUncached(key, out _));
    }
}
