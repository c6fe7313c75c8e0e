using System.Net;
using System.Reflection;
using Conduit.Platform;
using Conduit.Settings;
using Conduit.Tracking.Geo;
using ConsoleAppFramework;

namespace Conduit.Cli;

public sealed class GeoipCommands
{
    /// <summary>Country of each address, from the database the tracker uses.</summary>
    /// <param name="addresses">IPv4 or IPv6 addresses</param>
    /// <param name="geoip">country database file (default: GEOIP_DB, else the embedded one)</param>
    /// <param name="json">print JSON</param>
    [Command("lookup")]
    public void Lookup(string? geoip = null, bool json = false, [Argument] params string[] addresses)
    {
        if (addresses.Length == 0) throw new UsageException("geoip lookup: give at least one IP address");
        var parsed = new IPAddress[addresses.Length];
        for (int i = 0; i < addresses.Length; i++)
            if (!IpAddressText.TryParse(addresses[i], out parsed[i]!))
                throw new UsageException($"geoip lookup: '{addresses[i]}' is not an IP address (IPv4 as four numbers 0..255, or IPv6)");
        using var db = Open(geoip);
        var codes = new string[parsed.Length];
        for (int i = 0; i < parsed.Length; i++) codes[i] = db.Lookup(parsed[i]);
        if (json)
        {
            Terminal.WriteJson(w =>
            {
                w.WriteStartArray();
                for (int i = 0; i < parsed.Length; i++)
                {
                    w.WriteStartObject();
                    w.WriteString("ip", parsed[i].ToString());
                    w.WriteString("code", codes[i]);
                    w.WriteString("name", Countries.Name(Countries.Id(codes[i]) is var id && codes[i] == Countries.ReservedCode ? Countries.Reserved : id));
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            });
            return;
        }
        for (int i = 0; i < parsed.Length; i++)
        {
            int id = codes[i] == Countries.ReservedCode ? Countries.Reserved : Countries.Id(codes[i]);
            Console.WriteLine($"{parsed[i],-39} {codes[i]}  {Countries.Name(id)}");
        }
    }

    /// <summary>Which country database is in use: type, build date (warns when older than 90 days), size, checksum.</summary>
    /// <param name="geoip">country database file (default: GEOIP_DB, else the embedded one)</param>
    /// <param name="json">print JSON</param>
    [Command("info")]
    public void Info(string? geoip = null, bool json = false)
    {
        using var db = Open(geoip);
        var info = db.Info();
        int ageDays = (int)(DateTime.UtcNow - info.BuildDate).TotalDays;
        bool stale = ageDays > 90;
        if (json)
        {
            Terminal.WriteJson(w =>
            {
                w.WriteStartObject();
                w.WriteString("source", info.Source);
                w.WriteString("type", info.DatabaseType);
                w.WriteString("build_date", info.BuildDate.ToString("yyyy-MM-dd"));
                w.WriteNumber("age_days", ageDays);
                w.WriteBoolean("stale", stale);
                w.WriteNumber("ip_version", info.IpVersion);
                w.WriteNumber("size", info.Size);
                w.WriteString("sha256", info.Sha256);
                w.WriteEndObject();
            });
        }
        else
        {
            Console.WriteLine($"source      {info.Source}");
            Console.WriteLine($"type        {info.DatabaseType}");
            Console.WriteLine($"build date  {info.BuildDate:yyyy-MM-dd} ({ageDays} days ago)");
            Console.WriteLine($"ip version  {info.IpVersion}");
            Console.WriteLine($"size        {info.Size} bytes");
            Console.WriteLine($"sha256      {info.Sha256}");
            if (info.Source == CountryDatabase.EmbeddedName) Console.WriteLine("licence     CC BY 4.0, IP Geolocation by DB-IP (https://db-ip.com)");
        }
        if (stale)
            Terminal.Warn($"the country database is {ageDays} days old: point --geoip or GEOIP_DB at a fresh GeoLite2 or DB-IP file");
    }

    static CountryDatabase Open(string? geoip)
    {
        string? path = geoip;
        if (path is null)
        {
            var settings = ConduitSettings.Load(CliApp.Paths.SettingsFile);
            if (settings.IsSet("GEOIP_DB")) path = settings["GEOIP_DB"];
        }
        try { return CountryDatabase.OpenDefaultOr(path, CliApp.Paths.GeoipCacheDir); }
        catch (InvalidDataException e) { throw new UsageException($"{(geoip is null ? "GEOIP_DB" : "--geoip")}: {e.Message}"); }
    }
}

public sealed class VersionCommands
{
    /// <summary>Print the version; --licenses adds the licences and attributions of embedded data.</summary>
    /// <param name="licenses">also print third-party licences and data attributions</param>
    [Command("version")]
    public void Version(bool licenses = false)
    {
        Console.WriteLine($"conduit {CliApp.Version}");
        if (!licenses) return;
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("conduit.geo.source.txt");
        if (stream is null) throw new ConduitException("the licence notes are missing from the binary");
        Console.WriteLine();
        Console.Write(new StreamReader(stream).ReadToEnd());
        Console.WriteLine();
        Console.WriteLine("Country names: ISO 3166-1 short names from Debian's iso-codes (LGPL-2.1+ data).");
    }
}
