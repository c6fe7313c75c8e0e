namespace Conduit.Tracking.Model;

/// <summary>Counters of one country (or of the unknown / reserved buckets). "In" = remote to local.</summary>
[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
public struct CountryTotals
{
    // In/out pairs must stay adjacent and in this order: the accountant indexes them by direction.
    public ulong BytesIn, BytesOut, PacketsIn, PacketsOut;
    /// <summary>Distinct remote addresses since start (an address folded away and seen again counts twice).</summary>
    public ulong Ips;
    /// <summary>Distinct remote addresses seen in the current interval.</summary>
    public ulong ActiveIps;

    public readonly ulong Bytes => BytesIn + BytesOut;
    public readonly ulong Packets => PacketsIn + PacketsOut;
    public readonly bool IsEmpty => Packets == 0 && Bytes == 0 && Ips == 0;
}
