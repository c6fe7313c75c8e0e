using System.Globalization;
using Conduit.Platform;

namespace Conduit.Ui;

/// <summary>Human figures for the views: durations, percentages, counts (sizes and rates: <see cref="Units"/>).</summary>
internal static class Format
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

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
