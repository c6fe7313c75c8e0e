using System.Globalization;
using System.Text.RegularExpressions;
using Conduit.Platform;

namespace Conduit.DataCap;

/// <summary>
/// `cap set SIZE`: a number with an optional unit. DATA_CAP_GB counts GiB (2^30 bytes, as the old tool did), so
/// GB and GiB both mean 2^30 here, MB 2^20, TB 2^40; a bare number is GB. Decimals are allowed (0.01GB).
/// </summary>
public static partial class CapSize
{
    /// <summary>Largest cap DATA_CAP_GB accepts, in GB.</summary>
    public const double MaxGb = 1_000_000;

    /// <summary>The size in GB (GiB), or a <see cref="UsageException"/> naming the value and the form.</summary>
    public static double ParseGb(string text)
    {
        var m = Size().Match(text.Trim());
        if (!m.Success || !double.TryParse(m.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n))
            throw new UsageException($"cap set: '{SafeText.Excerpt(text)}' is not a size; use a number with an optional unit: 500GB, 1.5TB, 0.01GB, 800MB");
        var gb = char.ToUpperInvariant(m.Groups[2].Value is { Length: > 0 } u ? u[0] : 'G') switch
        {
            'M' => n / 1024,
            'T' => n * 1024,
            _ => n,
        };
        if (gb <= 0) throw new UsageException($"cap set: the size must be above 0, got '{SafeText.Excerpt(text)}' (`conduit cap remove` turns the cap off)");
        if (gb > MaxGb) throw new UsageException($"cap set: '{SafeText.Excerpt(text)}' is above the largest cap, {MaxGb.ToString(CultureInfo.InvariantCulture)} GB");
        if (Bytes(gb) < 1) throw new UsageException($"cap set: '{SafeText.Excerpt(text)}' is below one byte");
        return gb;
    }

    /// <summary>The DATA_CAP_GB text for a size: nine decimals, so even kilobyte caps (tests) survive.</summary>
    public static string Format(double gb) => gb.ToString("0.#########", CultureInfo.InvariantCulture);

    public static long Bytes(double gb) => (long)Math.Round(gb * (1L << 30));

    [GeneratedRegex(@"^([0-9]+(?:\.[0-9]+)?|\.[0-9]+)\s*(?:([MGTmgt])(?:i?[Bb])?)?$")]
    private static partial Regex Size();
}
