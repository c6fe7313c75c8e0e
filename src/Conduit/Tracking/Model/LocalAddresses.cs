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

    public LocalAddresses(IEnumerable<IpKey> addresses) => _addresses = addresses.Distinct().ToArray();

    public static readonly LocalAddresses None = new([]);

    public int Count => _addresses.Length;
    public IReadOnlyList<IpKey> All => _addresses;

    public bool Contains(IpKey ip)
    {
        foreach (var a in _addresses)
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
