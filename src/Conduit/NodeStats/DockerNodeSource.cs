using System.Formats.Tar;
using System.Globalization;
using System.Text;
using Conduit.Cluster;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Conduit.NodeStats;

/// <summary>
/// The Docker side of <see cref="INodeSource"/>: the cluster's own status (one implementation of "which nodes
/// exist"), one-shot Engine stats, log tails and, for 1.x nodes, the stats file through the archive API.
/// </summary>
internal sealed class DockerNodeSource(DockerEngine engine, ClusterOperations cluster) : INodeSource
{
    /// <summary>The 1.x node writes its --stats-file JSON here (the flag's relative default, in the data dir).</summary>
    public const string StatsFilePath = Conduit.Cluster.ContainerSpec.DataDir + "/stats.json";

    /// <summary>The cluster status the last <see cref="ListAsync"/> read (for `status --json`).</summary>
    public ClusterSnapshot? Last { get; private set; }

    public async Task<IReadOnlyList<NodeTarget>> ListAsync(CancellationToken ct)
    {
        var snapshot = await cluster.SnapshotAsync(ct).ConfigureAwait(false);
        Last = snapshot;
        var nodes = new List<NodeTarget>(snapshot.Containers.Count);
        foreach (var c in snapshot.Containers)
            nodes.Add(new NodeTarget(c.Index, c.Name, c.State == "foreign" ? null : c.Id, c.State, c.Running, c.StartedAt,
                (int)Math.Min(c.Restarts, int.MaxValue), c.MetricsAddress, c.Problem,
                new ContainerConfig(c.Health, c.Image, c.Cpus, c.MemoryBytes, c.Nofile, [.. c.Ports.Select(p => $"{p.HostIp}:{p.HostPort}/{p.Protocol}").Distinct()], c.SpecCurrent)));
        return nodes;
    }

    public IReadOnlyList<NodeTarget> Expected()
    {
        var nodes = new List<NodeTarget>(cluster.Settings.ContainerCount);
        for (var i = 1; i <= cluster.Settings.ContainerCount; i++)
        {
            var name = cluster.Names.Container(i);
            nodes.Add(new NodeTarget(i, name, name, "running", true, null, 0, null, null)); // the engine takes a name for an ID
        }
        return nodes;
    }

    public async Task<ContainerUsageSample?> UsageAsync(NodeTarget node, CancellationToken ct)
    {
        if (node.ContainerId is null || !node.Running) return null;
        var id = node.ContainerId;
        // The first sample names containers before they are listed: the cgroup needs the full ID.
        if (id.Length != 64 && await engine.TryInspectContainerAsync(id, ct).ConfigureAwait(false) is { State.Running: true } inspected)
            id = inspected.ID;
        if (CgroupUsage.TryRead(id, DateTimeOffset.UtcNow) is { } fast) return fast;
        var last = new LastValue<ContainerStatsResponse>();
        try
        {
            // one-shot: the engine answers at once instead of waiting a second to fill precpu_stats.
            await engine.Client.Containers.GetContainerStatsAsync(node.ContainerId,
                new ContainerStatsParameters { Stream = false, OneShot = true }, last, ct).ConfigureAwait(false);
        }
        catch (DockerApiException)
        {
            return null; // stopped or removed between listing and sampling
        }
        if (last.Value is not { } s || s.CPUStats?.CPUUsage is null) return null;
        var mem = s.MemoryStats;
        long usage = (long)(mem?.Usage ?? 0);
        // As `docker stats` does: page cache the kernel can drop is not the container's memory use.
        if (mem?.Stats is { } st && (st.TryGetValue("total_inactive_file", out var inactive) || st.TryGetValue("inactive_file", out inactive)) && (long)inactive < usage)
            usage -= (long)inactive;
        long? limit = mem?.Limit is { } l && l > 0 && l < long.MaxValue / 2 ? (long)l : null;
        return new ContainerUsageSample(DateTimeOffset.UtcNow, s.CPUStats.CPUUsage.TotalUsage, s.CPUStats.SystemUsage ?? 0,
            (int)(s.CPUStats.OnlineCPUs ?? 0), usage, limit);
    }

    public async Task<IReadOnlyList<string>> TailAsync(NodeTarget node, int lines, CancellationToken ct)
    {
        if (node.ContainerId is null) return [];
        var result = new List<string>(lines);
        await foreach (var line in NodeLogs.ReadAsync(engine, node.ContainerId, lines.ToString(CultureInfo.InvariantCulture), follow: false, ct).ConfigureAwait(false))
            result.Add(line.Text);
        return result;
    }

    public async Task<byte[]?> StatsFileAsync(NodeTarget node, CancellationToken ct)
    {
        if (node.ContainerId is null || node.MetricsAddress is not null) return null; // 2.0 nodes write none
        ContainerArchiveResponse archive;
        try
        {
            archive = await engine.Client.Containers.GetArchiveFromContainerAsync(node.ContainerId,
                new ContainerPathStatParameters { Path = StatsFilePath }, statOnly: false, ct).ConfigureAwait(false);
        }
        catch (DockerApiException e) when (DockerEngine.IsNotFound(e))
        {
            return null;
        }
        if (archive.Stream is null) return null;
        await using var stream = archive.Stream;
        using var reader = new TarReader(stream);
        var entry = await reader.GetNextEntryAsync(copyData: true, ct).ConfigureAwait(false);
        if (entry?.DataStream is null) return null;
        using var buffer = new MemoryStream();
        await entry.DataStream.CopyToAsync(buffer, ct).ConfigureAwait(false);
        return buffer.ToArray();
    }

    /// <summary>Keeps the reported value synchronously (Progress&lt;T&gt; would post it later on the thread pool).</summary>
    sealed class LastValue<T> : IProgress<T>
    {
        public T? Value;
        public void Report(T value) => Value = value;
    }
}

/// <summary>One log line of a node container.</summary>
internal readonly record struct LogLine(bool Stderr, string Text);

/// <summary>Reads a container's log (Docker's multiplexed stdout/stderr stream) as lines.</summary>
internal static class NodeLogs
{
    /// <param name="tail">"all" or a number of lines</param>
    public static async IAsyncEnumerable<LogLine> ReadAsync(DockerEngine engine, string container, string tail, bool follow,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        using var stream = await engine.Client.Containers.GetContainerLogsAsync(container,
            new ContainerLogsParameters { ShowStdout = true, ShowStderr = true, Tail = tail, Follow = follow }, ct).ConfigureAwait(false);
        var buffer = new byte[16 * 1024];
        var partial = new[] { new StringBuilder(), new StringBuilder() };
        var decoder = new[] { Encoding.UTF8.GetDecoder(), Encoding.UTF8.GetDecoder() };
        var chars = new char[Encoding.UTF8.GetMaxCharCount(buffer.Length)];
        while (true)
        {
            var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, ct).ConfigureAwait(false);
            if (read.EOF || read.Count == 0) break;
            var target = read.Target == MultiplexedStream.TargetStream.StandardError ? 1 : 0;
            var n = decoder[target].GetChars(buffer, 0, read.Count, chars, 0);
            var sb = partial[target];
            for (var i = 0; i < n; i++)
            {
                if (chars[i] != '\n') { sb.Append(chars[i]); continue; }
                if (sb.Length > 0 && sb[^1] == '\r') sb.Length--;
                yield return new LogLine(target == 1, sb.ToString());
                sb.Clear();
            }
        }
        for (var t = 0; t < 2; t++)
            if (partial[t].Length > 0) yield return new LogLine(t == 1, partial[t].ToString());
    }
}
