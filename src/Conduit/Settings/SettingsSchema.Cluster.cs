using System.Text.RegularExpressions;

namespace Conduit.Settings;

public static partial class SettingsSchema
{
    // Docker's own name rule, kept short so "<name>-data-256" still reads well.
    static string? ContainerName(string v, HostFacts _) =>
        ContainerNameValue().IsMatch(v) ? null : "must be 1-40 characters: letters, digits, '_', '.', '-', starting with a letter or digit";

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")]
    private static partial Regex ContainerNameValue();
}
