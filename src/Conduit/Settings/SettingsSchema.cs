using System.Globalization;
using System.Text.RegularExpressions;

namespace Conduit.Settings;

/// <summary>What a setting may hold. <see cref="Check"/> returns null when the value is fine, else the rule.</summary>
public sealed record SettingDefinition(
    string Key,
    string Default,
    string Description,
    Func<string, HostFacts, string?> Check,
    bool PerContainer = false,
    bool Secret = false,
    string[]? Aliases = null)
{
    /// <summary>How the value appears in JSON.</summary>
    public SettingKind Kind => Default is "true" or "false" ? SettingKind.Bool
        : Key is "NODE_FLAGS" or "TELEGRAM_INTERVAL" || (Default.Length > 0 && Default.All(c => char.IsAsciiDigit(c) || c == '.')) ? SettingKind.Number
        : SettingKind.Text;

    public IReadOnlyList<string> AllNames => [Key, .. Aliases ?? []];
}

public enum SettingKind { Text, Number, Bool }

/// <summary>Facts about the machine that some ranges depend on (CPU count, RAM), injectable for tests.</summary>
public sealed record HostFacts(int Cores, long MemoryBytes)
{
    public static HostFacts Current() => new(Environment.ProcessorCount, Platform.HostInfo.TotalMemoryBytes());
}

