using System.Globalization;

namespace Conduit.Settings;

/// <summary>The effective settings of one node container (global value, or its _N override).</summary>
public sealed record ContainerSettings(int Index, int MaxClients, double Bandwidth, double? Cpus, long? MemoryBytes, string? MemoryText, string StationName, int MaxPersonalClients = 0);

/// <summary>
/// Validated, typed settings. Built only through <see cref="Load"/> or <see cref="FromFile"/>, so holding one
/// means every value is in range.
/// </summary>
public sealed class ConduitSettings
{
    readonly Dictionary<string, string> _values;
    readonly Dictionary<(string Key, int Container), string> _overrides;

    ConduitSettings(SettingsFile file, Dictionary<string, string> values, Dictionary<(string, int), string> overrides, List<(string Key, string Value)> unknown)
    {
        File = file;
        _values = values;
        _overrides = overrides;
        Unknown = unknown;
    }

    public SettingsFile File { get; }

    /// <summary>Keys in the file this version does not know; kept on rewrite.</summary>
    /// <summary>Keys this version does not know, with their values, in file order (kept on every write).</summary>
    public IReadOnlyList<(string Key, string Value)> Unknown { get; }

    public string this[string key] => _values.TryGetValue(key, out var v) && v.Length > 0 ? v : Definition(key).Default;

    public bool IsSet(string key) => _values.TryGetValue(key, out var v) && v.Length > 0;

    public int ContainerCount => Int("CONTAINER_COUNT");
    public string ContainerName => this["CONTAINER_NAME"];
    public int MaxClients => Int("MAX_CLIENTS");
    public double Bandwidth => Double("BANDWIDTH");
    public int UlimitNofile => Int("CONTAINER_ULIMIT_NOFILE");
    public string NetworkMode => this["NETWORK_MODE"];
    public bool BridgeMode => NetworkMode == "bridge";
    public string Image => this["CONDUIT_IMAGE"];
    public int NodeFlags => Int("NODE_FLAGS");
    public int MetricsPortBase => Int("METRICS_PORT_BASE");
    public int BridgePortBase => Int("BRIDGE_PORT_BASE");
    public double DataCapGb => Double("DATA_CAP_GB");
    public string TrackBackend => this["TRACK_BACKEND"];

    public IReadOnlyDictionary<(string Key, int Container), string> Overrides => _overrides;

    /// <summary>Global value overridden by KEY_N where present.</summary>
    public ContainerSettings ForContainer(int index)
    {
        string Effective(string key) =>
            _overrides.TryGetValue((key, index), out var v) && v.Length > 0 ? v : this[key];

        var cpuText = Effective("CONTAINER_CPU_LIMIT");
        var memText = Effective("CONTAINER_MEM_LIMIT");
        if (cpuText == SettingsSchema.NoLimit) cpuText = "";
        if (memText == SettingsSchema.NoLimit) memText = "";
        double? cpus = cpuText.Length == 0 ? null : double.Parse(cpuText, CultureInfo.InvariantCulture);
        long? mem = memText.Length == 0 ? null : SettingsSchema.TryParseMemory(memText, out var b) ? b : null;
        var station = Effective("STATION_NAME");
        if (station.Length == 0) station = $"{Environment.MachineName}-{index}";
        return new ContainerSettings(
            index,
            int.Parse(Effective("MAX_CLIENTS"), CultureInfo.InvariantCulture),
            double.Parse(Effective("BANDWIDTH"), CultureInfo.InvariantCulture),
            cpus, mem, memText.Length == 0 ? null : memText, station,
            int.Parse(Effective("MAX_PERSONAL_CLIENTS"), CultureInfo.InvariantCulture));
    }

    int Int(string key) => int.Parse(this[key], CultureInfo.InvariantCulture);
    double Double(string key) => double.Parse(this[key], CultureInfo.InvariantCulture);

    static SettingDefinition Definition(string key) =>
        SettingsSchema.TryResolve(key, out var d, out _) ? d : throw new ArgumentException($"unknown setting {key}");

