using System.Globalization;

namespace Conduit.Cluster;

/// <summary>
/// Names and labels of one cluster instance. The default instance "conduit" uses the old tool's names
/// (conduit, conduit-2 ...; conduit-data, conduit-data-2 ...) so existing volumes and keys carry over; tests use
/// their own instance name so they never meet another test's containers.
/// </summary>
public sealed record ClusterNames(string Instance)
{
    public const string ManagedByLabel = "io.conduit.managed-by";
    public const string ManagedByValue = "conduit";
    public const string InstanceLabel = "io.conduit.instance";
    public const string IndexLabel = "io.conduit.index";
    public const string SpecHashLabel = "io.conduit.spec-hash";
    /// <summary>Marks short-lived helper containers (key access through the archive API).</summary>
    public const string HelperLabel = "io.conduit.helper";

    public string Container(int index) => index == 1 ? Instance : $"{Instance}-{Num(index)}";
    public string Volume(int index) => index == 1 ? $"{Instance}-data" : $"{Instance}-data-{Num(index)}";
    public string Network => $"{Instance}-net";

    /// <summary>Labels every object of this instance carries (containers add index and spec hash).</summary>
    public Dictionary<string, string> BaseLabels() => new(StringComparer.Ordinal)
    {
        [ManagedByLabel] = ManagedByValue,
        [InstanceLabel] = Instance,
    };

    public Dictionary<string, string> IndexedLabels(int index)
    {
        var labels = BaseLabels();
        labels[IndexLabel] = Num(index);
        return labels;
    }

    /// <summary>True when the labels say this object belongs to this instance.</summary>
    public bool Owns(IDictionary<string, string>? labels) =>
        labels is not null
        && labels.TryGetValue(ManagedByLabel, out var by) && by == ManagedByValue
        && labels.TryGetValue(InstanceLabel, out var inst) && inst == Instance;

    /// <summary>The index label of an object we own, or 0.</summary>
    public static int IndexOf(IDictionary<string, string>? labels) =>
        labels is not null && labels.TryGetValue(IndexLabel, out var v)
        && int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i >= 1 ? i : 0;

    public static string? Label(IDictionary<string, string>? labels, string key) =>
        labels is not null && labels.TryGetValue(key, out var v) ? v : null;

    /// <summary>The label filter that lists exactly this instance's objects.</summary>
    public IDictionary<string, IDictionary<string, bool>> Filter() => new Dictionary<string, IDictionary<string, bool>>
    {
        ["label"] = new Dictionary<string, bool>
        {
            [$"{ManagedByLabel}={ManagedByValue}"] = true,
            [$"{InstanceLabel}={Instance}"] = true,
        },
    };

    static string Num(int i) => i.ToString(CultureInfo.InvariantCulture);
}
