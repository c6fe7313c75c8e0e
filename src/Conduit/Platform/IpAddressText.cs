using System.Net;
using System.Net.Sockets;

namespace Conduit.Platform;

/// <summary>
/// Addresses as users type them, read strictly. IPAddress.Parse also takes the inet_aton legacy forms
/// (`010.010.010.010` is octal 8.8.8.8, `8.8.8` is 8.8.0.8), which nobody means: IPv4 here is a dotted quad of
/// four decimal numbers 0..255 without leading zeros; IPv6 is anything IPAddress reads as IPv6.
/// </summary>
public static class IpAddressText
{
    public static bool TryParse(string? text, out IPAddress address)
    {
        address = IPAddress.None;
        if (string.IsNullOrEmpty(text)) return false;
        if (text.Contains(':'))
            return IPAddress.TryParse(text, out address!) && address.AddressFamily == AddressFamily.InterNetworkV6;
        if (!IsDottedQuad(text)) return false;
        address = IPAddress.Parse(text);
        return true;
    }

    static bool IsDottedQuad(string text)
    {
        int parts = 0, digits = 0, value = 0;
        for (int i = 0; i <= text.Length; i++)
        {
            if (i == text.Length || text[i] == '.')
            {
                if (digits == 0 || value > 255) return false;
                parts++;
                digits = value = 0;
                continue;
            }
            char c = text[i];
            if (!char.IsAsciiDigit(c) || (digits == 1 && value == 0) || digits == 3) return false; // no leading zeros
            value = value * 10 + (c - '0');
            digits++;
        }
        return parts == 4;
    }

    /// <summary>HOST:PORT for a listening socket: a dotted quad, [IPv6] or `localhost`, and a port 1..65535.</summary>
    public static bool TryParseEndpoint(string? text, out IPEndPoint endpoint)
    {
        endpoint = new IPEndPoint(IPAddress.Loopback, 0);
        if (string.IsNullOrEmpty(text)) return false;
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
            return false;
        string host = text[..colon];
        IPAddress address;
        if (host == "localhost") address = IPAddress.Loopback;
        else if (host.StartsWith('[') && host.EndsWith(']'))
        {
            if (!TryParse(host[1..^1], out address) || address.AddressFamily != AddressFamily.InterNetworkV6) return false;
        }
        else if (!TryParse(host, out address) || address.AddressFamily != AddressFamily.InterNetwork) return false;
        endpoint = new IPEndPoint(address, port);
        return true;
    }
}
