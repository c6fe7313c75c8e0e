using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Conduit.Cluster;

public sealed record PullResult(string Id, string? Digest);

/// <summary>Pulls an image with a progress display (one refreshing line on a terminal, status changes otherwise).</summary>
public static class ImagePull
{
    public static async Task<PullResult> PullAsync(DockerEngine engine, string reference, TextWriter output, bool live, CancellationToken ct)
    {
        var (repo, tag) = Split(reference);
        var progress = new PullProgress(output, live);
        try
        {
            await engine.Client.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = repo, Tag = tag }, null, progress, ct);
        }
        catch (DockerApiException e)
        {
            progress.Finish();
            throw new ConduitException($"pull {reference}: {DockerEngine.Message(e)}");
        }
        progress.Finish();
        if (progress.Error is string error) throw new ConduitException($"pull {reference}: {error}");
        var image = await engine.TryInspectImageAsync(reference, ct)
                    ?? throw new ConduitException($"pull {reference}: Docker reported success but the image is not there");
        var digest = image.RepoDigests?.FirstOrDefault(d => d.StartsWith(repo + "@", StringComparison.Ordinal)) ?? image.RepoDigests?.FirstOrDefault();
        return new PullResult(image.ID, digest);
    }

    /// <summary>registry:5000/name:tag -> (registry:5000/name, tag); a digest reference stays whole.</summary>
    public static (string Repo, string? Tag) Split(string reference)
    {
        if (reference.Contains('@')) return (reference, null);
        var slash = reference.LastIndexOf('/');
        var colon = reference.LastIndexOf(':');
        return colon > slash ? (reference[..colon], reference[(colon + 1)..]) : (reference, "latest");
    }

    /// <summary>Synchronous IProgress: Progress&lt;T&gt; would reorder messages on the thread pool.</summary>
    sealed class PullProgress(TextWriter output, bool live) : IProgress<JSONMessage>
    {
        readonly Dictionary<string, (long Current, long Total, string Status)> _layers = new(StringComparer.Ordinal);
        string _lastLine = "";
        public string? Error { get; private set; }

        public void Report(JSONMessage m)
        {
            if (m.Error?.Message is { Length: > 0 } err) { Error = err; return; }
            if (string.IsNullOrEmpty(m.ID))
            {
                if (!string.IsNullOrEmpty(m.Status)) Write(m.Status, final: true);
                return;
            }
            var previous = _layers.GetValueOrDefault(m.ID);
            var current = m.Progress?.Current ?? (m.Status is "Pull complete" or "Already exists" ? previous.Total : previous.Current);
            var total = m.Progress?.Total ?? previous.Total;
            _layers[m.ID] = (current, total, m.Status ?? previous.Status);
            if (live)
            {
                long done = 0, all = 0;
                foreach (var (_, l) in _layers) { done += l.Current; all += l.Total; }
                var finished = _layers.Values.Count(l => l.Status is "Pull complete" or "Already exists");
                Write($"{finished}/{_layers.Count} layers, {Mb(done)}/{Mb(all)} MB", final: false);
            }
            else if (m.Status != previous.Status && m.Status is "Pull complete" or "Already exists" or "Pulling fs layer")
            {
                Write($"{m.ID}: {m.Status}", final: true);
            }
        }

        public void Finish()
        {
            if (live && _lastLine.Length > 0) output.WriteLine();
        }

        void Write(string line, bool final)
        {
            if (live)
            {
                output.Write("\r" + line.PadRight(_lastLine.Length));
                _lastLine = line;
                if (final) { output.WriteLine(); _lastLine = ""; }
            }
            else output.WriteLine(line);
        }

        static string Mb(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture);
    }
}
