using MaxMind.Db;

namespace Conduit.Tracking.Geo;

/// <summary>
/// One database record, read by MaxMind.Db's source generator (AOT-safe). Covers both schemas: GeoIP2/GeoLite2
/// (`country.iso_code`, falling back to `registered_country.iso_code`) and the flat `country_code` one (DB-IP
/// and ip-location-db files).
/// </summary>
public sealed class CountryRecord
{
    [MapKey("country_code")] public string? CountryCode { get; init; }
    [MapKey("country")] public IsoCodeRecord? Country { get; init; }
    [MapKey("registered_country")] public IsoCodeRecord? RegisteredCountry { get; init; }

    public string? Code => CountryCode ?? Country?.IsoCode ?? RegisteredCountry?.IsoCode;
}

public sealed class IsoCodeRecord
{
    [MapKey("iso_code")] public string? IsoCode { get; init; }
}
