using System.Formats.Tar;
using System.Runtime.InteropServices;
using Conduit.Platform;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Conduit.Cluster;

/// <summary>The key file of one node as found on its volume.</summary>
/// <param name="Exists">false when the volume or the file does not exist</param>
/// <param name="Content">the raw bytes (secret: never log them)</param>
/// <param name="Location">where it was read, for messages (volume name and path)</param>
public sealed record NodeKeyRead(bool Exists, byte[]? Content, string Location);

/// <summary>
/// Reads and writes conduit_key.json on node N's volume. Directly through the volume's mount point when this
/// process can see it (root on the Docker host), else through the Docker archive API on the node container or
/// on a created-never-started helper container that mounts the volume (remote or rootless engines).
/// </summary>
public sealed partial class NodeDataAccess(DockerEngine engine, ClusterNames names, string helperImage, bool useMountpoint = true)
{
    /// <summary>uid/gid the official image runs the node as.</summary>
    public const int NodeUid = 1000;

    public async Task<NodeKeyRead> ReadKeyAsync(int index, CancellationToken ct)
    {
        var volumeName = names.Volume(index);
        var volume = await engine.TryInspectVolumeAsync(volumeName, ct);
        if (volume is null) return new(false, null, $"volume {volumeName} (not created)");
        if (useMountpoint && TryMountpointFile(volume) is string path)
        {
            try
            {
                // A regular file of key size only: a link to /dev/zero or a FIFO on the volume is not read forever.
                return File.Exists(path)
                    ? new(true, RegularFile.ReadAll(path, 64 * 1024, "a key file"), path)
                    : new(false, null, path);
            }
            catch (UnauthorizedAccessException)
            {
                // Fall through to the API: the file is there but this user may not read it.
            }
        }
        var location = $"{volumeName}:{ContainerSpec.KeyFileName}";
        var content = await WithContainerAsync(index, volumeName, container => ReadArchiveFileAsync(container, ct), ct);
        return new(content is not null, content, location);
    }

    /// <summary>Writes the key (mode 0600, owned like the data dir); creates the volume when missing.</summary>
    public async Task<string> WriteKeyAsync(int index, byte[] content, CancellationToken ct)
    {
        var problem = NodeKeyFile.Problem(content);
        if (problem is not null) throw new UsageException($"refusing to write an invalid key: {problem}");
        var volumeName = names.Volume(index);
        var volume = await engine.TryInspectVolumeAsync(volumeName, ct)
                     ?? await engine.Client.Volumes.CreateAsync(new VolumesCreateParameters { Name = volumeName, Labels = names.IndexedLabels(index) }, ct);
        if (useMountpoint && TryMountpointFile(volume) is string path)
        {
            try
            {
                var dir = Path.GetDirectoryName(path)!;
                AtomicFile.WriteAllBytes(path, content, AtomicFile.Private);
                // The node runs unprivileged: the key must belong to whoever owns the data dir. A volume we just
                // created is root-owned, and Docker only copies the image's uid-1000 data dir into an EMPTY
                // volume, so hand both to the node user the official image runs as.
                if (!TryGetOwner(dir, out var uid, out var gid) || uid == 0)
                {
                    (uid, gid) = (NodeUid, NodeUid);
                    if (Chown(dir, uid, gid) != 0) throw new IOException($"cannot hand {dir} to uid {NodeUid}");
                }
                if (Chown(path, uid, gid) != 0) throw new IOException($"cannot hand {path} to uid {uid}");
                return path;
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        await WithContainerAsync(index, volumeName, async container =>
        {
            await WriteArchiveFileAsync(container, content, ct);
            return (byte[]?)null;
        }, ct);
        return $"{volumeName}:{ContainerSpec.KeyFileName}";
    }

    static string? TryMountpointFile(VolumeResponse volume)
    {
        if (string.IsNullOrEmpty(volume.Mountpoint)) return null;
        try
        {
            // Enumerating proves we can see into the folder (not just that a path string exists).
            if (!Directory.Exists(volume.Mountpoint)) return null;
            using var entries = Directory.EnumerateFileSystemEntries(volume.Mountpoint).GetEnumerator();
            _ = entries.MoveNext();
            return Path.Combine(volume.Mountpoint, ContainerSpec.KeyFileName);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return null;
        }
    }

    /// <summary>Runs <paramref name="work"/> on the node container, or on a helper that is created, never started, and removed.</summary>
    async Task<byte[]?> WithContainerAsync(int index, string volumeName, Func<string, Task<byte[]?>> work, CancellationToken ct)
    {
        var node = await engine.TryInspectContainerAsync(names.Container(index), ct);
        if (node is not null && names.Owns(node.Config?.Labels)
            && node.Mounts?.Any(m => m.Name == volumeName && m.Destination == ContainerSpec.DataDir) == true)
            return await work(node.ID);
        if (await engine.TryInspectImageAsync(helperImage, ct) is null)
            throw new ConduitException($"cannot reach {volumeName} through Docker: image {helperImage} is not present (run `conduit pull`)");
        var labels = names.BaseLabels();
        labels[ClusterNames.HelperLabel] = "key-access";
        var created = await engine.Client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Name = $"{names.Instance}-keyhelper-{Guid.NewGuid().ToString("N")[..12]}",
            Image = helperImage,
            Cmd = ["start", "--data-dir", ContainerSpec.DataDir],
            Labels = labels,
            HostConfig = new HostConfig
            {
                NetworkMode = "none",
                Mounts = [new Mount { Type = "volume", Source = volumeName, Target = ContainerSpec.DataDir }],
            },
        }, ct);
        try
        {
            return await work(created.ID);
        }
        finally
        {
            await engine.Client.Containers.RemoveContainerAsync(created.ID, new ContainerRemoveParameters { Force = true }, CancellationToken.None);
        }
    }

