using System.Net;
using System.Net.NetworkInformation;
using Conduit.Tracking.Packets;

namespace Conduit.Tracking.Model;

/// <summary>
/// The addresses that count as "this host": every address of the capture interface plus `--local` ones.
/// A handful of addresses: a linear scan beats hashing here.
/// </summary>
public sealed class LocalAddresses
{
    readonly IpKey[] _addresses;
    // The first four addresses sit in fields and are compared without branches (a host has one to four);
    // empty slots hold all-ones, an address no packet carries. More addresses fall back to a loop.
    readonly ulong _h0, _l0, _h1, _l1, _h2, _l2, _h3, _l3;
    readonly IpKey[] _more;

    public LocalAddresses(IEnumerable<IpKey> addresses)
    {
        _addresses = addresses.Distinct().ToArray();
        Span<IpKey> first = [new(ulong.MaxValue, ulong.MaxValue), new(ulong.MaxValue, ulong.MaxValue), new(ulong.MaxValue, ulong.MaxValue), new(ulong.MaxValue, ulong.MaxValue)];
        for (int i = 0; i < _addresses.Length && i < 4; i++) first[i] = _addresses[i];
        (_h0, _l0, _h1, _l1) = (first[0].Hi, first[0].Lo, first[1].Hi, first[1].Lo);
        (_h2, _l2, _h3, _l3) = (first[2].Hi, first[2].Lo, first[3].Hi, first[3].Lo);
        _more = _addresses.Length > 4 ? _addresses[4..] : [];
    }

    public static readonly LocalAddresses None = new([]);

    public int Count => _addresses.Length;
    public IReadOnlyList<IpKey> All => _addresses;

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public bool Contains(IpKey ip)
    {
        ulong h = ip.Hi, l = ip.Lo;
        bool hit = (((h ^ _h0) | (l ^ _l0)) == 0) | (((h ^ _h1) | (l ^ _l1)) == 0)
                 | (((h ^ _h2) | (l ^ _l2)) == 0) | (((h ^ _h3) | (l ^ _l3)) == 0);
        // `|`, not `||`: whether an end is local is a coin toss per packet, and a branch on it mispredicts half the time.
        return hit | (_more.Length > 0 && ContainsMore(ip));
    }

    bool ContainsMore(IpKey ip)
    {
        foreach (var a in _more)
            if (a == ip) return true;
        return false;
    }

    /// <summary>Parses `--local` (comma-separated addresses); throws a message naming the bad item.</summary>
    public static List<IpKey> Parse(string? list, string optionName)
    {
        var result = new List<IpKey>();
        if (string.IsNullOrWhiteSpace(list)) return result;
        foreach (var item in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!IpKey.TryParse(item, out var key))
                throw new FormatException($"{optionName}: '{item}' is not an IP address");
            result.Add(key);
        }
        return result;
    }

    /// <summary>Every unicast address configured on <paramref name="interfaceName"/> ("any": on every interface).</summary>
    public static List<IpKey> OfInterface(string interfaceName)
    {
        var result = new List<IpKey>();
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (interfaceName != "any" && nic.Name != interfaceName) continue;
            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
            {
                var address = unicast.Address;
                if (address.AddressFamily is System.Net.Sockets.AddressFamily.InterNetwork or System.Net.Sockets.AddressFamily.InterNetworkV6)
                    result.Add(IpKey.From(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address));
            }
        }
        return result;
    }
}
