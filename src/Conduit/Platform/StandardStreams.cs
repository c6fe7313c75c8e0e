using System.Runtime.InteropServices;
using System.Text;

namespace Conduit.Platform;

/// <summary>
/// Console.Out and Console.Error over plain write(2) on fds 1 and 2. The runtime's own console streams switch a
/// terminal into keypad-transmit mode (ESC[?1h ESC=) on their first write and never switch it back, so every
/// command left that in the user's terminal, NO_COLOR or not; only the live views that read keys need it, and
/// they get it when they first touch the console's input. A reader that went away (`conduit status | head -1`)
/// ends the output silently, as the runtime's streams do.
/// </summary>
public static partial class StandardStreams
{
    public static void Install()
    {
        Console.SetOut(Writer(1));
        Console.SetError(Writer(2));
    }

    /// <summary>fd 1 as a stream, for output written as bytes (JSON).</summary>
    public static Stream Stdout() => new FdStream(1);

    /// <summary>The terminal's size from fd 1 (TIOCGWINSZ), without the runtime's console (see above); null on a
    /// pipe or when the terminal does not say.</summary>
    public static unsafe (int Columns, int Rows)? TerminalSize()
    {
        WinSize size;
        if (Ioctl(1, TIOCGWINSZ, &size) != 0 || size.Columns == 0) return null;
        return (size.Columns, size.Rows);
    }

    const nuint TIOCGWINSZ = 0x5413;

    struct WinSize
    {
        public ushort Rows, Columns, XPixels, YPixels;
    }

    [LibraryImport("libc", EntryPoint = "ioctl")]
    private static unsafe partial int Ioctl(int fd, nuint request, WinSize* size);

    static TextWriter Writer(int fd) =>
        TextWriter.Synchronized(new StreamWriter(new FdStream(fd), new UTF8Encoding(false), 4096) { AutoFlush = true });

    sealed partial class FdStream(int fd) : Stream
    {
        const int EINTR = 4, EPIPE = 32, EAGAIN = 11;
        bool _closed;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override unsafe void Write(ReadOnlySpan<byte> data)
        {
            fixed (byte* p = data)
            {
                int done = 0;
                while (done < data.Length && !_closed)
                {
                    nint n = WriteFd(fd, p + done, (nuint)(data.Length - done));
                    if (n >= 0) { done += (int)n; continue; }
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno is EINTR or EAGAIN) continue;
                    if (errno == EPIPE) { _closed = true; return; }
                    throw new IOException($"cannot write to fd {fd} (errno {errno})");
                }
            }
        }

        [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
        private static unsafe partial nint WriteFd(int fd, byte* buffer, nuint count);
    }
}
