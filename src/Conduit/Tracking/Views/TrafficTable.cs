using System.Globalization;
using System.Text;
using Conduit.Platform;
using Conduit.Tracking.Model;

namespace Conduit.Tracking.Views;

public enum TableSort { Total, In, Out, Ips, Rate }

/// <summary>
/// Renders a snapshot as text: a header and the top countries. Used by the TUI and by plain output. Every line
/// fits in <c>width</c> columns: on a narrow terminal the Active column, then the rates go, the name column
/// shrinks, and the share bar takes what is left.
/// </summary>
public static class TrafficTable
{
    /// <summary>Lines around the country rows (header, column titles, footer): the TUI has height minus this for rows.</summary>
    public const int FrameLines = 8;

    public static string Render(TrafficSnapshot s, TableSort sort, int rows, int width, bool color, string? footer = null)
    {
        var b = new StringBuilder(4096);
        string bold = color ? "\e[1m" : "", dim = color ? "\e[2m" : "", reset = color ? "\e[0m" : "", bar = color ? "\e[36m" : "";
        int room = Math.Max(width - 1, 40); // the last column stays free: a full line would wrap on some terminals
        b.Append(bold).Append("conduit track").Append(reset)
         .Append(Fit($"  {s.Source}  backend {s.Backend}  up {Duration(s.Uptime)}", room - 13)).Append('\n');
        b.Append(Fit($"{Rate(s.PacketsPerSecond)} pkt/s  in {Units.Rate(s.BytesInPerSecond)}  out {Units.Rate(s.BytesOutPerSecond)}", room)).Append('\n');
        // Unattributed packets (neither end this host's) are counted but in no row: say so, or the table looks short.
        string unattributed = s.Counters.UnattributedPackets == 0 ? "" : $"  unattributed {Count(s.Counters.UnattributedPackets)}";
        b.Append(Fit($"packets {Count(s.Counters.Packets)}  dropped {Count(s.Counters.Dropped)}  malformed {Count(s.Counters.Malformed)}{unattributed}  IPs {Count((ulong)s.IpsHeld)}", room)).Append("\n\n");

        var list = new List<CountryRow>(s.Countries.Count + 1);
        list.AddRange(s.Countries);
        if (!s.Reserved.Totals.IsEmpty) list.Add(s.Reserved);
        list.Sort(Comparer(sort));
        ulong total = 0;
        foreach (var r in list) total += r.Totals.Bytes;

        // CC, name (10..28), In, Out, IPs and the share figure always; rates and Active when they fit.
        const int Fixed = 3 + 1 + 1 + 9 + 1 + 9 + 1 + 7 + 2 + 7, MinName = 10, Rates = 26, Active = 8;
        bool rates = room >= Fixed + MinName + Rates, active = room >= Fixed + MinName + Rates + Active;
        int spare = room - Fixed - MinName - (rates ? Rates : 0) - (active ? Active : 0);
        int nameWidth = MinName + Math.Clamp(spare, 0, 18);
        int barWidth = Math.Clamp(spare - (nameWidth - MinName), 0, 30);

        b.Append(dim).Append($"{"CC",-3} {"Country".PadRight(nameWidth)} {"In",9} {"Out",9} ");
        if (rates) b.Append($"{"In/s",12} {"Out/s",12} ");
        b.Append($"{"IPs",7} ");
        if (active) b.Append($"{"Active",7} ");
        b.Append(" Share").Append(reset).Append('\n');
        for (int i = 0; i < list.Count && i < rows; i++)
        {
            var r = list[i];
            var t = r.Totals;
            double share = total == 0 ? 0 : (double)t.Bytes / total;
            string name = r.Name.Length > nameWidth ? r.Name[..(nameWidth - 1)] + "…" : r.Name;
            b.Append($"{r.Code,-3} {name.PadRight(nameWidth)} {Units.Bytes(t.BytesIn),9} {Units.Bytes(t.BytesOut),9} ");
            if (rates) b.Append($"{Units.Rate(r.BytesInPerSecond),12} {Units.Rate(r.BytesOutPerSecond),12} ");
            b.Append($"{Count(t.Ips),7} ");
            if (active) b.Append($"{Count(t.ActiveIps),7} ");
            b.Append(' ').Append(bar).Append(new string('█', (int)Math.Round(share * barWidth))).Append(reset)
             .Append(string.Create(CultureInfo.InvariantCulture, $" {share * 100,4:0.0}%")).Append('\n');
        }
        if (list.Count == 0) b.Append(dim).Append("(no traffic yet)").Append(reset).Append('\n');
        if (footer is not null) b.Append('\n').Append(dim).Append(Fit(footer, room)).Append(reset).Append('\n');
        return b.ToString();
    }

    static string Fit(string text, int width) => text.Length <= width ? text : text[..Math.Max(width - 1, 0)] + "…";

    public static Comparison<CountryRow> Comparer(TableSort sort) => sort switch
    {
        TableSort.In => (a, b) => b.Totals.BytesIn.CompareTo(a.Totals.BytesIn),
        TableSort.Out => (a, b) => b.Totals.BytesOut.CompareTo(a.Totals.BytesOut),
        TableSort.Ips => (a, b) => b.Totals.Ips.CompareTo(a.Totals.Ips),
        TableSort.Rate => (a, b) => (b.BytesInPerSecond + b.BytesOutPerSecond).CompareTo(a.BytesInPerSecond + a.BytesOutPerSecond),
        _ => TrafficSnapshot.ByBytesDescending,
    };

    static string Rate(double v) => v >= 10_000 ? string.Create(CultureInfo.InvariantCulture, $"{v / 1000:0.0}k") : string.Create(CultureInfo.InvariantCulture, $"{v:0}");

    static string Count(ulong n) => n >= 1_000_000 ? string.Create(CultureInfo.InvariantCulture, $"{n / 1e6:0.0}M")
        : n >= 10_000 ? string.Create(CultureInfo.InvariantCulture, $"{n / 1e3:0.0}k") : n.ToString(CultureInfo.InvariantCulture);

    static string Duration(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:00}m" : $"{t.Minutes}m{t.Seconds:00}s";
}
