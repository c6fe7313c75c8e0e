using System.Runtime.InteropServices;
using System.Text;

namespace Conduit.Platform;

/// <summary>
/// Writes files so that a reader (or a crash) only ever sees the old or the new content: temp file in the same
/// folder, created with its final mode, fsync, rename over the target, fsync the folder.
/// </summary>
public static partial class AtomicFile
{
    public const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode Public = Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    public const UnixFileMode Executable = Public | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    public static void WriteAllText(string path, string content, UnixFileMode mode = Private) =>
        WriteAllBytes(path, Encoding.UTF8.GetBytes(content), mode);

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> content, UnixFileMode mode = Private)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full) ?? "/";
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = mode,
            }))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            // UnixCreateMode is filtered by the umask: set the exact mode before the file becomes visible.
            File.SetUnixFileMode(temp, mode);
            File.Move(temp, full, overwrite: true);
            FsyncDirectory(dir);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            TryDelete(temp);
            // The runtime names the temporary file; the user needs the file they asked for, and the reason.
            throw new IOException($"{full}: cannot write ({Reason(e)}); the previous file is unchanged", e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>"No space left on device" from "No space left on device : '/x/.f.tmp'".</summary>
    static string Reason(IOException e)
    {
        int at = e.Message.IndexOf(" : '", StringComparison.Ordinal);
        return at > 0 ? e.Message[..at] : e.Message;
    }

    /// <summary>
    /// Like <see cref="WriteAllBytes"/> but never replaces an existing file: false when <paramref name="path"/>
    /// exists (also when another process created it a moment ago). link(2) publishes the finished temp file
    /// under the final name only if that name is free.
    /// </summary>
    public static bool TryCreateNew(string path, ReadOnlySpan<byte> content, UnixFileMode mode = Private)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full) ?? "/";
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode }))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            File.SetUnixFileMode(temp, mode);
            if (Link(temp, full) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == 17 /* EEXIST */) return false;
                throw new IOException($"{full}: cannot create ({Marshal.GetPInvokeErrorMessage(errno)})");
            }
            FsyncDirectory(dir);
            return true;
        }
        finally
        {
            TryDelete(temp);
        }
    }

    /// <summary>Copies a file atomically (used for binaries: rename never hits "text file busy").</summary>
    public static void Copy(string source, string destination, UnixFileMode mode)
    {
        var bytes = File.ReadAllBytes(source);
        WriteAllBytes(destination, bytes, mode);
    }

    static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    static void FsyncDirectory(string dir)
    {
        // The rename is only durable once the directory entry is on disk.
        int fd = Open(dir, 0 /* O_RDONLY */);
        if (fd < 0) return;
        _ = Fsync(fd);
        _ = Close(fd);
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string existing, string created);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
