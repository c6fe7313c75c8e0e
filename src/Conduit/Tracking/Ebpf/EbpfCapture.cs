using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Conduit.Tracking.Ebpf;

/// <summary>The eBPF backend cannot run here; <see cref="ConduitException.Message"/> says why in one line.</summary>
public sealed class EbpfUnavailableException(string reason) : ConduitException(reason);

/// <summary>
/// Counts traffic per remote address in the kernel: loads the embedded TC program (native/conduit_tc.bpf.c)
/// through libbpf, attaches it to an interface's clsact ingress and egress hooks, and turns the per-CPU map into
/// per-address deltas on each <see cref="ReadDeltas"/>. Our filters carry a fixed handle and priority and our
/// program names; a start removes a stale pair of ours (left by a killed run) and never touches other filters.
/// </summary>
public sealed unsafe class EbpfCapture : IDisposable
{
    /// <summary>tc handle and preference of our filters (`tc filter show` prints pref 49360 ... handle 0xc0d0).</summary>
    public const uint FilterHandle = 0xC0D0;
    public const uint FilterPriority = 0xC0D0;
    const string ObjectResource = "conduit_tc.bpf.o";
    const int BatchSize = 1024;

    readonly string _interface;
    readonly int _ifIndex;
    readonly Socket _lock;
    nint _object;
    readonly int _remotesFd, _statsFd, _ingressFd, _egressFd, _runStatsFd = -1;
    uint _ingressId, _egressId;
    readonly int _cpus;
    int _attached;
    bool _batchUnsupported;

    readonly byte* _keys;
    readonly byte* _values;
    readonly ulong* _statValues;
    readonly DeltaTracker _tracker = new();
    ulong _evictions;

    public string Interface => _interface;
    public EbpfStats Stats { get; private set; }

    /// <summary>Whether the binary carries the compiled program (false when clang was missing at build time).</summary>
    public static bool IsBuiltIn => typeof(EbpfCapture).Assembly.GetManifestResourceInfo(ObjectResource) is not null;

    /// <summary>Checks everything that can be checked without loading: built in, libbpf present, privileges.</summary>
    public static bool IsAvailable(out string reason)
    {
        if (!IsBuiltIn)
        {
            reason = "this conduit was built without the eBPF backend (clang was missing at build time)";
            return false;
        }
        if (!LibBpf.TryLoad(out reason)) return false;
        if (!HasPrivileges())
        {
            reason = "eBPF needs root or the capabilities cap_bpf,cap_perfmon,cap_net_admin (setcap cap_bpf,cap_perfmon,cap_net_admin+eip on the binary)";
            return false;
        }
        reason = "";
        return true;
    }

    /// <summary>Loads and attaches the counter on <paramref name="interfaceName"/>; TCP/UDP packets to or from
    /// any of <paramref name="excludedPorts"/> are not counted per address. With <paramref name="kernelStats"/>
    /// the kernel measures the programs' run time while this capture lives (costs a little per packet).</summary>
    public static EbpfCapture Start(string interfaceName, ReadOnlySpan<ushort> excludedPorts, bool kernelStats = false)
    {
        if (!IsAvailable(out var reason)) throw new EbpfUnavailableException(reason);
        var ifIndex = InterfaceIndex(interfaceName);
        var config = new CaptureConfig { RawIp = IsRawIpDevice(interfaceName) ? 1u : 0u };
        foreach (var port in excludedPorts) config.Exclude(port);
        return new EbpfCapture(interfaceName, ifIndex, config, kernelStats);
    }

