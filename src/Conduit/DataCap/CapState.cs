using System.Globalization;
using System.Text.Json;
using Conduit.Platform;

namespace Conduit.DataCap;

/// <summary>What the data cap has done to the nodes: nothing, reduced limits, or stopped them.</summary>
public enum CapLevel { Normal, Throttled, Stopped }

/// <summary>
/// The count, persisted in state/data_cap.json (atomically) after every reading: usage so far in this period, the
/// raw counter it was last read at (and what counter that was), when the period began, the level applied to the
/// nodes and the highest alert sent this period. A counter lower than <see cref="LastCounter"/> was reset (reboot,
/// interface or node recreated): its whole value is new traffic, so usage never goes down.
/// </summary>
public sealed record CapState(
    string CounterKey,
    long LastCounter,
    long UsedBytes,
    DateTimeOffset PeriodStart,
    CapLevel Applied,
    int Alerted,
    DateTimeOffset Updated,
    bool ImportedLegacy)
{
    public const string FileName = "data_cap.json";

    public static string PathIn(ConduitPaths paths) => Path.Combine(paths.StateDir, FileName);

    /// <summary>Usage after reading <paramref name="counter"/> of <paramref name="key"/>: growth since the last reading.</summary>
    public CapState Advance(string key, long counter, DateTimeOffset now)
    {
        // Another counter (interface changed, source switched): start measuring from it, nothing lost or invented.
        long growth = key != CounterKey ? 0 : counter >= LastCounter ? counter - LastCounter : counter;
        return this with { CounterKey = key, LastCounter = counter, UsedBytes = checked(UsedBytes + growth), Updated = now };
    }

    /// <summary>The state file, or null when there is none. A damaged file is an error: guessing could lift the cap.</summary>
    public static CapState? Load(ConduitPaths paths)
    {
        var path = PathIn(paths);
        if (!File.Exists(path)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var r = doc.RootElement;
            return new CapState(
                r.GetProperty("counter").GetString() ?? "",
                r.GetProperty("last_counter").GetInt64(),
                r.GetProperty("used_bytes").GetInt64(),
                DateTimeOffset.Parse(r.GetProperty("period_start").GetString()!, CultureInfo.InvariantCulture),
                Enum.Parse<CapLevel>(r.GetProperty("applied").GetString()!, ignoreCase: true),
                r.GetProperty("alerted").GetInt32(),
                DateTimeOffset.Parse(r.GetProperty("updated").GetString()!, CultureInfo.InvariantCulture),
                r.TryGetProperty("imported_legacy", out var l) && l.GetBoolean());
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or KeyNotFoundException or ArgumentException or OverflowException)
        {
            throw new ConduitException($"{path}: damaged data cap state ({e.Message}); fix or delete it, then `conduit cap reset` starts a new count");
        }
    }

    public void Save(ConduitPaths paths)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("version", 1);
            w.WriteString("counter", CounterKey);
            w.WriteNumber("last_counter", LastCounter);
            w.WriteNumber("used_bytes", UsedBytes);
            w.WriteString("period_start", PeriodStart.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
            w.WriteString("applied", Applied.ToString().ToLowerInvariant());
            w.WriteNumber("alerted", Alerted);
            w.WriteString("updated", Updated.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
            w.WriteBoolean("imported_legacy", ImportedLegacy);
            w.WriteEndObject();
        }
        AtomicFile.WriteAllBytes(PathIn(paths), buffer.ToArray(), AtomicFile.Public);
    }
}

/// <summary>Billing periods: DATA_CAP_RESET_DAY D (1-28) starts a period at 00:00 UTC on day D of each month; 0 never.</summary>
public static class CapPeriod
{
    /// <summary>Start of the period <paramref name="now"/> falls in.</summary>
    public static DateTimeOffset Start(DateTimeOffset now, int day)
    {
        var utc = now.UtcDateTime;
        var start = new DateTime(utc.Year, utc.Month, day, 0, 0, 0, DateTimeKind.Utc);
        if (utc < start) start = start.AddMonths(-1);
        return new DateTimeOffset(start);
    }

    /// <summary>When the period that began at <paramref name="periodStart"/> ends, or null with no reset day.</summary>
    public static DateTimeOffset? NextReset(DateTimeOffset periodStart, DateTimeOffset now, int day) =>
        day <= 0 ? null : Start(now, day) is var current && current > periodStart ? current : Start(now, day).AddMonths(1);
}

/// <summary>
/// The data cap's clock seam. CONDUIT_NOW (an ISO 8601 instant) replaces the wall clock for the cap only; it exists
/// for tests that need a reset day to pass, and nothing else reads it.
/// </summary>
public static class CapClock
{
    public const string Variable = "CONDUIT_NOW";

    public static Func<DateTimeOffset> From(Func<string, string?> environment)
    {
        var fake = environment(Variable);
        if (string.IsNullOrWhiteSpace(fake)) return () => DateTimeOffset.UtcNow;
        if (!DateTimeOffset.TryParse(fake, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            throw new UsageException($"{Variable}='{SafeText.Excerpt(fake)}' is not an ISO 8601 time (it is for tests only; unset it)");
        return () => at;
    }
}
