using System.Globalization;

namespace Conduit.Settings;

public static partial class SettingsSchema
{
    static string? CompartmentId(string v, HostFacts _) =>
        Personal.PersonalCompartment.IdProblem(v) is string problem
            ? $"is not a personal compartment ID ({problem}); `conduit personal set` also takes a share token"
            : null;

    static string? ClockTime(string v, HostFacts host) =>
        TryParseClock(v, out _) ? null : "must be a time of day HH:MM (UTC, 00:00 to 23:59)";

    static string? ReducedBandwidth(string v, HostFacts _) =>
        TryParseDecimal(v, out var d) && d >= 1 && d <= 40 ? null : "must be a number of Mbps from 1 to 40";

    /// <summary>"HH:MM", two digits each, as the node's InproxyReducedStartTime/EndTime expect.</summary>
    public static bool TryParseClock(string v, out TimeOnly time)
    {
        time = default;
        if (v.Length != 5 || v[2] != ':') return false;
        if (!int.TryParse(v.AsSpan(0, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var h)
            || !int.TryParse(v.AsSpan(3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var m)
            || h > 23 || m > 59)
            return false;
        time = new TimeOnly(h, m);
        return true;
    }
}
