using System.Runtime.InteropServices;
using System.Text;

namespace Conduit.Menu;

/// <summary>What a key press means to the menu.</summary>
internal enum KeyKind { Char, Up, Down, Left, Right, Enter, Escape, Backspace, Tab }

internal readonly record struct MenuKey(KeyKind Kind, char Char = '\0')
{
    public override string ToString() => Kind == KeyKind.Char ? Char.ToString() : Kind.ToString();
}

/// <summary>
/// The terminal in the menu's own mode, without System.Console: termios on fd 0 with canonical input and echo
/// off (signals stay on, so Ctrl+C is SIGINT and cancels the command's token like everywhere else), keys read
/// with poll(2)/read(2), output through the write(2)-based Console.Out. The alternate screen is used while the
/// menu is open. The original termios and the normal screen come back on Dispose, when the token is cancelled
/// (Ctrl+C, SIGTERM) and at process exit, whichever comes first; restoring twice is harmless.
/// </summary>
internal sealed partial class RawTerminal : IDisposable
{
    // Linux termios layout: c_iflag, c_oflag, c_cflag, c_lflag (4 bytes each), c_line, c_cc[32], speeds.
    const int TermiosSize = 60, IflagOffset = 0, LflagOffset = 12, CcOffset = 17;
    const uint ICRNL = 0x100, IXON = 0x400, ICANON = 0x2, ECHO = 0x8, IEXTEN = 0x8000;
    const int VTIME = 5, VMIN = 6, TCSANOW = 0;
    const short POLLIN = 1;

    /// <summary>Leaves the alternate screen, shows the cursor, and takes the keypad out of application mode (a
    /// live view's System.Console input puts it there).</summary>
    public const string RestoreSequence = "\e[0m\e[?25h\e[?1049l\e[?1l\e>";

    readonly byte[] _original = new byte[TermiosSize];
    readonly object _gate = new();
    readonly Queue<byte> _pending = new();
    readonly CancellationTokenRegistration _onCancel;
    bool _restored;

    RawTerminal(CancellationToken ct)
    {
        if (TcGetAttr(0, _original) != 0) throw new ConduitException("the menu needs a terminal: cannot read its settings (tcgetattr)");
        AppDomain.CurrentDomain.ProcessExit += OnExit;
        _onCancel = ct.Register(Restore);
        Token = ct;
        EnterRaw();
        Console.Out.Write("\e[?1049h\e[?25l");
    }

    public CancellationToken Token { get; }

    public static RawTerminal Open(CancellationToken ct) => new(ct);

    /// <summary>Columns and rows now (the window can change size between screens).</summary>
    public static (int Columns, int Rows) Size()
    {
        var s = StandardStreams.TerminalSize() ?? (80, 24);
        return (Math.Max(s.Columns, 40), Math.Max(s.Rows, 12));
    }

    void EnterRaw()
    {
        var raw = (byte[])_original.Clone();
        SetFlag(raw, IflagOffset, ICRNL | IXON, false);
        SetFlag(raw, LflagOffset, ICANON | ECHO | IEXTEN, false);
        raw[CcOffset + VMIN] = 1;
        raw[CcOffset + VTIME] = 0;
        TcSetAttr(0, TCSANOW, raw);
    }

    static void SetFlag(byte[] t, int offset, uint bits, bool on)
    {
        var v = BitConverter.ToUInt32(t, offset);
        v = on ? v | bits : v & ~bits;
        BitConverter.TryWriteBytes(t.AsSpan(offset, 4), v);
    }

    /// <summary>Runs a view that reads keys through System.Console (the existing live views): the terminal is in
    /// its original mode for it, so the runtime records and later restores the right settings; afterwards the
    /// menu's mode, screen and keypad come back.</summary>
    public async Task RunForeignAsync(Func<Task> view)
    {
        lock (_gate)
        {
            TcSetAttr(0, TCSANOW, _original);
            // A view that paints only its own lines must not leave the menu's text visible below them.
            Console.Out.Write("\e[H\e[2J");
        }
        try
        {
            await view();
        }
        finally
        {
            lock (_gate)
            {
                if (!_restored)
                {
                    EnterRaw();
                    Console.Out.Write("\e[?1l\e>\e[?1049h\e[?25l");
                }
            }
            _pending.Clear();
        }
    }

    /// <summary>Waits for one key; throws when the token is cancelled (Ctrl+C).</summary>
    public MenuKey ReadKey() => TryReadKey(Timeout.InfiniteTimeSpan) ?? throw new OperationCanceledException(Token);

