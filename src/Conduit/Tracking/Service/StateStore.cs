using System.Text.Json;
using Conduit.Platform;
using Conduit.Tracking.Geo;
using Conduit.Tracking.Model;
using Conduit.Tracking.Views;

namespace Conduit.Tracking.Service;

/// <summary>
/// Service-mode persistence: the latest snapshot (the same JSON as `--json`) in traffic_stats/tracker.json,
/// written atomically; on start its cumulative totals are added back so a restart or crash loses at most one
/// flush interval.
/// </summary>
public sealed class StateStore(string directory)
{
    public const string FileName = "tracker.json";
    public string FilePath { get; } = Path.Combine(directory, FileName);

    public void Save(TrafficSnapshot snapshot) =>
        AtomicFile.WriteAllBytes(FilePath, SnapshotJson.ToUtf8(snapshot, indented: true), AtomicFile.Public);

    /// <summary>The state is a few hundred kilobytes at most (countries and the top addresses).</summary>
    const int MaxBytes = 16 * 1024 * 1024;

    /// <summary>
    /// Adds the saved totals to <paramref name="accountant"/>; false when there is no state yet. A state file that
    /// cannot be read (cut, damaged, edited by hand) must not keep the service from starting, nor be lost: it is
    /// kept aside under a dated name, <paramref name="warn"/> says so, and counting starts from zero. Nothing is
    /// added unless the whole file reads. Temporary files of flushes a crash interrupted are removed first.
    /// </summary>
    public bool RestoreInto(TrafficAccountant accountant, Action<string> warn)
    {
        RemoveInterruptedFlushes();
        Saved saved;
        try
        {
            saved = Read(RegularFile.ReadAll(FilePath, MaxBytes, "the tracker state"));
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or UsageException)
        {
            var aside = KeepAside();
            warn($"{FilePath}: not a valid tracker state file ({SafeText.Excerpt(e.Message, 120)}); kept as {Path.GetFileName(aside)}, counting starts from zero");
            return false;
        }
        accountant.Packets += saved.Packets;
        accountant.Bytes += saved.Bytes;
        accountant.Malformed += saved.Malformed;
        accountant.RestoredDropped += saved.Dropped;
        accountant.NotIp += saved.NotIp;
        accountant.UnattributedPackets += saved.UnattributedPackets;
        accountant.UnattributedBytes += saved.UnattributedBytes;
        foreach (var (country, totals) in saved.Countries) accountant.Restore(country, totals);
        return true;
    }

    sealed record Saved(ulong Packets, ulong Bytes, ulong Malformed, ulong Dropped, ulong NotIp,
        ulong UnattributedPackets, ulong UnattributedBytes, List<(int Country, CountryTotals Totals)> Countries);

    static Saved Read(byte[] bytes)
    {
        using var doc = JsonDocument.Parse(bytes);
        var root = doc.RootElement;
        ulong unPackets = 0, unBytes = 0;
        if (root.TryGetProperty("unattributed", out var un))
        {
            unPackets = un.GetProperty("packets").GetUInt64();
            unBytes = un.GetProperty("bytes").GetUInt64();
        }
        var countries = new List<(int, CountryTotals)>();
        foreach (var row in root.GetProperty("countries").EnumerateArray()) countries.Add(ReadRow(row, null));
        countries.Add(ReadRow(root.GetProperty("reserved"), Countries.Reserved));
        return new Saved(root.GetProperty("packets").GetUInt64(), root.GetProperty("bytes").GetUInt64(),
            root.GetProperty("malformed").GetUInt64(), root.GetProperty("dropped").GetUInt64(),
            root.TryGetProperty("not_ip", out var notIp) ? notIp.GetUInt64() : 0, unPackets, unBytes, countries);
    }

    /// <summary>Moves the unreadable state to tracker.json.bad-UTCSTAMP (a suffix if taken); returns the new path.</summary>
    string KeepAside()
    {
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        for (int n = 1; ; n++)
        {
            var aside = $"{FilePath}.bad-{stamp}{(n == 1 ? "" : $"-{n}")}";
            if (File.Exists(aside) || Directory.Exists(aside)) continue;
            if (Directory.Exists(FilePath)) Directory.Move(FilePath, aside);
            else File.Move(FilePath, aside);
            return aside;
        }
    }

    /// <summary>A kill during a flush leaves AtomicFile's temporary file (.tracker.json.PID.GUID.tmp) behind; one
    /// whose writer is gone is removed, so a crash loop cannot fill the disk with them.</summary>
    void RemoveInterruptedFlushes()
    {
        var dir = Path.GetDirectoryName(FilePath)!;
        if (!Directory.Exists(dir)) return;
        foreach (var temp in Directory.EnumerateFiles(dir, $".{FileName}.*.tmp"))
        {
            var parts = Path.GetFileName(temp).Split('.');
            // "", "tracker", "json", PID, GUID, "tmp"
            if (parts.Length == 6 && int.TryParse(parts[3], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid)
                && (pid == Environment.ProcessId || !Directory.Exists($"/proc/{pid}")))
                File.Delete(temp);
        }
    }

    static (int, CountryTotals) ReadRow(JsonElement row, int? id)
    {
        var code = row.GetProperty("code").GetString() ?? "";
        int country = id ?? (code == Countries.UnknownCode ? Countries.Unknown : Countries.Id(code));
        return (country, new CountryTotals
        {
            BytesIn = row.GetProperty("bytes_in").GetUInt64(),
            BytesOut = row.GetProperty("bytes_out").GetUInt64(),
            PacketsIn = row.GetProperty("packets_in").GetUInt64(),
            PacketsOut = row.GetProperty("packets_out").GetUInt64(),
            Ips = row.GetProperty("ips").GetUInt64(),
        });
    }
}
