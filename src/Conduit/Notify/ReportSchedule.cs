namespace Conduit.Notify;

/// <summary>
/// When scheduled reports go out: every <c>interval</c> hours on the local clock, aligned so that one falls on
/// <c>startHour</c> (interval 6, start 2: 02:00, 08:00, 14:00, 20:00). DST-safe: an hour the clock skips is sent at
/// the first instant after the gap, an hour it repeats only once.
/// </summary>
public static class ReportSchedule
{
    public static DateTimeOffset Next(DateTimeOffset now, TimeZoneInfo zone, int startHour, int intervalHours)
    {
        if (intervalHours is < 1 or > 24 || 24 % intervalHours != 0) throw new ArgumentOutOfRangeException(nameof(intervalHours));
        var today = TimeZoneInfo.ConvertTime(now, zone).Date;
        DateTimeOffset? best = null;
        for (var day = -1; day <= 2; day++)
        {
            for (var hour = startHour % intervalHours; hour < 24; hour += intervalHours)
            {
                var local = DateTime.SpecifyKind(today.AddDays(day).AddHours(hour), DateTimeKind.Unspecified);
                if (zone.IsInvalidTime(local))
                {
                    // Skipped by a spring-forward: the first valid minute after it.
                    do local = local.AddMinutes(15); while (zone.IsInvalidTime(local));
                }
                var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
                var at = new DateTimeOffset(local, offset);
                if (at > now && (best is null || at < best)) best = at;
            }
        }
        return best!.Value;
    }
}
