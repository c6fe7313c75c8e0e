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

    /// <summary>
    /// Adds the saved totals to <paramref name="accountant"/>. Returns false when there is no state yet; throws
    /// <see cref="InvalidDataException"/> naming the file when it cannot be read.
    /// </summary>
    public bool RestoreInto(TrafficAccountant accountant)
    {
        if (!File.Exists(FilePath)) return false;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(FilePath));
            var root = doc.RootElement;
            accountant.Packets += root.GetProperty("packets").GetUInt64();
            accountant.Bytes += root.GetProperty("bytes").GetUInt64();
            accountant.Malformed += root.GetProperty("malformed").GetUInt64();
            accountant.RestoredDropped += root.GetProperty("dropped").GetUInt64();
            if (root.TryGetProperty("not_ip", out var notIp)) accountant.NotIp += notIp.GetUInt64();
            if (root.TryGetProperty("unattributed", out var un))
            {
                accountant.UnattributedPackets += un.GetProperty("packets").GetUInt64();
                accountant.UnattributedBytes += un.GetProperty("bytes").GetUInt64();
            }
            foreach (var row in root.GetProperty("countries").EnumerateArray()) RestoreRow(accountant, row, null);
            RestoreRow(accountant, root.GetProperty("reserved"), Countries.Reserved);
            return true;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or IOException)
        {
            throw new InvalidDataException($"{FilePath}: not a valid tracker state file ({e.Message})");
        }
    }

    static void RestoreRow(TrafficAccountant accountant, JsonElement row, int? id)
    {
        var code = row.GetProperty("code").GetString() ?? "";
        int country = id ?? (code == Countries.UnknownCode ? Countries.Unknown : Countries.Id(code));
        var totals = new CountryTotals
        {
            BytesIn = row.GetProperty("bytes_in").GetUInt64(),
            BytesOut = row.GetProperty("bytes_out").GetUInt64(),
            PacketsIn = row.GetProperty("packets_in").GetUInt64(),
            PacketsOut = row.GetProperty("packets_out").GetUInt64(),
            Ips = row.GetProperty("ips").GetUInt64(),
        };
        accountant.Restore(country, totals);
    }
}
