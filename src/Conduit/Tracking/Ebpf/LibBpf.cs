using System.Runtime.InteropServices;

namespace Conduit.Tracking.Ebpf;

/// <summary>
/// The part of libbpf 1.x (Debian's libbpf1) conduit uses, bound lazily: nothing here is resolved until the first
/// call, so the binary starts on hosts without libbpf; <see cref="TryLoad"/> checks first and says why not.
/// libbpf 1.x returns negative errno from int functions and NULL + errno from pointer functions.
/// </summary>
internal static unsafe partial class LibBpf
{
    public const string Library = "libbpf.so.1";

    /// <summary>Whether libbpf can be loaded, with the reason when not.</summary>
    public static bool TryLoad(out string reason)
    {
        if (NativeLibrary.TryLoad(Library, out _))
        {
            reason = "";
            return true;
        }
        reason = $"{Library} is not installed (Debian/Ubuntu: apt-get install libbpf1)";
        return false;
    }

    [LibraryImport(Library, EntryPoint = "bpf_object__open_mem", SetLastError = true)]
    public static partial nint ObjectOpenMem(void* buffer, nuint size, void* options);

    [LibraryImport(Library, EntryPoint = "bpf_object__load")]
    public static partial int ObjectLoad(nint obj);

    [LibraryImport(Library, EntryPoint = "bpf_object__close")]
    public static partial void ObjectClose(nint obj);

    [LibraryImport(Library, EntryPoint = "bpf_object__find_program_by_name")]
    public static partial nint FindProgram(nint obj, byte* name);

    [LibraryImport(Library, EntryPoint = "bpf_object__find_map_by_name")]
    public static partial nint FindMap(nint obj, byte* name);

    [LibraryImport(Library, EntryPoint = "bpf_map__set_max_entries")]
    public static partial int MapSetMaxEntries(nint map, uint maxEntries);

    [LibraryImport(Library, EntryPoint = "bpf_program__fd")]
    public static partial int ProgramFd(nint program);

    [LibraryImport(Library, EntryPoint = "bpf_map__fd")]
    public static partial int MapFd(nint map);

    [LibraryImport(Library, EntryPoint = "bpf_tc_hook_create")]
    public static partial int TcHookCreate(TcHook* hook);

    [LibraryImport(Library, EntryPoint = "bpf_tc_attach")]
    public static partial int TcAttach(TcHook* hook, TcOptions* options);

    [LibraryImport(Library, EntryPoint = "bpf_tc_detach")]
    public static partial int TcDetach(TcHook* hook, TcOptions* options);

    [LibraryImport(Library, EntryPoint = "bpf_tc_query")]
    public static partial int TcQuery(TcHook* hook, TcOptions* options);

    [LibraryImport(Library, EntryPoint = "bpf_map_lookup_batch")]
    public static partial int MapLookupBatch(int fd, void* inBatch, void* outBatch, void* keys, void* values, uint* count, void* options);

    [LibraryImport(Library, EntryPoint = "bpf_map_get_next_key")]
    public static partial int MapGetNextKey(int fd, void* key, void* nextKey);

    [LibraryImport(Library, EntryPoint = "bpf_map_lookup_elem")]
    public static partial int MapLookup(int fd, void* key, void* value);

    [LibraryImport(Library, EntryPoint = "bpf_map_update_elem")]
    public static partial int MapUpdate(int fd, void* key, void* value, ulong flags);

    [LibraryImport(Library, EntryPoint = "bpf_obj_get_info_by_fd")]
    public static partial int ObjectInfo(int fd, void* info, uint* length);

    [LibraryImport(Library, EntryPoint = "bpf_prog_get_fd_by_id")]
    public static partial int ProgramFdById(uint id);

    /// <summary>BPF_ENABLE_STATS(BPF_STATS_RUN_TIME): run time/count are collected while the returned fd is open.</summary>
    [LibraryImport(Library, EntryPoint = "bpf_enable_stats")]
    public static partial int EnableStats(int type);

    [LibraryImport(Library, EntryPoint = "libbpf_num_possible_cpus")]
    public static partial int PossibleCpus();

    [LibraryImport(Library, EntryPoint = "libbpf_set_print")]
    public static partial nint SetPrint(delegate* unmanaged<int, byte*, nint, int> print);

    public const int TcIngress = 1; // BPF_TC_INGRESS
    public const int TcEgress = 2;  // BPF_TC_EGRESS
    public const int StatsRunTime = 0; // BPF_STATS_RUN_TIME
    public const ulong UpdateAny = 0;  // BPF_ANY

    // struct bpf_prog_info (linux/bpf.h): offsets checked against the system header when this was written.
    public const int ProgInfoSize = 232;
    public const int ProgInfoNameOffset = 64;
    public const int ProgInfoRunTimeOffset = 192;
    public const int ProgInfoRunCountOffset = 200;

    /// <summary>struct bpf_tc_hook (libbpf.h, 24 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct TcHook
    {
        public nuint Size;
        public int IfIndex;
        public int AttachPoint;
        public uint Parent;
        uint _pad;

        public static TcHook For(int ifIndex, int attachPoint) =>
            new() { Size = (nuint)sizeof(TcHook), IfIndex = ifIndex, AttachPoint = attachPoint };
    }

    /// <summary>struct bpf_tc_opts (libbpf.h, 32 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct TcOptions
    {
        public nuint Size;
        public int ProgramFd;
        public uint Flags;
        public uint ProgramId;
        public uint Handle;
        public uint Priority;
        uint _pad;

        public static TcOptions For(uint handle, uint priority, int programFd = 0) =>
            new() { Size = (nuint)sizeof(TcOptions), Handle = handle, Priority = priority, ProgramFd = programFd };
    }
}

/// <summary>The few libc calls the eBPF seam needs.</summary>
internal static unsafe partial class LibC
{
    [LibraryImport("libc", EntryPoint = "close")]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "if_nametoindex")]
    public static partial uint InterfaceIndex(byte* name);

    [LibraryImport("libc", EntryPoint = "vsnprintf")]
    public static partial int VsnPrintf(byte* buffer, nuint size, byte* format, nint args);
}
