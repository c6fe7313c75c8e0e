using System.Globalization;

namespace Conduit.Ui;

/// <summary>Human figures, the way the node prints them (1024-based units, one decimal).</summary>
internal static class Format
{
    static readonly string[] Units = ["B", "KB", "MB", "GB", "TB", "PB", "EB"];
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Bytes(double bytes)
    {
        if (bytes < 1024) return string.Create(Inv, $"{bytes:0} B");
        var i = 0;
        while (bytes >= 1024 && i < Units.Length - 1) { bytes /= 1024; i++; }
        return string.Create(Inv, $"{bytes:0.0} {Units[i]}");
    }

    /// <summary>Bytes per second as network people read it: bits per second, decimal units.</summary>
    public static string Rate(double bytesPerSecond)
    {
        var bits = bytesPerSecond * 8;
        return bits switch
        {
            >= 1e9 => string.Create(Inv, $"{bits / 1e9:0.0} Gbps"),
            >= 1e6 => string.Create(Inv, $"{bits / 1e6:0.0} Mbps"),
            >= 1e3 => string.Create(Inv, $"{bits / 1e3:0.0} kbps"),
            _ => string.Create(Inv, $"{bits:0} bps"),
        };
    }

    public static string Duration(TimeSpan t)
    {
        if (t < TimeSpan.Zero) t = TimeSpan.Zero;
        if (t.TotalDays >= 1) return string.Create(Inv, $"{(int)t.TotalDays}d {t.Hours}h {t.Minutes}m");
        if (t.TotalHours >= 1) return string.Create(Inv, $"{t.Hours}h {t.Minutes}m");
        if (t.TotalMinutes >= 1) return string.Create(Inv, $"{t.Minutes}m {t.Seconds}s");
        return string.Create(Inv, $"{t.Seconds}s");
    }

    public static string Percent(double p) => string.Create(Inv, $"{p:0.0}%");

    public static string Number(long n) => n.ToString("N0", Inv);

    public static string Mbps(double mbps) => mbps == -1 ? "unlimited" : string.Create(Inv, $"{mbps:0.##} Mbps");
}