    /// <summary>The next key within <paramref name="wait"/>, or null.</summary>
    public MenuKey? TryReadKey(TimeSpan wait)
    {
        var deadline = wait == Timeout.InfiniteTimeSpan ? DateTime.MaxValue : DateTime.UtcNow + wait;
        while (true)
        {
            Token.ThrowIfCancellationRequested();
            if (_pending.Count > 0) return Decode();
            var left = deadline == DateTime.MaxValue ? 100 : (int)Math.Clamp((deadline - DateTime.UtcNow).TotalMilliseconds, 0, 100);
            if (Fill(left)) continue;
            if (DateTime.UtcNow >= deadline) return null;
        }
    }

    bool Fill(int milliseconds)
    {
        var fd = new PollFd { Fd = 0, Events = POLLIN };
        if (Poll(ref fd, 1, milliseconds) <= 0 || (fd.Revents & POLLIN) == 0)
        {
            if ((fd.Revents & ~POLLIN) != 0) throw new ConduitException("the terminal went away");
            return false;
        }
        var buffer = new byte[256];
        var n = Read(0, buffer, buffer.Length);
        if (n == 0) throw new ConduitException("the terminal went away (end of input)");
        for (var i = 0; i < n; i++) _pending.Enqueue(buffer[i]);
        return n > 0;
    }

    MenuKey Decode()
    {
        var b = _pending.Dequeue();
        switch (b)
        {
            case 0x1b:
                // ESC alone is Escape; ESC [ X and ESC O X are cursor keys (normal and application keypad mode).
                if (_pending.Count == 0) Fill(30);
                if (_pending.Count == 0) return new(KeyKind.Escape);
                var next = _pending.Peek();
                if (next is not ((byte)'[' or (byte)'O')) return new(KeyKind.Escape);
                _pending.Dequeue();
                if (_pending.Count == 0) Fill(30);
                var final = (byte)0;
                // Parameters (digits, ';') up to the final byte, e.g. ESC [ 1 ; 5 A or ESC [ 3 ~.
                while (_pending.Count > 0)
                {
                    final = _pending.Dequeue();
                    if (final is >= 0x40 and <= 0x7e) break;
                }
                return final switch
                {
                    (byte)'A' => new(KeyKind.Up),
                    (byte)'B' => new(KeyKind.Down),
                    (byte)'C' => new(KeyKind.Right),
                    (byte)'D' => new(KeyKind.Left),
                    _ => new(KeyKind.Char, '\0'),
                };
            case (byte)'\r' or (byte)'\n':
                return new(KeyKind.Enter);
            case 0x7f or 0x08:
                return new(KeyKind.Backspace);
            case (byte)'\t':
                return new(KeyKind.Tab);
        }
        if (b < 0x80) return new(KeyKind.Char, b < 0x20 ? '\0' : (char)b);
        // A UTF-8 sequence: its length from the lead byte.
        var length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
        var bytes = new List<byte> { b };
        while (bytes.Count < length && (_pending.Count > 0 || Fill(30))) bytes.Add(_pending.Dequeue());
        var text = Encoding.UTF8.GetString(bytes.ToArray());
        return new(KeyKind.Char, text.Length > 0 ? text[0] : '\0');
    }

    void OnExit(object? sender, EventArgs e) => Restore();

    /// <summary>Back to the terminal as it was: original termios, normal screen, cursor shown.</summary>
    public void Restore()
    {
        lock (_gate)
        {
            if (_restored) return;
            _restored = true;
            TcSetAttr(0, TCSANOW, _original);
            Console.Out.Write(RestoreSequence);
        }
    }

    public void Dispose()
    {
        Restore();
        _onCancel.Dispose();
        AppDomain.CurrentDomain.ProcessExit -= OnExit;
    }

    [StructLayout(LayoutKind.Sequential)]
    struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "tcgetattr")]
    private static partial int TcGetAttr(int fd, [Out] byte[] termios);

    [LibraryImport("libc", EntryPoint = "tcsetattr")]
    private static partial int TcSetAttr(int fd, int actions, byte[] termios);

    [LibraryImport("libc", EntryPoint = "poll")]
    private static partial int Poll(ref PollFd fds, nuint count, int timeout);

    [LibraryImport("libc", EntryPoint = "read")]
    private static partial nint Read(int fd, [Out] byte[] buffer, nint count);
}