/// <summary>
/// Every key the tool understands, with the seed's defaults and the old tool's ranges. Keys of the v1 manager
/// (DOCKER_CPUS, CPUS_N ...) are aliases of the v2 names; a file keeps whichever spelling it already uses.
/// </summary>
public static partial class SettingsSchema
{
    public static readonly IReadOnlyList<SettingDefinition> All =
    [
        new("CONTAINER_COUNT", "8", "number of node containers", Int(0, 256)),
        new("MAX_CLIENTS", "250", "max common clients per node (0: personal clients only, 2.x images)", Int(0, 1000), PerContainer: true),
        new("MAX_PERSONAL_CLIENTS", "0", "max personal clients per node (needs COMPARTMENT_ID; `conduit personal`)", Int(0, 1000), PerContainer: true),
        new("COMPARTMENT_ID", "", "personal compartment ID (43 characters; `conduit personal new`)", CompartmentId),
        new("COMPARTMENT_NAME", "", "name in the personal share token (default: the host name)", Text(64)),
        new("REDUCED_START", "", "reduced hours start, HH:MM UTC (with REDUCED_END)", ClockTime),
        new("REDUCED_END", "", "reduced hours end, HH:MM UTC (with REDUCED_START)", ClockTime),
        new("REDUCED_MAX_CLIENTS", "", "max common clients per node during reduced hours", Int(0, 1000)),
        new("REDUCED_BANDWIDTH", "", "Mbps per client per direction during reduced hours", ReducedBandwidth),
        new("BANDWIDTH", "3", "Mbps per client per direction (-1 = unlimited)", Bandwidth, PerContainer: true),
        new("CONTAINER_CPU_LIMIT", "0.22", "CPU cores per container (none: no limit)", Cpu, PerContainer: true, Aliases: ["DOCKER_CPUS"]),
        new("CONTAINER_MEM_LIMIT", "384m", "memory per container (none: no limit)", Memory, PerContainer: true, Aliases: ["DOCKER_MEMORY"]),
        new("CONTAINER_ULIMIT_NOFILE", "16384", "open files per container", Int(1024, 1048576)),
        new("NETWORK_MODE", "host", "host (default, best NAT class) or bridge (nginx balancer)", Choice("host", "bridge")),
        new("CONTAINER_NAME", "conduit", "first container's name: others are <name>-2..., volumes <name>-data[-N]", ContainerName),
        new("CONDUIT_IMAGE", "ghcr.io/psiphon-inc/conduit/cli:latest", "node image", Image),
        new("NODE_FLAGS", "2", "flag set the image speaks: 2 (2.x) or 1 (1.x)", Choice("2", "1")),
        new("METRICS_PORT_BASE", "9500", "node i serves metrics on 127.0.0.1:(base+i)", Int(1024, 65000)),
        new("BRIDGE_PORT_BASE", "8080", "bridge mode: node i publishes 127.0.0.1:(base+i)", Int(1024, 65000)),
        new("NGINX_BIN", "nginx", "bridge mode: the nginx program", Text(4096)),
        new("NGINX_CONF", "/etc/nginx/nginx.conf", "bridge mode: nginx.conf (a host path, under CONDUIT_SYSROOT)", HostPath),
        new("NGINX_PREFIX", "", "bridge mode: nginx -p prefix (a host path; default: nginx's own)", HostPath),
        new("NGINX_LISTEN_ADDRESS", "", "bridge mode: address the balancer listens on (default: all)", IpAddress),
        new("NGINX_TCP_PORT", "443", "bridge mode: the balancer's TCP port", Int(1, 65535)),
        new("NGINX_UDP_PORTS", "16384-32768", "bridge mode: the balancer's UDP port range LOW-HIGH", PortRange),
        new("STATION_NAME", "", "Ryve station name (default <hostname>-<N>)", Text(64), PerContainer: true),
        new("TRACK_BACKEND", "auto", "tracker capture backend", Choice("auto", "ebpf", "pcap")),
        new("TRACK_INTERFACE", "", "tracker interface (default: the default route's)", Interface),
        new("GEOIP_DB", "", "country database file (default: the embedded one)", Text(4096)),
        new("TRACK_STATUS_ADDR", "127.0.0.1:9479", "tracker service: loopback address serving /snapshot and /metrics", ListenAddress),
        new("TRACK_STATUS_PUBLIC", "false", "tracker service: allow a TRACK_STATUS_ADDR other hosts can reach (publishes per-IP traffic)", Bool),
        new("DATA_CAP_GB", "0", "data cap in GiB (0 = off)", Decimal(0, 1_000_000)),
        new("DATA_CAP_IFACE", "", "interface the data cap counts", Interface),
        new("DATA_CAP_BASELINE_RX", "0", "rx bytes at the last cap reset", Int64(0)),
        new("DATA_CAP_BASELINE_TX", "0", "tx bytes at the last cap reset", Int64(0)),
        new("DATA_CAP_PRIOR_USAGE", "0", "bytes used before the last baseline", Int64(0)),
        new("DATA_CAP_RESET_DAY", "0", "day of month the cap resets (0 = never)", Int(0, 28)),
        new("DATA_CAP_ACTION", "throttle", "data cap: throttle (reduced nodes at 90%, stopped at 100%) or stop (stopped at 100%)", Choice("throttle", "stop")),
        new("DATA_CAP_SOURCE", "interface", "data cap counts: interface (rx+tx of DATA_CAP_IFACE, what a provider bills) or nodes (the nodes' own byte counters)", Choice("interface", "nodes")),
        new("DATA_CAP_THROTTLE_MBPS", "1", "data cap throttle: Mbps per client while throttled", Decimal(1, 40)),
        new("TELEGRAM_ENABLED", "false", "Telegram reports on/off", Bool),
        new("TELEGRAM_BOT_TOKEN", "", "bot token from @BotFather", Token, Secret: true),
        new("TELEGRAM_CHAT_ID", "", "chat that receives reports", ChatId),
        new("TELEGRAM_INTERVAL", "6", "report every N hours", Choice("1", "3", "6", "12", "24")),
        new("TELEGRAM_START_HOUR", "0", "hour of the first report", Int(0, 23)),
        new("TELEGRAM_ALERTS_ENABLED", "true", "alerts on/off", Bool),
        new("TELEGRAM_DAILY_SUMMARY", "true", "daily summary on/off", Bool),
        new("TELEGRAM_WEEKLY_SUMMARY", "true", "weekly summary on/off", Bool),
        new("TELEGRAM_SERVER_LABEL", "", "label in front of every message", Text(64)),
        new("TELEGRAM_API_URL", "https://api.telegram.org", "Bot API base URL (a self-hosted Bot API server, or a test's fake)", HttpUrl),
        new("TELEGRAM_IP_URL", "https://api.ipify.org", "where the bot learns the public IP shown in messages (none: do not look it up)", HttpUrlOrNone),
        new("TELEGRAM_ALERT_COOLDOWN", "60", "minutes before the same alert is sent again", Int(1, 10080)),
        new("SYSTEM_TUNED", "false", "kernel tuning applied", Bool),
        new("VERSION", "", "version of the tool that wrote the file", Text(32)),
        new("RELEASE_URL", "", "where `conduit self-update` downloads the binary (URL.sha256 beside it)", Text(2048)),
    ];

