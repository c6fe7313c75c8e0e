using Conduit.Platform;
using System.Globalization;
using Conduit.Tracking.Geo;
using Conduit.Tracking.Model;
using Conduit.Tracking.Service;

namespace Conduit.Lifecycle;

/// <summary>
/// The bash manager's tracker totals (traffic_stats/cumulative_data `Country|from_bytes|to_bytes` and
/// cumulative_ips `Country|IP`) carried into our tracker's state file, so a migrating user keeps their history.
/// The old files name countries by display name ("Iran - #FreeIran", "Korea, Republic of"): names that map to
/// no ISO code go to the unknown bucket, so no byte is dropped.
/// </summary>
public sealed class LegacyTrafficImport
{
    public const string DataFile = "cumulative_data";
    public const string IpsFile = "cumulative_ips";

    readonly CountryTotals[] _totals = new CountryTotals[Countries.Count];

    public int CountryCount { get; private set; }
    public ulong BytesIn { get; private set; }
    public ulong BytesOut { get; private set; }
    public ulong Ips { get; private set; }
    public SortedSet<string> Unmapped { get; } = new(StringComparer.Ordinal);

    static readonly Dictionary<string, int> ByName = BuildNames();

    /// <summary>Geolocation-library names the old tool stored that differ from the ISO short names.</summary>
    static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Korea, Republic of"] = "KR", ["Republic of Korea"] = "KR", ["Korea, Democratic People's Republic of"] = "KP",
        ["Iran, Islamic Republic of"] = "IR", ["Russia"] = "RU", ["Viet Nam"] = "VN", ["Syrian Arab Republic"] = "SY",
        ["Moldova, Republic of"] = "MD", ["Tanzania, United Republic of"] = "TZ", ["Taiwan, Province of China"] = "TW",
        ["Venezuela, Bolivarian Republic of"] = "VE", ["Bolivia, Plurinational State of"] = "BO",
        ["Lao People's Democratic Republic"] = "LA", ["United States of America"] = "US", ["USA"] = "US",
        ["UK"] = "GB", ["Great Britain"] = "GB", ["Türkiye"] = "TR", ["Turkey"] = "TR",
        // libGeoIP 1.6's own spellings (a test reads every name from the real library).
        ["Cape Verde"] = "CV", ["Czech Republic"] = "CZ", ["Macedonia"] = "MK", ["Macau"] = "MO",
        ["Pitcairn Islands"] = "PN", ["Palestinian Territory"] = "PS", ["Saint Helena"] = "SH", ["Swaziland"] = "SZ",
        ["Saint Martin"] = "MF", ["Bonaire, Saint Eustatius and Saba"] = "BQ", ["Bonaire"] = "BQ",
    };

    static Dictionary<string, int> BuildNames()
    {
        var names = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (int id = 0; id < Countries.Unknown; id++)
            if (Countries.IsKnownCode(Countries.Code(id))) names[Countries.Name(id)] = names[Unaccented(Countries.Name(id))] = id;
        return names;
    }

    /// <summary>libGeoIP writes names without accents ("Cote D'Ivoire", "Aland Islands", "Curacao"). A table,
    /// not Unicode normalization: the product runs with invariant globalization.</summary>
    static string Unaccented(string name) => string.Create(name.Length, name, static (span, source) =>
    {
        const string accented = "ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖØòóôõöøÙÚÛÜùúûüÝýÿ";
        const string plain = "AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOOooooooUUUUuuuuYyy";
        for (int i = 0; i < source.Length; i++)
        {
            int at = accented.IndexOf(source[i]);
            span[i] = at < 0 ? source[i] : plain[at];
        }
    });

    /// <summary>The country id of an old display name; <see cref="Countries.Unknown"/> when none fits.</summary>
    public static int CountryOf(string displayName)
    {
        var name = displayName.Trim();
        // The old tool appended slogans after " - " (e.g. "Iran - #FreeIran").
        int dash = name.IndexOf(" - ", StringComparison.Ordinal);
        if (dash > 0) name = name[..dash].Trim();
        if (ByName.TryGetValue(name, out var id) || ByName.TryGetValue(Unaccented(name), out id)) return id;
        if (Aliases.TryGetValue(name, out var code)) return Countries.Id(code);
        if (name.Length == 2 && Countries.IsKnownCode(name.ToUpperInvariant())) return Countries.Id(name);
        int comma = name.IndexOf(',');
        if (comma > 0 && ByName.TryGetValue(name[..comma], out id)) return id;
        return Countries.Unknown;
    }

    /// <summary>Reads the old files from <paramref name="dir"/>; null when neither exists.</summary>
    public static LegacyTrafficImport? Read(string dir)
    {
        var data = Path.Combine(dir, DataFile);
        var ips = Path.Combine(dir, IpsFile);
        if (!File.Exists(data) && !File.Exists(ips)) return null;
        var import = new LegacyTrafficImport();
        var seen = new HashSet<int>();
        if (File.Exists(data))
        {
            int number = 0;
            foreach (var line in File.ReadLines(data))
            {
                number++;
                if (line.Trim().Length == 0) continue;
                var parts = line.Split('|');
                if (parts.Length != 3
                    || !ulong.TryParse(parts[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var from)
                    || !ulong.TryParse(parts[2].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var to))
                    throw new UsageException($"{data}:{number}: expected Country|from_bytes|to_bytes");
                int id = import.Country(parts[0]);
                // FROM = received from peers = in; TO = sent to peers = out.
                import._totals[id].BytesIn += from;
                import._totals[id].BytesOut += to;
                import.BytesIn += from;
                import.BytesOut += to;
                seen.Add(id);
            }
        }
        if (File.Exists(ips))
        {
            var pairs = new HashSet<(int, string)>();
            foreach (var line in File.ReadLines(ips))
            {
                int bar = line.IndexOf('|');
                if (bar <= 0) continue;
                var ip = line[(bar + 1)..].Trim();
                if (!System.Net.IPAddress.TryParse(ip, out _)) continue;
                int id = import.Country(line[..bar]);
                if (pairs.Add((id, ip)))
                {
                    import._totals[id].Ips++;
                    import.Ips++;
                    seen.Add(id);
                }
            }
        }
        import.CountryCount = seen.Count;
        return import;
    }

    int Country(string displayName)
    {
        int id = CountryOf(displayName);
        if (id == Countries.Unknown) Unmapped.Add(displayName.Trim());
        return id;
    }

    /// <summary>Adds the imported totals to the tracker's state file (created when missing), atomically.</summary>
    public void AddTo(string trafficStatsDir)
    {
        using var geo = CountryDatabase.OpenEmbedded();
        var accountant = new TrafficAccountant(geo, LocalAddresses.None, ipCap: 1024);
        var store = new StateStore(trafficStatsDir);
        store.RestoreInto(accountant, Terminal.Warn);
        for (int id = 0; id < _totals.Length; id++)
            if (!_totals[id].IsEmpty) accountant.Restore(id, _totals[id]);
        accountant.Bytes += BytesIn + BytesOut;
        var now = DateTime.UtcNow;
        store.Save(accountant.Snapshot(now, now, "import", "bash manager traffic_stats", 0));
    }
}
