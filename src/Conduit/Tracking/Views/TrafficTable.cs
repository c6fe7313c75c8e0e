using System.Globalization;
using System.Text;
using Conduit.Tracking.Model;

namespace Conduit.Tracking.Views;

public enum TableSort { Total, In, Out, Ips, Rate }

/// <summary>Renders a snapshot as text: a header and the top countries. Used by the TUI and by plain output.</summary>
public static class TrafficTable
{
    public static string Render(TrafficSnapshot s, TableSort sort, int rows, int width, bool color, string? footer = null)
    {
        var b = new StringBuilder(4096);
        string bold = color ? "\e[1m" : "", dim = color ? "\e[2m" : "", reset = color ? "\e[0m" : "", bar = color ? "\e[36m" : "";
        b.Append(bold).Append("conduit track").Append(reset)
         .Append($"  {s.Source}  backend {s.Backend}  up {Duration(s.Uptime)}\n");
        b.Append($"{Rate(s.PacketsPerSecond)} pkt/s  in {Bits(s.BytesInPerSecond)}  out {Bits(s.BytesOutPerSecond)}  ")
         .Append($"packets {Count(s.Counters.Packets)}  dropped {Count(s.Counters.Dropped)}  malformed {Count(s.Counters.Malformed)}  ")
         .Append($"IPs {Count((ulong)s.IpsHeld)}\n\n");

        var list = new List<CountryRow>(s.Countries.Count + 1);
        list.AddRange(s.Countries);
        if (!s.Reserved.Totals.IsEmpty) list.Add(s.Reserved);
        list.Sort(Comparer(sort));
        ulong total = 0;
        foreach (var r in list) total += r.Totals.Bytes;

        int nameWidth = Math.Clamp(width - 86, 10, 28);
        int barWidth = Math.Clamp(width - 60 - nameWidth, 0, 30);
        b.Append(dim).Append($"{"CC",-3} {"Country".PadRight(nameWidth)} {"In",10} {"Out",10} {"In/s",11} {"Out/s",11} {"IPs",8} {"Active",7}  Share").Append(reset).Append('\n');
        for (int i = 0; i < list.Count && i < rows; i++)
        {
            var r = list[i];
            var t = r.Totals;
            double share = total == 0 ? 0 : (double)t.Bytes / total;
            string name = r.Name.Length > nameWidth ? r.Name[..(nameWidth - 1)] + "…" : r.Name;
            b.Append($"{r.Code,-3} {name.PadRight(nameWidth)} {Bytes(t.BytesIn),10} {Bytes(t.BytesOut),10} {Bits(r.BytesInPerSecond),11} {Bits(r.BytesOutPerSecond),11} {Count(t.Ips),8} {Count(t.ActiveIps),7}  ")
             .Append(bar).Append(new string('█', (int)Math.Round(share * barWidth))).Append(reset)
             .Append(string.Create(CultureInfo.InvariantCulture, $" {share * 100,4:0.0}%")).Append('\n');
        }
        if (list.Count == 0) b.Append(dim).Append("(no traffic yet)").Append(reset).Append('\n');
        if (footer is not null) b.Append('\n').Append(dim).Append(footer).Append(reset).Append('\n');
        return b.ToString();
    }

    public static Comparison<CountryRow> Comparer(TableSort sort) => sort switch
    {
        TableSort.In => (a, b) => b.Totals.BytesIn.CompareTo(a.Totals.BytesIn),
        TableSort.Out => (a, b) => b.Totals.BytesOut.CompareTo(a.Totals.BytesOut),
        TableSort.Ips => (a, b) => b.Totals.Ips.CompareTo(a.Totals.Ips),
        TableSort.Rate => (a, b) => (b.BytesInPerSecond + b.BytesOutPerSecond).CompareTo(a.BytesInPerSecond + a.BytesOutPerSecond),
        _ => TrafficSnapshot.ByBytesDescending,
    };

    public static string Bytes(ulong n)
    {
        string[] units = ["B", "KB", "MB", "GB", "TB", "PB"];
        double v = n;
        int u = 0;
        while (v >= 1000 && u < units.Length - 1) { v /= 1000; u++; }
        return u == 0 ? $"{n} B" : string.Create(CultureInfo.InvariantCulture, $"{v:0.0} {units[u]}");
    }

    public static string Bits(double bytesPerSecond)
    {
        string[] units = ["bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s"];
        double v = bytesPerSecond * 8;
        int u = 0;
        while (v >= 1000 && u < units.Length - 1) { v /= 1000; u++; }
        return string.Create(CultureInfo.InvariantCulture, $"{v:0.0} {units[u]}");
    }

    static string Rate(double v) => v >= 10_000 ? string.Create(CultureInfo.InvariantCulture, $"{v / 1000:0.0}k") : string.Create(CultureInfo.InvariantCulture, $"{v:0}");

    static string Count(ulong n) => n >= 1_000_000 ? string.Create(CultureInfo.InvariantCulture, $"{n / 1e6:0.0}M")
        : n >= 10_000 ? string.Create(CultureInfo.InvariantCulture, $"{n / 1e3:0.0}k") : n.ToString(CultureInfo.InvariantCulture);

    static string Duration(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:00}m" : $"{t.Minutes}m{t.Seconds:00}s";
}
