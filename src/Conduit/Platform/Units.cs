using System.Globalization;

namespace Conduit.Platform;

/// <summary>
/// How every view writes sizes and rates, so the same bytes read the same everywhere: traffic in SI units
/// (1 MB = 1,000,000 bytes) and rates in bits per second (Mbit/s), as network people and the README use them;
/// memory and the data cap in binary units, labelled so (MiB, GiB), as their settings are ("384m" is Docker's MiB,
/// DATA_CAP_GB counts GiB, as the old tool's did).
/// </summary>
public static class Units
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    static readonly string[] Sizes = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    static readonly string[] Memories = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    static readonly string[] BitRates = ["bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s"];

    /// <summary>Traffic and file sizes: "10.0 MB" for 10,000,000 bytes.</summary>
    public static string Bytes(double bytes) => Scaled(bytes, 1000, Sizes);

    /// <summary>RAM and the data cap: "384.0 MiB" for 384 * 2^20 bytes.</summary>
    public static string Binary(double bytes) => Scaled(bytes, 1024, Memories);

    /// <summary>Bytes per second as bits per second: "11.9 Mbit/s".</summary>
    public static string Rate(double bytesPerSecond)
    {
        double v = Math.Max(0, bytesPerSecond * 8);
        int u = 0;
        while (v >= 1000 && u < BitRates.Length - 1) { v /= 1000; u++; }
        return string.Create(Inv, $"{v:0.0} {BitRates[u]}");
    }

    static string Scaled(double value, double step, string[] units)
    {
        if (value < step) return string.Create(Inv, $"{Math.Max(0, value):0} B");
        int u = 0;
        while (value >= step && u < units.Length - 1) { value /= step; u++; }
        return string.Create(Inv, $"{value:0.0} {units[u]}");
    }
}
