namespace Conduit.Tests.Host;

/// <summary>
/// A systemd unit's sandbox without systemd as PID 1: reads the hardening of the unit's [Service] section and
/// returns a command prefix that applies it the way systemd would, in a mount namespace of its own, so the
/// generated unit itself is what a test runs under. Emulated: ProtectSystem= (strict: every mount read-only but
/// /dev, /proc and /sys; full: /usr, /boot, /efi and /etc), ReadWritePaths= (bound back read-write), PrivateTmp=,
/// ProtectHome=, NoNewPrivileges= and CapabilityBoundingSet= (setpriv). Not emulated: the seccomp and namespace
/// filters (RestrictAddressFamilies=, SystemCallArchitectures=, RestrictNamespaces=, ProtectClock=...).
/// </summary>
public static class UnitSandbox
{
    public static string[] Wrapper(string unitText)
    {
        var service = Service(unitText);
        string Value(string key) => service.TryGetValue(key, out var v) ? v[^1] : "";
        var script = new List<string> { "set -e", "mount --make-rprivate /" };
        // Read-only: a path bound onto itself becomes a mount point whose flags are its own.
        script.Add("ro() { mountpoint -q \"$1\" || mount --bind \"$1\" \"$1\"; mount -o remount,bind,ro \"$1\"; }");
        switch (Value("ProtectSystem"))
        {
            case "strict":
                // Every mount but the API trees; one that vanished meanwhile (a container of another test) is no loss.
                script.Add("for m in $(awk '{print $5}' /proc/self/mountinfo | sort -u); do " +
                           "case $m in /proc|/proc/*|/sys|/sys/*|/dev|/dev/*) ;; *) ro \"$m\" 2>/dev/null || ! mountpoint -q \"$m\" || ro \"$m\";; esac; done");
                break;
            case "full":
                script.Add("for m in /usr /boot /efi /etc; do [ -d $m ] && ro $m; done; true");
                break;
            case "" or "no":
                break;
            case var other:
                throw new InvalidOperationException($"ProtectSystem={other} is not emulated");
        }
        foreach (var entry in service.GetValueOrDefault("ReadWritePaths", []).SelectMany(v => v.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
        {
            bool optional = entry.StartsWith('-');
            var path = Quote(entry.TrimStart('-'));
            script.Add(optional
                ? $"if [ -e {path} ]; then mount --bind {path} {path}; mount -o remount,bind,rw {path}; fi"
                : $"mount --bind {path} {path}; mount -o remount,bind,rw {path}");
        }
        if (Value("PrivateTmp") == "yes") script.Add("mount -t tmpfs -o mode=1777 tmpfs /tmp; mount -t tmpfs -o mode=1777 tmpfs /var/tmp");
        if (Value("ProtectHome") == "yes")
            script.Add("for d in /home /root /run/user; do [ -d $d ] && mount -t tmpfs -o ro,mode=000 tmpfs $d; done; true");

        var setpriv = new List<string> { "exec", "setpriv" };
        if (Value("NoNewPrivileges") == "yes") setpriv.Add("--no-new-privs");
        if (service.ContainsKey("CapabilityBoundingSet"))
        {
            var caps = Value("CapabilityBoundingSet").Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(c => "+" + c.ToLowerInvariant().Replace("cap_", ""));
            setpriv.Add($"--bounding-set=-all{string.Concat(caps.Select(c => "," + c))}");
            setpriv.Add("--inh-caps=-all");
        }
        script.Add(string.Join(' ', setpriv) + " -- \"$@\"");
        return ["unshare", "--mount", "sh", "-c", string.Join('\n', script), "unit-sandbox"];
    }

    static Dictionary<string, List<string>> Service(string unitText)
    {
        var keys = new Dictionary<string, List<string>>();
        bool inService = false;
        foreach (var raw in unitText.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith('[')) { inService = line == "[Service]"; continue; }
            if (!inService || line.Length == 0 || line[0] is '#' or ';') continue;
            var eq = line.IndexOf('=');
            if (eq <= 0) continue;
            var key = line[..eq];
            if (!keys.TryGetValue(key, out var values)) keys[key] = values = [];
            values.Add(line[(eq + 1)..]);
        }
        return keys;
    }

    static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";
}
