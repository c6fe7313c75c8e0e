using System.Globalization;
using System.Text.Json;
using Conduit.Settings;
using ConsoleAppFramework;

namespace Conduit.Cli;

/// <summary>`conduit settings ...`: read and change settings.conf.</summary>
public sealed class SettingsCommands
{
    /// <summary>Show every setting with its effective value and where it comes from.</summary>
    /// <param name="json">print JSON</param>
    public void Show(bool json = false)
    {
        var paths = CliApp.Paths;
        var settings = ConduitSettings.Load(paths.SettingsFile);
        if (json)
        {
            Terminal.WriteJson(w => WriteJson(w, settings, paths.SettingsFile));
            return;
        }
        Console.WriteLine($"# {paths.SettingsFile}{(File.Exists(paths.SettingsFile) ? "" : " (not created yet: defaults)")}");
        foreach (var def in SettingsSchema.All)
        {
            var shown = Display(def, settings[def.Key]);
            var source = settings.IsSet(def.Key) ? "" : "  (default)";
            Console.WriteLine($"{def.Key,-26} {shown}{source}");
        }
        foreach (var ((key, container), value) in settings.Overrides.OrderBy(o => o.Key.Container).ThenBy(o => o.Key.Key))
            Console.WriteLine($"{key + "_" + container.ToString(CultureInfo.InvariantCulture),-26} {value}  (container {container})");
        // Each value comes with its key: looking it up in the file again made this quadratic (200k keys: 100 s).
        foreach (var (key, value) in settings.Unknown)
            Console.WriteLine($"{key,-26} {value}  (unknown key, kept)");
    }

    /// <summary>Change one setting (validated; the file is rewritten atomically, comments kept).</summary>
    /// <param name="key">-key, setting name, e.g. MAX_CLIENTS</param>
    /// <param name="value">-value, new value ("" to unset)</param>
    /// <param name="container">set the override of container N only</param>
    public void Set([Argument, Verbatim] string key, [Argument, Verbatim] string value, [Integer] int? container = null)
    {
        var paths = CliApp.Paths;
        var updated = ConduitSettings.SetValue(paths.SettingsFile, key, value, container, HostFacts.Current());
        SettingsSchema.TryResolve(key, out var def, out _);
        var target = container is int n ? $"{def.Key} for container {n}" : def.Key;
        Console.WriteLine($"{target} = {Display(def, value)} (saved to {updated.File.Path})");
    }

    /// <summary>Print the path of settings.conf.</summary>
    public void Path() => Console.WriteLine(CliApp.Paths.SettingsFile);

    static string Display(SettingDefinition def, string value) =>
        def.Secret && value.Length > 0 ? Mask(value) : value.Length == 0 ? "\"\"" : value;

    /// <summary>Bot tokens show only their public bot id.</summary>
    static string Mask(string secret) => secret.Contains(':') ? secret[..secret.IndexOf(':')] + ":***" : "***";

    static void WriteJson(Utf8JsonWriter w, ConduitSettings settings, string path)
    {
        w.WriteStartObject();
        w.WriteString("path", path);
        w.WriteBoolean("exists", File.Exists(path));
        w.WriteStartObject("settings");
        foreach (var def in SettingsSchema.All)
            WriteValue(w, def.Key, def, settings[def.Key]);
        w.WriteEndObject();
        w.WriteStartObject("containers");
        foreach (var group in settings.Overrides.GroupBy(o => o.Key.Container).OrderBy(g => g.Key))
        {
            w.WriteStartObject(group.Key.ToString(CultureInfo.InvariantCulture));
            foreach (var ((key, _), value) in group)
            {
                SettingsSchema.TryResolve(key, out var def, out _);
                WriteValue(w, key, def, value);
            }
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteStartArray("unknown_keys");
        foreach (var (key, _) in settings.Unknown) w.WriteStringValue(key);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    static void WriteValue(Utf8JsonWriter w, string name, SettingDefinition def, string value)
    {
        if (def.Secret) { w.WriteString(name, value.Length == 0 ? "" : Mask(value)); return; }
        switch (def.Kind)
        {
            case SettingKind.Bool when value is "true" or "false":
                w.WriteBoolean(name, value == "true");
                break;
            case SettingKind.Number when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d):
                if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) w.WriteNumber(name, l);
                else w.WriteNumber(name, d);
                break;
            default:
                w.WriteString(name, value);
                break;
        }
    }
}
