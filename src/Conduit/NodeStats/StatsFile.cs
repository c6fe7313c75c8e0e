using System.Text;
using System.Text.Json;

namespace Conduit.NodeStats;

/// <summary>
/// The 1.x node's <c>--stats-file</c> JSON: announcing, connectingClients, connectedClients, totalBytesUp,
/// totalBytesDown, uptimeSeconds, idleSeconds, isLive, timestamp. Unknown fields are skipped.
/// </summary>
internal static class StatsFile
{
    public static NodeReading Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw new FormatException("stats file: expected a JSON object");
            var r = new NodeReading { Source = ReadingSource.StatsFile };
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                r = name switch
                {
                    "announcing" => r with { Announcing = Long(ref reader, name) },
                    "connectingClients" => r with { Connecting = Long(ref reader, name) },
                    "connectedClients" => r with { Connected = Long(ref reader, name) },
                    "totalBytesUp" => r with { BytesUp = Long(ref reader, name) },
                    "totalBytesDown" => r with { BytesDown = Long(ref reader, name) },
                    "uptimeSeconds" => r with { UptimeSeconds = Number(ref reader, name) },
                    "idleSeconds" => r with { IdleSeconds = Number(ref reader, name) },
                    "isLive" => r with { IsLive = reader.TokenType switch
                    {
                        JsonTokenType.True => true,
                        JsonTokenType.False => false,
                        _ => throw new FormatException("stats file: isLive is not true/false"),
                    } },
                    "timestamp" => r with { ReportedAt = Timestamp(ref reader) },
                    _ => Skip(ref reader, r),
                };
            }
            if (reader.TokenType != JsonTokenType.EndObject) throw new FormatException("stats file: malformed object");
            if (r.Connected is null) throw new FormatException("stats file: connectedClients is missing");
            return r;
        }
        catch (JsonException e)
        {
            throw new FormatException($"stats file: invalid JSON at byte {e.BytePositionInLine}");
        }
    }

    public static NodeReading Parse(string json) => Parse(Encoding.UTF8.GetBytes(json));

    static NodeReading Skip(ref Utf8JsonReader reader, NodeReading r)
    {
        reader.Skip();
        return r;
    }

    static long Long(ref Utf8JsonReader reader, string name)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            if (reader.TryGetInt64(out var v) && v >= 0) return v;
            if (reader.TryGetDouble(out var d) && d >= 0 && d < long.MaxValue) return (long)d;
        }
        throw new FormatException($"stats file: {name} is not a non-negative number");
    }

    static double Number(ref Utf8JsonReader reader, string name) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var d) && d >= 0
            ? d : throw new FormatException($"stats file: {name} is not a non-negative number");

    /// <summary>RFC 3339 text, or Unix seconds.</summary>
    static DateTimeOffset? Timestamp(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String when DateTimeOffset.TryParse(reader.GetString(), System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var t) => t,
        JsonTokenType.Number when reader.TryGetInt64(out var s) => DateTimeOffset.FromUnixTimeSeconds(s),
        JsonTokenType.Null => null,
        _ => throw new FormatException("stats file: timestamp is neither a date nor a number"),
    };
}