    /// <summary>Per-container key spellings: v2 writes CONTAINER_CPUS_N, v1 wrote CPUS_N.</summary>
    static readonly Dictionary<string, string[]> PerContainerStems = new()
    {
        ["MAX_CLIENTS"] = ["MAX_CLIENTS"],
        ["MAX_PERSONAL_CLIENTS"] = ["MAX_PERSONAL_CLIENTS"],
        ["BANDWIDTH"] = ["BANDWIDTH"],
        ["CONTAINER_CPU_LIMIT"] = ["CONTAINER_CPUS", "CPUS"],
        ["CONTAINER_MEM_LIMIT"] = ["CONTAINER_MEMORY", "MEMORY"],
        ["STATION_NAME"] = ["STATION_NAME"],
    };

    static readonly Dictionary<string, SettingDefinition> ByName = BuildIndex();

    static Dictionary<string, SettingDefinition> BuildIndex()
    {
        var index = new Dictionary<string, SettingDefinition>(StringComparer.Ordinal);
        foreach (var d in All)
            foreach (var name in d.AllNames) index[name] = d;
        return index;
    }

    /// <summary>Finds the definition of a key, including per-container forms (KEY_N).</summary>
    public static bool TryResolve(string key, out SettingDefinition definition, out int container)
    {
        container = 0;
        if (ByName.TryGetValue(key, out definition!)) return true;
        var m = PerContainerKey().Match(key);
        if (m.Success && int.TryParse(m.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1)
        {
            foreach (var (canonical, stems) in PerContainerStems)
            {
                if (stems.Contains(m.Groups[1].Value))
                {
                    definition = ByName[canonical];
                    container = n;
                    return true;
                }
            }
        }
        definition = null!;
        return false;
    }

    /// <summary>The spellings a per-container override may have in a file, preferred one first.</summary>
    public static IEnumerable<string> ContainerKeys(SettingDefinition definition, int container) =>
        PerContainerStems.TryGetValue(definition.Key, out var stems)
            ? stems.Select(s => $"{s}_{container}")
            : [];

    [GeneratedRegex(@"^([A-Z_]+?)_([0-9]+)$")]
    private static partial Regex PerContainerKey();

    // ---- rules; each returns null when fine, else the allowed range in words ----

    static string? ListenAddress(string v, HostFacts _) =>
        Platform.IpAddressText.TryParseEndpoint(v, out var _e) ? null : "must be HOST:PORT with an IP address and a port 1..65535, e.g. 127.0.0.1:9479";

    static Func<string, HostFacts, string?> Int(long min, long max) => (v, _) =>
        long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? null
            : $"must be a whole number from {min} to {max}";

    static Func<string, HostFacts, string?> Int64(long min) => (v, _) =>
        long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min
            ? null
            : $"must be a whole number >= {min}";

    static Func<string, HostFacts, string?> Decimal(double min, double max) => (v, _) =>
        TryParseDecimal(v, out var d) && d >= min && d <= max ? null : $"must be a number from {min} to {max}";

    static Func<string, HostFacts, string?> Choice(params string[] allowed) => (v, _) =>
        allowed.Contains(v) ? null : $"must be one of: {string.Join(", ", allowed)}";

    static Func<string, HostFacts, string?> Text(int maxLength) => (v, _) =>
        v.Length > maxLength ? $"must be at most {maxLength} characters"
        : v.Any(char.IsControl) ? "must not contain control characters" : null;

    static string? Bool(string v, HostFacts _) => v is "true" or "false" ? null : "must be true or false";

    static string? Bandwidth(string v, HostFacts _) =>
        v == "-1" || (TryParseDecimal(v, out var d) && d >= 1 && d <= 40)
            ? null
            : "must be -1 (unlimited) or a number of Mbps from 1 to 40";

    /// <summary>CPU and memory limits: no limit at all (the old tool's empty DOCKER_CPUS=/DOCKER_MEMORY=).</summary>
    public const string NoLimit = "none";

    static string? Cpu(string v, HostFacts host) =>
        v.Length == 0 || v == NoLimit || (TryParseDecimal(v, out var d) && d > 0 && d <= host.Cores)
            ? null
            : $"must be a number of cores above 0 and at most {host.Cores} (this machine's CPU count), or none";

    static string? Memory(string v, HostFacts host)
    {
        if (v.Length == 0 || v == NoLimit) return null;
        long ramMb = host.MemoryBytes / (1024 * 1024);
        if (!MemoryValue().IsMatch(v) || !TryParseMemory(v, out var bytes) || bytes < 64L << 20 || bytes > host.MemoryBytes)
            return $"must be a size like 384m or 1g, from 64m to {ramMb}m (this machine's RAM), or none";
        return null;
    }

    static string? Image(string v, HostFacts _) =>
        ImageReference().IsMatch(v) ? null : "must be an image reference like ghcr.io/psiphon-inc/conduit/cli:latest";

    static string? Token(string v, HostFacts _) =>
        v.Length == 0 || BotToken().IsMatch(v) ? null : "must look like 123456:ABC-def_ghi (from @BotFather)";

    static string? ChatId(string v, HostFacts _) =>
        v.Length == 0 || long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var _id)
            ? null
            : "must be a numeric chat id";

