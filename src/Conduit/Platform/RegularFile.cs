using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Conduit.Platform;

/// <summary>
/// Reads a file the user hands us (settings, key files, backups) only when it is a regular file of a sane size.
/// File.ReadAllBytes reads /dev/zero until memory runs out and blocks forever on a FIFO; here the path is opened
/// once with O_NONBLOCK (so opening a FIFO cannot block), the opened object is checked with fstat-equivalent
/// statx on that descriptor (no window between check and read), and at most <c>maxBytes</c> + 1 bytes are read.
/// </summary>
public static partial class RegularFile
{
    /// <summary>The whole file; <see cref="UsageException"/> when it is not a regular file or is larger than
    /// <paramref name="maxBytes"/>; FileNotFoundException when it does not exist, UnauthorizedAccessException
    /// when it may not be read.</summary>
    public static byte[] ReadAll(string path, int maxBytes, string what)
    {
        int fd = Open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw errno switch
            {
                ENOENT or ENOTDIR => new FileNotFoundException($"{path}: no such file", path),
                EACCES or EPERM => new UnauthorizedAccessException($"{path}: permission denied (run as root?)"),
                _ => new IOException($"{path}: cannot open ({Marshal.GetPInvokeErrorMessage(errno)})"),
            };
        }
        using var handle = new SafeFileHandle((IntPtr)fd, ownsHandle: true);
        var (mode, size) = Stat(fd, path);
        if ((mode & S_IFMT) != S_IFREG)
            throw new UsageException($"{Named(path)}: is {Kind(mode)}, not a regular file; {what} must be a file");
        if (size > maxBytes)
            throw new UsageException($"{path}: {size} bytes is too large for {what} (at most {Size(maxBytes)})");
        // The size may change while reading: never take more than the limit.
        var buffer = new byte[Math.Min((long)maxBytes + 1, Math.Max(size, 4096))];
        int total = 0;
        while (true)
        {
            if (total == buffer.Length)
            {
                if (buffer.Length > maxBytes) break;
                Array.Resize(ref buffer, (int)Math.Min((long)maxBytes + 1, buffer.Length * 2L));
            }
            int n = RandomAccess.Read(handle, buffer.AsSpan(total), total);
            if (n == 0) break;
            total += n;
        }
        if (total > maxBytes)
            throw new UsageException($"{path}: more than {Size(maxBytes)} is too large for {what}");
        return total == buffer.Length ? buffer : buffer[..total];
    }

    /// <summary>"path" or "path -> target" for a symbolic link, so the message says what was really opened.</summary>
    static string Named(string path)
    {
        try
        {
            var target = new FileInfo(path).LinkTarget;
            return target is null ? path : $"{path} -> {target}";
        }
        catch (IOException) { return path; }
        catch (UnauthorizedAccessException) { return path; }
    }

    static string Kind(uint mode) => (mode & S_IFMT) switch
    {
        S_IFDIR => "a directory",
        S_IFIFO => "a FIFO",
        S_IFCHR => "a character device",
        S_IFBLK => "a block device",
        S_IFSOCK => "a socket",
        _ => "not a regular file",
    };

    static string Size(int bytes) => bytes % (1024 * 1024) == 0 ? $"{bytes / (1024 * 1024)} MiB" : $"{bytes / 1024} KiB";

    static (uint Mode, long Size) Stat(int fd, string path)
    {
        // struct statx has one layout on every architecture (unlike struct stat): stx_mode at 28, stx_size at 40.
        Span<byte> buffer = stackalloc byte[256];
        if (Statx(fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_MODE | STATX_SIZE, ref MemoryMarshal.GetReference(buffer)) != 0)
            throw new IOException($"{path}: cannot stat ({Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())})");
        uint mode = BitConverter.ToUInt16(buffer[28..30]);
        long size = (long)BitConverter.ToUInt64(buffer[40..48]);
        return (mode, size);
    }

    const int O_RDONLY = 0, O_NOCTTY = 0x100, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;
    const int AT_EMPTY_PATH = 0x1000;
    const uint STATX_TYPE = 0x1, STATX_MODE = 0x2, STATX_SIZE = 0x200;
    const uint S_IFMT = 0xF000, S_IFREG = 0x8000, S_IFDIR = 0x4000, S_IFIFO = 0x1000, S_IFCHR = 0x2000, S_IFBLK = 0x6000, S_IFSOCK = 0xC000;
    const int EPERM = 1, ENOENT = 2, EACCES = 13, ENOTDIR = 20;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, ref byte buffer);
}
