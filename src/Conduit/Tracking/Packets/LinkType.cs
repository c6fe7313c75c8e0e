namespace Conduit.Tracking.Packets;

/// <summary>The link-layer framings the parser understands (libpcap DLT / LINKTYPE numbers).</summary>
public enum LinkType
{
    Ethernet = 1,
    /// <summary>Raw IP: DLT_RAW is 12 on Linux (14 on some BSDs), LINKTYPE_RAW in files is 101.</summary>
    Raw = 12,
    RawBsd = 14,
    RawFile = 101,
    LinuxSll = 113,
    LinuxSll2 = 276,
    Ipv4 = 228,
    Ipv6 = 229,
}

public static class LinkTypes
{
    public static bool IsSupported(int dlt) => dlt is 1 or 12 or 14 or 101 or 113 or 276 or 228 or 229;

    public static string Name(int dlt) => dlt switch
    {
        1 => "ethernet",
        12 or 14 or 101 => "raw",
        113 => "linux-sll",
        276 => "linux-sll2",
        228 => "ipv4",
        229 => "ipv6",
        _ => $"dlt-{dlt}",
    };
}
