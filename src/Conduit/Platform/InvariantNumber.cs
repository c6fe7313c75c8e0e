namespace Conduit.Platform;

/// <summary>
/// Numbers as a user types them, read the same on every machine: ASCII digits, an optional leading '-', and for
/// decimals one '.'. No group separators ("1,5" is not 15), no exponents, no whitespace, no NaN or Infinity.
/// </summary>
public static class InvariantNumber
{
    public static bool TryParseInt(ReadOnlySpan<char> s, out int value)
    {
        value = 0;
        return TryParseLong(s, out long n) && n is >= int.MinValue and <= int.MaxValue && (value = (int)n) == n;
    }

    public static bool TryParseLong(ReadOnlySpan<char> s, out long value)
    {
        value = 0;
        bool negative = s.StartsWith("-");
        var digits = negative ? s[1..] : s;
        if (digits.Length is 0 or > 18) return false;
        foreach (var c in digits)
        {
            if (!char.IsAsciiDigit(c)) return false;
            value = value * 10 + (c - '0');
        }
        if (negative) value = -value;
        return true;
    }

    /// <summary>"2", "0.5", ".5", "-1": finite by construction (at most 30 digits).</summary>
    public static bool TryParseDouble(ReadOnlySpan<char> s, out double value)
    {
        value = 0;
        var digits = s.StartsWith("-") ? s[1..] : s;
        int dot = digits.IndexOf('.');
        var whole = dot < 0 ? digits : digits[..dot];
        var fraction = dot < 0 ? [] : digits[(dot + 1)..];
        if (whole.Length + fraction.Length is 0 or > 30 || (dot >= 0 && fraction.Length == 0)) return false;
        if (whole.ContainsAnyExceptInRange('0', '9') || fraction.ContainsAnyExceptInRange('0', '9')) return false;
        return double.TryParse(s, System.Globalization.NumberStyles.AllowLeadingSign | System.Globalization.NumberStyles.AllowDecimalPoint,
            System.Globalization.CultureInfo.InvariantCulture, out value);
    }
}
