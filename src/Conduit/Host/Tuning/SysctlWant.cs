using System.Globalization;

namespace Conduit.Host.Tuning;

/// <summary>How a wanted value combines with what the host already has.</summary>
public enum TuneRule
{
    /// <summary>Raise to the wanted number; a higher host value is kept.</summary>
    AtLeast,
    /// <summary>Lower to the wanted number (timeouts); a lower host value is kept.</summary>
    AtMost,
    /// <summary>Triples like tcp_mem: each element raised separately, so a higher element is never lowered.</summary>
    AtLeastEach,
    /// <summary>Names and modes (bbr, fq, tw_reuse=1): set exactly.</summary>
    Exact,
    /// <summary>Bit masks (tcp_fastopen): the wanted bits are added, others kept.</summary>
    Bits,
}

/// <summary>One kernel setting the cluster wants, with the rule that keeps the host's better values.</summary>
public sealed record SysctlWant(string Key, string Value, TuneRule Rule)
{
    /// <summary>The seed's twelve parameters plus the qdisc bbr is designed for.</summary>
    public static readonly IReadOnlyList<SysctlWant> Seed =
    [
        new("net.core.somaxconn", "8192", TuneRule.AtLeast),
        new("net.ipv4.tcp_max_syn_backlog", "8192", TuneRule.AtLeast),
        new("net.core.netdev_max_backlog", "5000", TuneRule.AtLeast),
        new("fs.file-max", "524288", TuneRule.AtLeast),
        new("net.core.default_qdisc", "fq", TuneRule.Exact),
        new("net.ipv4.tcp_congestion_control", "bbr", TuneRule.Exact),
        new("net.ipv4.tcp_fastopen", "3", TuneRule.Bits),
        new("net.netfilter.nf_conntrack_max", "262144", TuneRule.AtLeast),
        new("net.ipv4.tcp_mem", "786432 1048576 26777216", TuneRule.AtLeastEach),
        new("net.core.rmem_max", "134217728", TuneRule.AtLeast),
        new("net.core.wmem_max", "134217728", TuneRule.AtLeast),
        new("net.ipv4.tcp_fin_timeout", "15", TuneRule.AtMost),
        new("net.ipv4.tcp_tw_reuse", "1", TuneRule.Exact),
    ];

    /// <summary>
    /// The value to set given what the host has (its value before conduit changed anything), or null when the
    /// host's value already satisfies the want. <paramref name="why"/> says what was decided.
    /// </summary>
    public string? Target(string hostValue, out string why)
    {
        var have = Normalize(hostValue);
        string target;
        switch (Rule)
        {
            case TuneRule.AtLeast:
            case TuneRule.AtMost:
            case TuneRule.Bits:
                if (!long.TryParse(have, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var h))
                {
                    why = $"host value '{have}' is not a number; left alone";
                    return null;
                }
                long w = long.Parse(Value, CultureInfo.InvariantCulture);
                long t = Rule switch { TuneRule.AtLeast => Math.Max(h, w), TuneRule.AtMost => Math.Min(h, w), _ => h | w };
                target = t.ToString(CultureInfo.InvariantCulture);
                break;
            case TuneRule.AtLeastEach:
                var hs = have.Split(' ');
                var ws = Value.Split(' ');
                if (hs.Length != ws.Length)
                {
                    why = $"host value '{have}' has {hs.Length} fields, expected {ws.Length}; left alone";
                    return null;
                }
                var parts = new string[ws.Length];
                for (int i = 0; i < ws.Length; i++)
                {
                    if (!long.TryParse(hs[i], NumberStyles.None, CultureInfo.InvariantCulture, out var hv))
                    {
                        why = $"host value '{have}' is not numbers; left alone";
                        return null;
                    }
                    parts[i] = Math.Max(hv, long.Parse(ws[i], CultureInfo.InvariantCulture)).ToString(CultureInfo.InvariantCulture);
                }
                target = string.Join(' ', parts);
                break;
            default:
                target = Value;
                break;
        }
        if (target == have)
        {
            why = target == Value ? "already set" : Rule switch
            {
                TuneRule.AtMost => $"host has {have} (lower than {Value}): kept",
                TuneRule.Bits => $"host has {have} (includes {Value}): kept",
                TuneRule.AtLeastEach => $"host has {have} (each at least {Value}): kept",
                _ => $"host has {have} (higher than {Value}): kept",
            };
            return null;
        }
        why = target == Value ? $"{have} -> {target}" : $"{have} -> {target} (host's higher parts kept)";
        return target;
    }

    /// <summary>/proc/sys prints triples with tabs; compare them as single-space separated.</summary>
    public static string Normalize(string value) =>
        string.Join(' ', value.Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries));
}