    static string? HttpUrl(string v, HostFacts _) =>
        Uri.TryCreate(v, UriKind.Absolute, out var u) && u.Scheme is "http" or "https" && !v.Any(char.IsControl) ? null : "must be an http(s) URL";

    static string? HttpUrlOrNone(string v, HostFacts h) => v == NoLimit ? null : HttpUrl(v, h) is null ? null : "must be an http(s) URL or none";

    static string? Interface(string v, HostFacts _) =>
        v.Length == 0 || InterfaceName().IsMatch(v) ? null : "must be a network interface name like eth0";

    static string? HostPath(string v, HostFacts _) =>
        v.Length == 0 || (v.StartsWith('/') && v.Length <= 4096 && !v.Any(char.IsControl)) ? null : "must be an absolute path";

    static string? IpAddress(string v, HostFacts _) =>
        v.Length == 0 || System.Net.IPAddress.TryParse(v, out var _a) ? null : "must be an IP address like 127.0.0.1 (or empty for all)";

    static string? PortRange(string v, HostFacts _) =>
        TryParsePortRange(v, out int _, out int _) ? null : "must be a port or a range LOW-HIGH within 1-65535";

    /// <summary>Parses "16384-32768" or a single port "5000".</summary>
    public static bool TryParsePortRange(string v, out int low, out int high)
    {
        var dash = v.IndexOf('-');
        var ok = int.TryParse(dash < 0 ? v : v[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out low);
        high = low;
        if (ok && dash >= 0) ok = int.TryParse(v[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out high);
        return ok && low >= 1 && high <= 65535 && low <= high;
    }

    public static bool TryParseDecimal(string v, out double value) =>
        double.TryParse(v, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value)
        && !double.IsNaN(value) && !double.IsInfinity(value);

    /// <summary>Parses 384m / 1g / 512M (the old tool's form) and 4G, 4GB, 4GiB, 4096MiB for planning.</summary>
    public static bool TryParseMemory(string v, out long bytes)
    {
        bytes = 0;
        var m = MemoryAny().Match(v);
        if (!m.Success) return false;
        if (!double.TryParse(m.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n)) return false;
        long unit = char.ToLowerInvariant(m.Groups[2].Value is { Length: > 0 } u ? u[0] : 'b') switch
        {
            'k' => 1L << 10,
            'm' => 1L << 20,
            'g' => 1L << 30,
            't' => 1L << 40,
            _ => 1,
        };
        bytes = (long)(n * unit);
        return bytes > 0;
    }

    [GeneratedRegex(@"^[0-9]+[mMgG]$")]
    private static partial Regex MemoryValue();

    [GeneratedRegex(@"^([0-9]+(?:\.[0-9]+)?)\s*([kKmMgGtT]?)(?:i?[bB])?$")]
    private static partial Regex MemoryAny();

    [GeneratedRegex(@"^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$")]
    private static partial Regex ImageReference();

    [GeneratedRegex(@"^[0-9]+:[A-Za-z0-9_-]+$")]
    private static partial Regex BotToken();

    [GeneratedRegex(@"^[A-Za-z0-9_.:@-]{1,15}$")]
    private static partial Regex InterfaceName();
}
