using System.Globalization;

namespace Conduit.NodeStats;

/// <summary>
/// Parser for the node's "[STATS]" log line, both the 2.0 form
/// (<c>Announcing | Connecting | Connected | Up | Down | Uptime | Regions</c>) and the 1.x form (no Announcing,
/// no Regions). Sizes are 1024-based with one decimal, so byte figures from a line are rounded (flagged).
/// </summary>
internal static class StatsLine
{
    public const string Marker = "[STATS]";
    static readonly string[] Units = ["B", "KB", "MB", "GB", "TB", "PB", "EB"];

    public static bool IsStatsLine(string line) => line.Contains(Marker, StringComparison.Ordinal);

    /// <summary>Parses one line; false when it is not a well-formed [STATS] line.</summary>
    public static bool TryParse(string line, out NodeReading reading)
    {
        reading = NodeReading.Empty;
        var marker = line.IndexOf(Marker, StringComparison.Ordinal);
        if (marker < 0) return false;
        var body = line[(marker + Marker.Length)..].Trim();
        string? regionsText = null;
        var regionsAt = body.IndexOf("| Regions:", StringComparison.Ordinal);
        if (regionsAt >= 0)
        {
            regionsText = body[(regionsAt + "| Regions:".Length)..].Trim();
            body = body[..regionsAt];
        }
        long? announcing = null, connecting = null, connected = null, up = null, down = null;
        double? uptime = null;
        foreach (var field in body.Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = field.IndexOf(':');
            if (colon < 0) return false;
            var key = field[..colon].Trim();
            var value = field[(colon + 1)..].Trim();
            switch (key)
            {
                case "Announcing": if (!TryCount(value, out var a)) return false; announcing = a; break;
                case "Connecting": if (!TryCount(value, out var c)) return false; connecting = c; break;
                case "Connected": if (!TryCount(value, out var d)) return false; connected = d; break;
                case "Up": if (!TryParseSize(value, out var u)) return false; up = u; break;
                case "Down": if (!TryParseSize(value, out var w)) return false; down = w; break;
                case "Uptime": if (!TryParseUptime(value, out var t)) return false; uptime = t; break;
                default: break; // a field a later node version adds is not an error
            }
        }
        if (connected is null || connecting is null) return false;
        var regions = new List<RegionStats>();
        var more = 0;
        if (regionsText is not null && !TryParseRegions(regionsText, regions, out more)) return false;
        reading = new NodeReading
        {
            Source = ReadingSource.StatsLine,
            Announcing = announcing,
            Connecting = connecting,
            Connected = connected,
            BytesUp = up,
            BytesDown = down,
            BytesRounded = true,
            UptimeSeconds = uptime,
            Regions = regions,
            MoreRegions = more,
            ReportedAt = LeadingTime(line.AsSpan(0, marker).Trim()),
        };
        return true;
    }

    /// <summary>The last parseable [STATS] line of a log, scanning from the end.</summary>
    public static NodeReading? Last(IReadOnlyList<string> lines)
    {
        for (var i = lines.Count - 1; i >= 0; i--)
            if (TryParse(lines[i], out var r)) return r;
        return null;
    }

    /// <summary>"363 B", "12.1 KB", ... "1.0 EB" (1024-based) into bytes.</summary>
    public static bool TryParseSize(string text, out long bytes)
    {
        bytes = 0;
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2) return false;
        if (!double.TryParse(parts[0], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)) return false;
        var unit = Array.IndexOf(Units, parts[1]);
        if (unit < 0) return false;
        var value = number * Math.Pow(1024, unit);
        if (value >= long.MaxValue) return false;
        bytes = (long)Math.Round(value);
        return true;
    }

    /// <summary>Go duration text as the node prints it ("1h2m3s", "2m3s", "3s"; also "1.5s", "250ms").</summary>
    public static bool TryParseUptime(string text, out double seconds)
    {
        seconds = 0;
        if (text.Length == 0) return false;
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.')) i++;
            if (i == start || !double.TryParse(text.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n)) return false;
            var unitStart = i;
            while (i < text.Length && !char.IsAsciiDigit(text[i]) && text[i] != '.') i++;
            double scale = text.AsSpan(unitStart, i - unitStart) switch
            {
                "h" => 3600,
                "m" => 60,
                "s" => 1,
                "ms" => 1e-3,
                "us" or "µs" => 1e-6,
                "ns" => 1e-9,
                _ => double.NaN,
            };
            if (double.IsNaN(scale)) return false;
            seconds += n * scale;
        }
        return true;
    }

    /// <summary>"none", or "common[...]" and/or "personal[...]" with "CC(conn:N|traffic:X)" entries and "(+N more...)".</summary>
    static bool TryParseRegions(string text, List<RegionStats> regions, out int more)
    {
        more = 0;
        if (text == "none") return true;
        var pos = 0;
        while (pos < text.Length)
        {
            while (pos < text.Length && text[pos] == ' ') pos++;
            if (pos >= text.Length) break;
            if (text[pos] is ',' or '(')
            {
                // "(+N more...)" may also follow the closing bracket.
                if (text[pos] == ',') { pos++; continue; }
                var closeMore = text.IndexOf(')', pos);
                if (closeMore < 0 || !TryParseMore(text[(pos + 1)..closeMore], ref more)) return false;
                pos = closeMore + 1;
                continue;
            }
            var open = text.IndexOf('[', pos);
            if (open < 0) return false;
            var scope = text[pos..open].Trim();
            if (scope.Length == 0) return false;
            var close = text.IndexOf(']', open);
            if (close < 0) return false;
            var inner = text[(open + 1)..close];
            pos = close + 1;
            var i = 0;
            while (i < inner.Length)
            {
                while (i < inner.Length && inner[i] is ' ' or ',') i++;
                if (i >= inner.Length) break;
                var paren = inner.IndexOf('(', i);
                var end = paren < 0 ? -1 : inner.IndexOf(')', paren);
                if (end < 0) return false;
                var name = inner[i..paren].Trim();
                var args = inner[(paren + 1)..end];
                i = end + 1;
                if (name.Length == 0)
                {
                    if (!TryParseMore(args, ref more)) return false;
                    continue;
                }
                long conn = -1, traffic = -1;
                foreach (var kv in args.Split('|'))
                {
                    var c = kv.IndexOf(':');
                    if (c < 0) return false;
                    var v = kv[(c + 1)..].Trim();
                    switch (kv[..c].Trim())
                    {
                        case "conn": if (!TryCount(v, out conn)) return false; break;
                        case "traffic": if (!TryParseSize(v, out traffic)) return false; break;
                    }
                }
                if (conn < 0 || traffic < 0) return false;
                regions.Add(new RegionStats(scope, name, conn, null, null, null, traffic));
            }
        }
        return true;
    }

    /// <summary>The inside of "(+N more...)".</summary>
    static bool TryParseMore(string args, ref int more)
    {
        const string suffix = " more...";
        if (!args.StartsWith('+') || !args.EndsWith(suffix, StringComparison.Ordinal)
            || !int.TryParse(args.AsSpan(1, args.Length - 1 - suffix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            return false;
        more += n;
        return true;
    }

    static bool TryCount(string text, out long value) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    /// <summary>The node's "YYYY-MM-DD HH:MM:SS" prefix (container time, normally UTC), if the line has it.</summary>
    static DateTimeOffset? LeadingTime(ReadOnlySpan<char> prefix)
    {
        if (prefix.Length < 19) return null;
        return DateTime.TryParseExact(prefix[^19..], "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? new DateTimeOffset(t, TimeSpan.Zero) : null;
    }
}
