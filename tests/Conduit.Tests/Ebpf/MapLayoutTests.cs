using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Conduit.Tracking.Ebpf;

namespace Conduit.Tests.Ebpf;

/// <summary>Pins the BPF maps' key/value layout on both sides: the C# mirrors against the BTF of the object
/// that is actually embedded in the binary, and the C enum/constants against their C# copies.</summary>
public sealed class MapLayoutTests
{
    [Fact]
    public void CSharpStructsMatchTheEmbeddedObjectsBtf()
    {
        Assert.True(EbpfCapture.IsBuiltIn, "the build did not embed native/build/conduit_tc.bpf.o (is clang installed?)");
        var btf = BtfStructs();

        AssertStruct(btf, "conduit_addr", Unsafe.SizeOf<RemoteAddress>(), []);
        AssertStruct(btf, "conduit_counters", Unsafe.SizeOf<RemoteCounters>(), [
            ("bytes_in", Offset<RemoteCounters>(nameof(RemoteCounters.BytesIn))),
            ("packets_in", Offset<RemoteCounters>(nameof(RemoteCounters.PacketsIn))),
            ("bytes_out", Offset<RemoteCounters>(nameof(RemoteCounters.BytesOut))),
            ("packets_out", Offset<RemoteCounters>(nameof(RemoteCounters.PacketsOut))),
        ]);
        AssertStruct(btf, "conduit_config", Unsafe.SizeOf<CaptureConfig>(), [
            ("port_bits", Offset<CaptureConfig>(nameof(CaptureConfig.PortBits))),
            ("raw_ip", Offset<CaptureConfig>(nameof(CaptureConfig.RawIp))),
            ("reserved", Offset<CaptureConfig>(nameof(CaptureConfig.Reserved))),
        ]);
    }

    [Fact]
    public void ConstantsMatchTheHeader()
    {
        var header = File.ReadAllText(Path.Combine(RepoRoot(), "native", "conduit_tc.h"));
        int Constant(string name) => int.Parse(Regex.Match(header, $@"\b{name}\s*(?:=\s*)?(\d+)").Groups[1].Value);
        Assert.Equal(EbpfMaps.StatMalformed, Constant("CONDUIT_STAT_MALFORMED"));
        Assert.Equal(EbpfMaps.StatNonIp, Constant("CONDUIT_STAT_NON_IP"));
        Assert.Equal(EbpfMaps.StatOtherProtocol, Constant("CONDUIT_STAT_OTHER_PROTO"));
        Assert.Equal(EbpfMaps.StatExcluded, Constant("CONDUIT_STAT_EXCLUDED"));
        Assert.Equal(EbpfMaps.StatNewEntries, Constant("CONDUIT_STAT_NEW_ENTRIES"));
        Assert.Equal(EbpfMaps.StatMapFull, Constant("CONDUIT_STAT_MAP_FULL"));
        Assert.Equal(EbpfMaps.StatCount, Constant("CONDUIT_STAT_COUNT"));
        Assert.Equal(EbpfMaps.MaxAddresses, Constant("CONDUIT_MAX_ADDRESSES"));
    }

    [Theory]
    [InlineData("203.0.113.7", true)]
    [InlineData("2001:db8::7", false)]
    [InlineData("::ffff:198.51.100.1", true)]
    [InlineData("::1", false)]
    public void RemoteAddressRoundTripsAndKnowsItsFamily(string text, bool ipv4)
    {
        var address = RemoteAddress.From(IPAddress.Parse(text));
        Assert.Equal(ipv4, address.IsIPv4);
        Assert.Equal(IPAddress.Parse(text.Replace("::ffff:", "")), address.ToIPAddress());
        Span<byte> bytes = stackalloc byte[16];
        address.CopyTo(bytes);
        Assert.Equal(address, RemoteAddress.FromBytes(bytes));
    }

    static int Offset<T>(string field) => (int)Marshal.OffsetOf<T>(field);

    static void AssertStruct(Dictionary<string, (int Size, Dictionary<string, int> Members)> btf, string name, int size, (string Member, int Offset)[] members)
    {
        Assert.True(btf.ContainsKey(name), $"struct {name} not in the object's BTF");
        Assert.Equal(size, btf[name].Size);
        foreach (var (member, offset) in members) Assert.Equal((member, offset), (member, btf[name].Members[member]));
        if (members.Length > 0) Assert.Equal(members.Length, btf[name].Members.Count);
    }

    /// <summary>`bpftool btf dump file` of the embedded object: struct name -> size and member byte offsets.</summary>
    static Dictionary<string, (int, Dictionary<string, int>)> BtfStructs()
    {
        var file = Path.Combine(Path.GetTempPath(), $"conduit-btf-{Guid.NewGuid():N}.o");
        try
        {
            using (var resource = typeof(EbpfCapture).Assembly.GetManifestResourceStream("conduit_tc.bpf.o")!)
            using (var output = File.Create(file))
                resource.CopyTo(output);
            var dump = Sh.Run("bpftool", "btf", "dump", "file", file);
            var result = new Dictionary<string, (int, Dictionary<string, int>)>();
            foreach (Match s in Regex.Matches(dump, @"STRUCT '(conduit_\w+)' size=(\d+) vlen=\d+\n((?:\t.*\n)*)"))
            {
                var members = new Dictionary<string, int>();
                foreach (Match m in Regex.Matches(s.Groups[3].Value, @"'(\w+)' type_id=\d+ bits_offset=(\d+)"))
                    members[m.Groups[1].Value] = int.Parse(m.Groups[2].Value) / 8;
                result[s.Groups[1].Value] = (int.Parse(s.Groups[2].Value), members);
            }
            return result;
        }
        finally
        {
            File.Delete(file);
        }
    }

    static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "conduit.sln"))) return dir.FullName;
        throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }
}