    EbpfCapture(string interfaceName, int ifIndex, in CaptureConfig config, bool kernelStats)
    {
        _interface = interfaceName;
        _ifIndex = ifIndex;
        _lock = LockInterface(interfaceName);
        try
        {
            _cpus = LibBpf.PossibleCpus();
            if (_cpus <= 0) throw new EbpfUnavailableException($"libbpf could not count the CPUs ({Errno(-_cpus)})");
            _object = OpenAndLoad(EbpfMaps.RemotesMapEntries(_cpus));
            _remotesFd = MapFd(EbpfMaps.RemotesMap);
            MapCapacity = MaxEntriesOf(_remotesFd);
            _statsFd = MapFd(EbpfMaps.StatsMap);
            var configFd = MapFd(EbpfMaps.ConfigMap);
            var zero = 0u;
            var cfg = config;
            Check(LibBpf.MapUpdate(configFd, &zero, &cfg, LibBpf.UpdateAny), "writing the eBPF config map");
            _ingressFd = ProgramFd(EbpfMaps.IngressProgram);
            _egressFd = ProgramFd(EbpfMaps.EgressProgram);
            _runStatsFd = kernelStats ? LibBpf.EnableStats(LibBpf.StatsRunTime) : -1;

            _keys = (byte*)NativeMemory.Alloc(BatchSize * 16);
            _values = (byte*)NativeMemory.Alloc((nuint)(BatchSize * _cpus * sizeof(RemoteCounters)));
            _statValues = (ulong*)NativeMemory.Alloc((nuint)(_cpus * sizeof(ulong)));

            _attached = 1; // from here on Stop detaches whatever got attached
            _ingressId = Attach(LibBpf.TcIngress, _ingressFd);
            _egressId = Attach(LibBpf.TcEgress, _egressFd);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Per-address traffic since the previous call (the first call: since start). The span is valid
    /// until the next call. Also refreshes <see cref="Stats"/>. Allocation-free once the tables have grown.</summary>
    public ReadOnlySpan<RemoteTrafficDelta> ReadDeltas()
    {
        ObjectDisposedException.ThrowIf(_object == 0, this);
        var newEntries = ReadStat(EbpfMaps.StatNewEntries); // before the walk: see Evictions below
        _tracker.BeginWalk();
        if (!_batchUnsupported && !WalkBatched()) _batchUnsupported = true;
        if (_batchUnsupported)
        {
            _tracker.BeginWalk();
            WalkByKey();
        }
        var deltas = _tracker.EndWalk();

        // Every insert the kernel counted is either still in the map or was evicted by the LRU.
        var live = (ulong)_tracker.Live;
        if (newEntries > live + _evictions) _evictions = newEntries - live;
        ulong runTime = 0, runCount = 0;
        if (_runStatsFd >= 0)
        {
            AddRunStats(_ingressFd, ref runTime, ref runCount);
            AddRunStats(_egressFd, ref runTime, ref runCount);
        }
        Stats = new EbpfStats(
            ReadStat(EbpfMaps.StatMalformed), ReadStat(EbpfMaps.StatNonIp), ReadStat(EbpfMaps.StatOtherProtocol),
            ReadStat(EbpfMaps.StatExcluded), _evictions, ReadStat(EbpfMaps.StatMapFull), _tracker.Live, runTime, runCount);
        return deltas;
    }

    bool WalkBatched()
    {
        // The batch cursor is opaque to user space (a bucket index for hash maps); 16 bytes hold any key-sized one.
        var inBatch = stackalloc byte[16];
        var outBatch = stackalloc byte[16];
        var first = true;
        while (true)
        {
            var n = (uint)BatchSize;
            var rc = LibBpf.MapLookupBatch(_remotesFd, first ? null : inBatch, outBatch, _keys, _values, &n, null);
            var done = rc == -ENOENT;
            if (rc < 0 && !done)
            {
                if (first && rc is -EINVAL or -ENOTSUPP or -EOPNOTSUPP) return false; // kernel without batch ops
                throw new ConduitException($"reading the eBPF map failed ({Errno(-rc)})");
            }
            for (var i = 0; i < n; i++) Accumulate(_keys + i * 16, _values + i * _cpus * sizeof(RemoteCounters));
            if (done) return true;
            Buffer.MemoryCopy(outBatch, inBatch, 16, 16);
            first = false;
        }
    }

    void WalkByKey()
    {
        var key = _keys;
        var next = _keys + 16;
        var rc = LibBpf.MapGetNextKey(_remotesFd, null, next);
        while (rc == 0)
        {
            if (LibBpf.MapLookup(_remotesFd, next, _values) == 0) Accumulate(next, _values);
            Buffer.MemoryCopy(next, key, 16, 16);
            rc = LibBpf.MapGetNextKey(_remotesFd, key, next);
        }
        if (rc != -ENOENT) throw new ConduitException($"reading the eBPF map failed ({Errno(-rc)})");
    }

    void Accumulate(byte* key, byte* perCpu)
    {
        RemoteCounters total = default;
        var values = (RemoteCounters*)perCpu;
        for (var cpu = 0; cpu < _cpus; cpu++)
        {
            total.BytesIn += values[cpu].BytesIn;
            total.PacketsIn += values[cpu].PacketsIn;
            total.BytesOut += values[cpu].BytesOut;
            total.PacketsOut += values[cpu].PacketsOut;
        }
        _tracker.Observe(*(RemoteAddress*)key, total);
    }

    ulong ReadStat(int index)
    {
        var key = (uint)index;
        if (LibBpf.MapLookup(_statsFd, &key, _statValues) != 0) return 0;
        ulong sum = 0;
        for (var cpu = 0; cpu < _cpus; cpu++) sum += _statValues[cpu];
        return sum;
    }

    static void AddRunStats(int programFd, ref ulong runTime, ref ulong runCount)
    {
        var info = stackalloc byte[LibBpf.ProgInfoSize];
        new Span<byte>(info, LibBpf.ProgInfoSize).Clear();
        var length = (uint)LibBpf.ProgInfoSize;
        if (LibBpf.ObjectInfo(programFd, info, &length) != 0) return;
        runTime += *(ulong*)(info + LibBpf.ProgInfoRunTimeOffset);
        runCount += *(ulong*)(info + LibBpf.ProgInfoRunCountOffset);
    }

    /// <summary>Detaches both filters (if still ours). Safe to call twice and from a signal handler; the map
    /// stays readable, so a final <see cref="ReadDeltas"/> after Stop still sees the last packets.</summary>
    public void Stop()
    {
        if (Interlocked.Exchange(ref _attached, 0) == 0) return;
        DetachIfOurs(LibBpf.TcIngress, _ingressId);
        DetachIfOurs(LibBpf.TcEgress, _egressId);
    }

    public void Dispose()
    {
        Stop();
        if (_runStatsFd >= 0) LibC.Close(_runStatsFd);
        if (_object != 0)
        {
            LibBpf.ObjectClose(_object);
            _object = 0;
        }
        NativeMemory.Free(_keys);
        NativeMemory.Free(_values);
        NativeMemory.Free(_statValues);
        _lock?.Dispose();
    }

    // ---- loading and attaching -------------------------------------------------------------------------------

    /// <summary>Addresses the kernel's LRU map holds on this host (see <see cref="EbpfMaps.RemotesMapEntries"/>),
    /// as the kernel reports it.</summary>
    public uint MapCapacity { get; }

    static uint MaxEntriesOf(int mapFd)
    {
        // struct bpf_map_info starts: u32 type, id, key_size, value_size, max_entries.
        const int InfoSize = 88, MaxEntriesOffset = 16;
        var info = stackalloc byte[InfoSize];
        new Span<byte>(info, InfoSize).Clear();
        var length = (uint)InfoSize;
        return LibBpf.ObjectInfo(mapFd, info, &length) == 0 ? *(uint*)(info + MaxEntriesOffset) : 0;
    }

    static nint OpenAndLoad(int mapEntries)
    {
        using var stream = typeof(EbpfCapture).Assembly.GetManifestResourceStream(ObjectResource)!;
        var image = new byte[stream.Length];
        stream.ReadExactly(image);
        LibBpfLog.Install();
        nint obj;
        fixed (byte* p = image) obj = LibBpf.ObjectOpenMem(p, (nuint)image.Length, null);
        if (obj == 0)
            throw new EbpfUnavailableException($"libbpf could not open the embedded eBPF object ({Errno(Marshal.GetLastPInvokeError())}){LibBpfLog.Detail}");
        var remotes = WithName(EbpfMaps.RemotesMap, n => LibBpf.FindMap(obj, (byte*)n));
        var rc = remotes == 0 ? -ENOENT : LibBpf.MapSetMaxEntries(remotes, (uint)mapEntries);
        if (rc == 0) rc = LibBpf.ObjectLoad(obj);
        if (rc < 0)
        {
            LibBpf.ObjectClose(obj);
            throw new EbpfUnavailableException(-rc is EPERM or EACCES
                ? $"the kernel refused to load the eBPF program ({Errno(-rc)}): run as root or give the binary cap_bpf,cap_net_admin,cap_perfmon"
                : $"the kernel could not load the eBPF program ({Errno(-rc)}){LibBpfLog.Detail}");
        }
        return obj;
    }

    int MapFd(string name)
    {
        var map = WithName(name, n => LibBpf.FindMap(_object, (byte*)n));
        return map == 0 ? throw new EbpfUnavailableException($"the embedded eBPF object has no map '{name}'") : LibBpf.MapFd(map);
    }

    int ProgramFd(string name)
    {
        var program = WithName(name, n => LibBpf.FindProgram(_object, (byte*)n));
        return program == 0 ? throw new EbpfUnavailableException($"the embedded eBPF object has no program '{name}'") : LibBpf.ProgramFd(program);
    }

    static nint WithName(string name, Func<nint, nint> find)
    {
        var bytes = new byte[name.Length + 1];
        System.Text.Encoding.ASCII.GetBytes(name, bytes);
        fixed (byte* p = bytes) return find((nint)p);
    }

    uint Attach(int direction, int programFd)
    {
        var hook = LibBpf.TcHook.For(_ifIndex, direction);
        var rc = LibBpf.TcHookCreate(&hook); // adds the clsact qdisc; an existing one (ours or not) is kept
        if (rc < 0 && rc != -EEXIST) throw AttachFailure("creating the clsact qdisc", rc);
        RemoveStale(direction);
        var options = LibBpf.TcOptions.For(FilterHandle, FilterPriority, programFd);
        rc = LibBpf.TcAttach(&hook, &options);
        if (rc == -EEXIST) throw ForeignInOurSlot("a filter libbpf cannot identify");
        if (rc < 0) throw AttachFailure("attaching the eBPF filter", rc);
        return options.ProgramId;
    }

    /// <summary>Our handle/priority slot is taken: by a killed run of ours (remove it), or by someone else (refuse).</summary>
    void RemoveStale(int direction) => RemoveStale(_interface, _ifIndex, direction);

    /// <summary>Removes our filter in one direction if one is there; true when it did.</summary>
    static bool RemoveStale(string interfaceName, int ifIndex, int direction)
    {
        var hook = LibBpf.TcHook.For(ifIndex, direction);
        var query = LibBpf.TcOptions.For(FilterHandle, FilterPriority);
        if (LibBpf.TcQuery(&hook, &query) < 0) return false; // nothing there
        var name = ProgramName(query.ProgramId);
        if (name is not (EbpfMaps.IngressProgram or EbpfMaps.EgressProgram))
            throw ForeignInOurSlot(interfaceName, name.Length == 0 ? "unknown program" : name);
        var detach = LibBpf.TcOptions.For(FilterHandle, FilterPriority);
        var rc = LibBpf.TcDetach(&hook, &detach);
        if (rc < 0 && rc != -ENOENT) throw AttachFailure(interfaceName, "removing a stale conduit filter", rc);
        return rc == 0;
    }

    /// <summary>Removes the filters a killed conduit left on <paramref name="interfaceName"/> (they keep counting
    /// into a map nobody reads until removed); refuses while a live conduit counts there. Returns how many.</summary>
    public static int RemoveStaleFilters(string interfaceName)
    {
        if (!LibBpf.TryLoad(out var reason)) throw new EbpfUnavailableException(reason);
        if (!HasPrivileges()) throw new EbpfUnavailableException("removing tc filters needs root or cap_net_admin,cap_bpf,cap_perfmon");
        var ifIndex = InterfaceIndex(interfaceName);
        using var _ = LockInterface(interfaceName);
        LibBpfLog.Install();
        var removed = 0;
        if (RemoveStale(interfaceName, ifIndex, LibBpf.TcIngress)) removed++;
        if (RemoveStale(interfaceName, ifIndex, LibBpf.TcEgress)) removed++;
        return removed;
    }

    EbpfUnavailableException ForeignInOurSlot(string what) => ForeignInOurSlot(_interface, what);

    static EbpfUnavailableException ForeignInOurSlot(string interfaceName, string what) => new(
        $"a tc filter that is not conduit's ({what}) uses pref {FilterPriority} handle 0x{FilterHandle:x} on {interfaceName}; remove it or use the pcap backend");

    void DetachIfOurs(int direction, uint programId)
    {
        if (programId == 0) return;
        var hook = LibBpf.TcHook.For(_ifIndex, direction);
        var query = LibBpf.TcOptions.For(FilterHandle, FilterPriority);
        if (LibBpf.TcQuery(&hook, &query) < 0 || query.ProgramId != programId) return; // gone, or replaced
        var detach = LibBpf.TcOptions.For(FilterHandle, FilterPriority);
        LibBpf.TcDetach(&hook, &detach);
    }

    static string ProgramName(uint id)
    {
        var fd = LibBpf.ProgramFdById(id);
        if (fd < 0) return "";
        try
        {
            var info = stackalloc byte[LibBpf.ProgInfoSize];
            new Span<byte>(info, LibBpf.ProgInfoSize).Clear();
            var length = (uint)LibBpf.ProgInfoSize;
            if (LibBpf.ObjectInfo(fd, info, &length) != 0) return "";
            var name = new ReadOnlySpan<byte>(info + LibBpf.ProgInfoNameOffset, 16);
            var end = name.IndexOf((byte)0);
            return System.Text.Encoding.ASCII.GetString(end < 0 ? name : name[..end]);
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    Exception AttachFailure(string what, int rc) => AttachFailure(_interface, what, rc);

    static Exception AttachFailure(string interfaceName, string what, int rc) => -rc is EPERM or EACCES
        ? new EbpfUnavailableException($"{what} on {interfaceName} was refused ({Errno(-rc)}): run as root or give the binary cap_net_admin")
        : new ConduitException($"{what} on {interfaceName} failed ({Errno(-rc)})");

    // ---- host facts --------------------------------------------------------------------------------------------

    static int InterfaceIndex(string name)
    {
        if (name.Length is 0 or > 15 || name.Contains('/') || name.Contains('\0'))
            throw new UsageException($"'{name}' is not a valid interface name");
        var bytes = new byte[name.Length + 1];
        System.Text.Encoding.UTF8.GetBytes(name, bytes);
        uint index;
        fixed (byte* p = bytes) index = LibC.InterfaceIndex(p);
        return index == 0 ? throw new UsageException($"interface '{name}' not found (see `ip link`)") : (int)index;
    }

    /// <summary>Devices without a link-layer header (tun, wireguard: ARPHRD_NONE) hand TC the bare IP packet.</summary>
    static bool IsRawIpDevice(string name)
    {
        try { return File.ReadAllText($"/sys/class/net/{name}/type").Trim() == "65534"; }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    static bool HasPrivileges()
    {
        // CapEff bits: CAP_NET_ADMIN 12, CAP_SYS_ADMIN 21, CAP_PERFMON 38, CAP_BPF 39. Without CAP_PERFMON the
        // verifier refuses our program (EACCES) although CAP_BPF lets it be submitted.
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith("CapEff:", StringComparison.Ordinal)) continue;
                var caps = Convert.ToUInt64(line[7..].Trim(), 16);
                bool Has(int bit) => (caps & (1UL << bit)) != 0;
                return Has(12) && ((Has(39) && Has(38)) || Has(21));
            }
        }
        catch (IOException) { }
        catch (FormatException) { }
        return false;
    }

    /// <summary>One live capture per interface and network namespace: a killed one releases its lock, so its
    /// filters left in the kernel are known to be stale. The lock is an abstract unix socket: it belongs to the
    /// network namespace (as the interface does), needs no writable folder (a systemd unit with
    /// ProtectSystem=strict has a read-only /run), and the kernel frees it when the holder dies.</summary>
    static Socket LockInterface(string name)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint($"\0conduit/ebpf/{name}"));
            return socket;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            throw new EbpfUnavailableException($"another conduit is already counting on {name} with eBPF");
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new EbpfUnavailableException($"cannot take the capture lock for {name}: {e.Message}");
        }
    }

    const int EPERM = 1, ENOENT = 2, EACCES = 13, EEXIST = 17, EINVAL = 22, EOPNOTSUPP = 95, ENOTSUPP = 524;

    static string Errno(int errno) => errno switch
    {
        EPERM => "EPERM",
        ENOENT => "ENOENT",
        EACCES => "EACCES",
        EEXIST => "EEXIST",
        EINVAL => "EINVAL",
        EOPNOTSUPP or ENOTSUPP => "not supported by this kernel",
        _ => $"errno {errno}",
    };

    static void Check(int rc, string what)
    {
        if (rc < 0) throw new ConduitException($"{what} failed ({Errno(-rc)})");
    }
}

/// <summary>Keeps libbpf's warnings out of the terminal and remembers the last one for error messages.</summary>
internal static unsafe class LibBpfLog
{
    static string _last = "";
    static int _installed;

    public static string Detail => _last.Length == 0 ? "" : $": {_last}";

    public static void Install()
    {
        if (Interlocked.Exchange(ref _installed, 1) == 0) LibBpf.SetPrint(&Print);
    }

    [UnmanagedCallersOnly]
    static int Print(int level, byte* format, nint args)
    {
        if (level != 0) return 0; // LIBBPF_WARN only
        const int size = 512;
        var buffer = stackalloc byte[size];
        var n = LibC.VsnPrintf(buffer, size, format, args);
        if (n <= 0) return 0;
        var text = System.Text.Encoding.UTF8.GetString(buffer, Math.Min(n, size - 1)).Trim();
        if (text.Length > 0) _last = text.Replace('\n', ' ');
        return 0;
    }
}