    /// <summary>Loads and validates settings.conf; a missing file gives the defaults.</summary>
    public static ConduitSettings Load(string path, HostFacts? host = null) =>
        FromFile(SettingsFile.Load(path), host ?? HostFacts.Current());

    public static ConduitSettings FromFile(SettingsFile file, HostFacts host)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var sources = new Dictionary<string, (string Name, int Line)>(StringComparer.Ordinal);
        var overrides = new Dictionary<(string, int), string>();
        var unknown = new List<(string, string)>();
        foreach (var (key, value, line) in file.Entries)
        {
            if (!SettingsSchema.TryResolve(key, out var def, out var container))
            {
                unknown.Add((key, value));
                continue;
            }
            var problem = Validate(def, value, host);
            if (problem is not null)
                throw new UsageException($"{file.Path}:{line}: {Describe(key, value, def)} {problem}");
            var slot = container == 0 ? def.Key : $"{def.Key}#{container}";
            if (value.Length > 0 && sources.TryGetValue(slot, out var earlier) && Current(values, overrides, def.Key, container) != value)
                throw new UsageException(
                    $"{file.Path}:{line}: {key} conflicts with {earlier.Name} on line {earlier.Line}; keep one of them");
            if (value.Length == 0) continue;
            sources[slot] = (key, line);
            if (container == 0) values[def.Key] = value;
            else overrides[(def.Key, container)] = value;
        }
        return new ConduitSettings(file, values, overrides, unknown);
    }

    static string? Current(Dictionary<string, string> values, Dictionary<(string, int), string> overrides, string key, int container) =>
        container == 0 ? values.GetValueOrDefault(key) : overrides.GetValueOrDefault((key, container));

    /// <summary>An empty value means "not set": the default applies.</summary>
    public static string? Validate(SettingDefinition def, string value, HostFacts host) =>
        value.Length == 0 ? null : def.Check(value, host);

    /// <summary>"KEY=value" for messages; secrets are never echoed.</summary>
    public static string Describe(string key, string value, SettingDefinition def) =>
        def.Secret ? $"{key}:" : $"{key}={Shorten(value)}:";

    static string Shorten(string v) => v.Length <= 40 ? v : v[..37] + "...";

    /// <summary>
    /// Validates and stores one value (global, or the container's override), then writes the file atomically.
    /// Nothing is written when the value or the resulting file is invalid.
    /// </summary>
    public static ConduitSettings SetValue(string path, string key, string value, int? container, HostFacts host)
    {
        var updated = PreviewValue(path, key, value, container, host);
        updated.File.Save();
        return updated;
    }

    /// <summary>What <see cref="SetValue"/> would make of the file (same checks, same messages), without writing
    /// it: a front end shows old -> new and asks before saving.</summary>
    public static ConduitSettings PreviewValue(string path, string key, string value, int? container, HostFacts host)
    {
        if (!SettingsSchema.TryResolve(key, out var def, out var keyContainer))
            throw new UsageException($"unknown setting {key}; see `conduit settings show` for the keys");
        if (keyContainer != 0)
        {
            if (container is not null && container != keyContainer)
                throw new UsageException($"{key} names container {keyContainer} but --container says {container}");
            container = keyContainer;
        }
        if (container is not null && !def.PerContainer)
            throw new UsageException($"{def.Key} is not a per-container setting");
        if (container is < 1)
            throw new UsageException($"--container must be 1 or more, got {container}");
        var problem = Validate(def, value, host);
        if (problem is not null)
            throw new UsageException($"{Describe(key, value, def)} {problem}");

        var file = SettingsFile.Load(path);
        FromFile(file, host); // refuse to rewrite a file that is already broken
        IEnumerable<string> spellings = container is int n ? SettingsSchema.ContainerKeys(def, n) : def.AllNames;
        // Keep whichever spelling the file already uses (v1 or v2); new keys get the v2 name.
        var target = spellings.FirstOrDefault(file.Contains) ?? spellings.First();
        foreach (var other in spellings)
            if (other != target) file.Remove(other);
        file.Set(target, value);
        return FromFile(file, host);
    }
}
