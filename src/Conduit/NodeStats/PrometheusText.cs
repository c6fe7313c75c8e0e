using System.Globalization;
using System.Text;

namespace Conduit.NodeStats;

/// <summary>One sample line of a Prometheus exposition: name, labels in order, value, optional timestamp.</summary>
internal sealed record MetricSample(string Name, IReadOnlyList<KeyValuePair<string, string>> Labels, double Value, double? Timestamp)
{
    public string? Label(string name)
    {
        foreach (var (k, v) in Labels)
            if (k == name) return v;
        return null;
    }
}

/// <summary>A parsed exposition: every sample plus the HELP and TYPE metadata per metric family.</summary>
internal sealed record MetricsDocument(IReadOnlyList<MetricSample> Samples, IReadOnlyDictionary<string, string> Help, IReadOnlyDictionary<string, string> Types)
{
    /// <summary>The first sample of an unlabelled metric (or the first of its series), if present.</summary>
    public double? Value(string name)
    {
        foreach (var s in Samples)
            if (s.Name == name) return s.Value;
        return null;
    }
}

/// <summary>
/// Parser for the Prometheus text exposition format (0.0.4) and the OpenMetrics text it overlaps with:
/// HELP/TYPE/UNIT comments, label values with \\, \" and \n escapes, NaN/+Inf/-Inf, optional timestamps,
/// and the OpenMetrics "# EOF" terminator. Malformed input throws <see cref="FormatException"/> naming the line.
/// Not a hot path (one scrape per node per refresh), so it favours clarity over zero allocation.
/// </summary>
internal static class PrometheusText
{
    public static MetricsDocument Parse(string text)
    {
        var samples = new List<MetricSample>();
        var help = new Dictionary<string, string>(StringComparer.Ordinal);
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = raw.TrimEnd('\r');
            var trimmed = line.AsSpan().TrimStart(" \t");
            if (trimmed.IsEmpty) continue;
            if (trimmed[0] == '#')
            {
                if (trimmed.TrimEnd(" \t").SequenceEqual("# EOF")) break;
                ParseComment(trimmed[1..].TrimStart(" \t").ToString(), help, types, lineNo);
                continue;
            }
            samples.Add(ParseSample(trimmed.ToString(), lineNo));
        }
        return new MetricsDocument(samples, help, types);
    }

    static void ParseComment(string body, Dictionary<string, string> help, Dictionary<string, string> types, int lineNo)
    {
        // "# HELP name text", "# TYPE name type"; any other comment is ignored, as the format says.
        var keyword = body.Split([' ', '\t'], 2);
        if (keyword[0] is not ("HELP" or "TYPE")) return;
        var rest = keyword.Length > 1 ? keyword[1].TrimStart(' ', '\t') : "";
        var parts = rest.Split([' ', '\t'], 2);
        var name = parts[0];
        if (!IsMetricName(name)) throw Error(lineNo, $"# {keyword[0]} without a valid metric name");
        var value = parts.Length > 1 ? parts[1] : "";
        if (keyword[0] == "HELP") help[name] = UnescapeHelp(value);
        else types[name] = value.Trim();
    }

    static MetricSample ParseSample(string line, int lineNo)
    {
        var pos = 0;
        var nameEnd = pos;
        while (nameEnd < line.Length && IsNameChar(line[nameEnd], nameEnd == 0)) nameEnd++;
        if (nameEnd == 0) throw Error(lineNo, "expected a metric name");
        var name = line[..nameEnd];
        pos = nameEnd;
        var labels = new List<KeyValuePair<string, string>>();
        SkipBlanks(line, ref pos);
        if (pos < line.Length && line[pos] == '{')
        {
            pos++;
            while (true)
            {
                SkipBlanks(line, ref pos);
                if (pos >= line.Length) throw Error(lineNo, $"unterminated label set of {name}");
                if (line[pos] == '}') { pos++; break; }
                var labelStart = pos;
                while (pos < line.Length && IsLabelChar(line[pos], pos == labelStart)) pos++;
                if (pos == labelStart) throw Error(lineNo, $"expected a label name in {name}");
                var labelName = line[labelStart..pos];
                SkipBlanks(line, ref pos);
                if (pos >= line.Length || line[pos] != '=') throw Error(lineNo, $"expected '=' after label {labelName}");
                pos++;
                SkipBlanks(line, ref pos);
                if (pos >= line.Length || line[pos] != '"') throw Error(lineNo, $"expected '\"' to open the value of label {labelName}");
                pos++;
                labels.Add(new(labelName, ReadLabelValue(line, ref pos, lineNo, labelName)));
                SkipBlanks(line, ref pos);
                if (pos < line.Length && line[pos] == ',') { pos++; continue; }
                if (pos < line.Length && line[pos] == '}') { pos++; break; }
                throw Error(lineNo, $"expected ',' or '}}' after label {labelName}");
            }
        }
        SkipBlanks(line, ref pos);
        var fields = line[pos..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length is 0) throw Error(lineNo, $"{name} has no value");
        if (fields.Length > 2) throw Error(lineNo, $"{name}: unexpected text after the timestamp");
        if (!TryParseValue(fields[0], out var value)) throw Error(lineNo, $"{name}: '{fields[0]}' is not a number");
        double? timestamp = null;
        if (fields.Length == 2)
        {
            if (!TryParseValue(fields[1], out var ts) || !double.IsFinite(ts)) throw Error(lineNo, $"{name}: '{fields[1]}' is not a timestamp");
            timestamp = ts;
        }
        return new MetricSample(name, labels, value, timestamp);
    }

    static string ReadLabelValue(string line, ref int pos, int lineNo, string labelName)
    {
        var sb = new StringBuilder();
        while (pos < line.Length)
        {
            var c = line[pos++];
            if (c == '"') return sb.ToString();
            if (c != '\\') { sb.Append(c); continue; }
            if (pos >= line.Length) break;
            var e = line[pos++];
            sb.Append(e switch
            {
                'n' => '\n',
                '\\' => '\\',
                '"' => '"',
                _ => throw Error(lineNo, $"invalid escape '\\{e}' in label {labelName}"),
            });
        }
        throw Error(lineNo, $"unterminated value of label {labelName}");
    }

    /// <summary>Go's ParseFloat forms that exporters emit, including NaN, +Inf, -Inf and Inf.</summary>
    public static bool TryParseValue(string text, out double value)
    {
        switch (text)
        {
            case "NaN": value = double.NaN; return true;
            case "+Inf" or "Inf": value = double.PositiveInfinity; return true;
            case "-Inf": value = double.NegativeInfinity; return true;
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    static string UnescapeHelp(string text)
    {
        if (!text.Contains('\\')) return text;
        var sb = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length && text[i + 1] is 'n' or '\\')
            {
                sb.Append(text[++i] == 'n' ? '\n' : '\\');
                continue;
            }
            sb.Append(text[i]);
        }
        return sb.ToString();
    }

    static void SkipBlanks(string line, ref int pos)
    {
        while (pos < line.Length && line[pos] is ' ' or '\t') pos++;
    }

    static bool IsMetricName(string name)
    {
        if (name.Length == 0) return false;
        for (var i = 0; i < name.Length; i++)
            if (!IsNameChar(name[i], i == 0)) return false;
        return true;
    }

    static bool IsNameChar(char c, bool first) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_' or ':' || (!first && c is >= '0' and <= '9');

    static bool IsLabelChar(char c, bool first) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_' || (!first && c is >= '0' and <= '9');

    static FormatException Error(int line, string message) => new($"line {line}: {message}");
}
