using System.Buffers.Binary;
using System.Net;
using System.Runtime.CompilerServices;

namespace Conduit.Tracking.Packets;

/// <summary>
/// An IPv4 or IPv6 address as two big-endian 64-bit halves; IPv4 is stored IPv4-mapped (::ffff:a.b.c.d) so one
/// key type and one table serve both families. Value type: building one never allocates.
/// </summary>
public readonly record struct IpKey(ulong Hi, ulong Lo)
{
    const ulong MappedPrefix = 0xFFFF_0000_0000UL;

    public bool IsV4 => Hi == 0 && (Lo >> 32) == 0xFFFF;

    /// <summary>The IPv4 address as a host-order integer (only meaningful when <see cref="IsV4"/>).</summary>
    public uint V4 => (uint)Lo;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static IpKey FromV4(uint hostOrder) => new(0, MappedPrefix | hostOrder);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static IpKey FromV4(ReadOnlySpan<byte> fourBytes) => FromV4(BinaryPrimitives.ReadUInt32BigEndian(fourBytes));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static IpKey FromV6(ReadOnlySpan<byte> sixteenBytes) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(sixteenBytes), BinaryPrimitives.ReadUInt64BigEndian(sixteenBytes[8..]));

    /// <summary>From 16 bytes (IPv6 or IPv4-mapped) or 4 bytes (IPv4).</summary>
    public static IpKey FromBytes(ReadOnlySpan<byte> bytes) => bytes.Length switch
    {
        4 => FromV4(bytes),
        16 => FromV6(bytes),
        _ => throw new ArgumentException($"an IP address has 4 or 16 bytes, not {bytes.Length}", nameof(bytes)),
    };

    public static IpKey From(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        return FromBytes(bytes[..written]);
    }

    /// <summary>A dotted-quad IPv4 or an IPv6 address (no legacy IPv4 forms: see <see cref="Platform.IpAddressText"/>).</summary>
    public static bool TryParse(string text, out IpKey key)
    {
        key = default;
        if (!Platform.IpAddressText.TryParse(text, out var address)) return false;
        key = From(address);
        return true;
    }

    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[16];
        if (IsV4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes, V4);
            return new IPAddress(bytes[..4]);
        }
        WriteBytes(bytes);
        return new IPAddress(bytes);
    }

    public void WriteBytes(Span<byte> sixteen)
    {
        BinaryPrimitives.WriteUInt64BigEndian(sixteen, Hi);
        BinaryPrimitives.WriteUInt64BigEndian(sixteen[8..], Lo);
    }

    /// <summary>Cheap, well-mixed hash for open addressing (multiply-xorshift over both halves).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Hash()
    {
        ulong h = (Lo ^ (Hi * 0xC2B2AE3D27D4EB4FUL)) * 0x9E3779B97F4A7C15UL;
        return h ^ (h >> 29);
    }

    public override string ToString() => ToIPAddress().ToString();
}
