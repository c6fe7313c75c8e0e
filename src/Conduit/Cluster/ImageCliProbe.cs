using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Conduit.Platform;
using Conduit.Settings;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Conduit.Cluster;

/// <summary>
/// Learns what an image's node CLI accepts by running it once with `start --help` (no network, removed right
/// after) and remembers the flags per image ID in state/image-cli.json, so a new image behind the same tag is
/// probed again and an unchanged one never is.
/// </summary>
public static class ImageCliProbe
{
    public const string CacheFileName = "image-cli.json";
    static readonly ConcurrentDictionary<string, string> Memo = new(StringComparer.Ordinal);

    public static string CachePath(ConduitPaths paths) => Path.Combine(paths.StateDir, CacheFileName);

    /// <summary>What the configured image accepts; NODE_FLAGS when the image is not present or its help is silent.</summary>
    public static async Task<ImageCli> DetectAsync(DockerEngine engine, ConduitSettings settings, ConduitPaths paths, ClusterNames names, CancellationToken ct)
    {
        var image = await engine.TryInspectImageAsync(settings.Image, ct);
        if (image?.ID is not { Length: > 0 } id) return ImageCli.FromSettings(settings);
        var help = Memo.TryGetValue(id, out var known) ? known : ReadCache(paths, id);
        if (help is null)
        {
            help = await RunHelpAsync(engine, id, names, ct);
            WriteCache(paths, id, help);
        }
        Memo[id] = help;
        return ImageCli.FromHelp(settings.Image, help) ?? ImageCli.FromSettings(settings);
    }

    /// <summary>The flags part of `start --help`: only the long flag names are kept.</summary>
    static async Task<string> RunHelpAsync(DockerEngine engine, string imageId, ClusterNames names, CancellationToken ct)
    {
        var labels = names.BaseLabels();
        labels[ClusterNames.HelperLabel] = "image-cli";
        var created = await engine.Client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Name = $"{names.Instance}-imagecli-{Guid.NewGuid().ToString("N")[..12]}",
            Image = imageId,
            Cmd = ["start", "--help"],
            Labels = labels,
            HostConfig = new HostConfig { NetworkMode = "none" },
        }, ct);
        try
        {
            await engine.Client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), ct);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            try
            {
                await engine.Client.Containers.WaitContainerAsync(created.ID, timeout.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new ConduitException($"`conduit start --help` in image {imageId[..Math.Min(19, imageId.Length)]} did not finish within 30 s; set NODE_FLAGS to say which flags it speaks");
            }
            using var logs = await engine.Client.Containers.GetContainerLogsAsync(created.ID,
                new ContainerLogsParameters { ShowStdout = true, ShowStderr = true }, ct);
            var (stdout, stderr) = await logs.ReadOutputToEndAsync(ct);
            var flags = ImageCli.Flags(stdout + "\n" + stderr).Order(StringComparer.Ordinal);
            return string.Join(' ', flags.Select(f => "--" + f));
        }
        finally
        {
            try
            {
                await engine.Client.Containers.RemoveContainerAsync(created.ID, new ContainerRemoveParameters { Force = true }, CancellationToken.None);
            }
            catch (DockerApiException)
            {
            }
        }
    }

    static string? ReadCache(ConduitPaths paths, string id)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(CachePath(paths)));
            return doc.RootElement.TryGetProperty(id, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException or InvalidOperationException)
        {
            return null; // absent or damaged: probe again
        }
    }

    static void WriteCache(ConduitPaths paths, string id, string help)
    {
        var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(CachePath(paths)));
            foreach (var p in doc.RootElement.EnumerateObject())
                if (p.Value.ValueKind == JsonValueKind.String) entries[p.Name] = p.Value.GetString()!;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException or InvalidOperationException)
        {
        }
        entries[id] = help;
        try
        {
            Directory.CreateDirectory(paths.StateDir);
            var json = Terminal.JsonString(w =>
            {
                w.WriteStartObject();
                foreach (var (k, v) in entries) w.WriteString(k, v);
                w.WriteEndObject();
            }, indented: true);
            AtomicFile.WriteAllText(CachePath(paths), json + "\n", AtomicFile.Private);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Without a writable state dir the probe simply runs again next time.
        }
    }
}