    async Task<byte[]?> ReadArchiveFileAsync(string container, CancellationToken ct)
    {
        ContainerArchiveResponse archive;
        try
        {
            archive = await engine.Client.Containers.GetArchiveFromContainerAsync(container,
                new ContainerPathStatParameters { Path = ContainerSpec.KeyPath }, statOnly: false, ct);
        }
        catch (DockerApiException e) when (DockerEngine.IsNotFound(e))
        {
            return null;
        }
        if (archive.Stream is null) return null;
        await using var stream = archive.Stream;
        await using var reader = new TarReader(stream);
        while (await reader.GetNextEntryAsync(copyData: true, ct) is { } entry)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null) continue;
            using var buffer = new MemoryStream();
            await entry.DataStream.CopyToAsync(buffer, ct);
            return buffer.ToArray();
        }
        return null;
    }

    async Task WriteArchiveFileAsync(string container, byte[] content, CancellationToken ct)
    {
        using var tar = new MemoryStream();
        await using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, ContainerSpec.KeyFileName)
            {
                Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                Uid = NodeUid,
                Gid = NodeUid,
                ModificationTime = DateTimeOffset.UtcNow,
                DataStream = new MemoryStream(content),
            };
            await writer.WriteEntryAsync(entry, ct);
        }
        tar.Position = 0;
        await engine.Client.Containers.ExtractArchiveToContainerAsync(container,
            new CopyToContainerParameters { Path = ContainerSpec.DataDir, AllowOverwriteDirWithFile = false }, tar, ct);
    }

    /// <summary>statx keeps one layout on every architecture (stat does not): uid at 20, gid at 24.</summary>
    static bool TryGetOwner(string path, out uint uid, out uint gid)
    {
        Span<byte> buffer = stackalloc byte[256];
        uid = gid = 0;
        const int AtFdCwd = -100, StatxUid = 0x8, StatxGid = 0x10;
        unsafe
        {
            fixed (byte* p = buffer)
                if (Statx(AtFdCwd, path, 0, StatxUid | StatxGid, p) != 0) return false;
        }
        uid = BitConverter.ToUInt32(buffer[20..]);
        gid = BitConverter.ToUInt32(buffer[24..]);
        return true;
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "chown", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Chown(string path, uint uid, uint gid);
}
