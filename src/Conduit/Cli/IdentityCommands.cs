using System.Globalization;
using System.Text;
using System.Text.Json;
using Conduit.Identity;
using Conduit.Platform;
using Conduit.Settings;
using ConsoleAppFramework;

namespace Conduit.Cli;

/// <summary>`conduit id | qr | backup | restore | import-key`: the nodes' identities (their Ed25519 keys).</summary>
public sealed class IdentityCommands
{
    const string KeyWarning = ClaimLink.PrivateKeyWarning;

    /// <summary>Show each node's proxy ID (what Ryve and the network show) and its older "Node ID".</summary>
    /// <param name="container">node number N (default: all nodes)</param>
    /// <param name="all">every node (the default)</param>
    /// <param name="json">print JSON</param>
    [Command("id")]
    public async Task Id([Argument, Integer] int? container = null, bool all = false, bool json = false, CancellationToken cancellationToken = default)
    {
        var states = await ReadKeysAsync(container, all, cancellationToken);
        if (json)
        {
            Terminal.WriteJson(w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("containers");
                foreach (var s in states) WriteIdentity(w, s);
                w.WriteEndArray();
                w.WriteEndObject();
            });
        }
        else
        {
            Console.WriteLine($"{"N",-4}{"CONTAINER",-16}{"PROXY ID",-45}NODE ID (older managers)");
            foreach (var s in states)
            {
                var row = $"{s.Index,-4}{s.Container,-16}";
                if (s.Key is { } key)
                    Console.WriteLine($"{row}{key.ProxyId,-45}{key.NodeId}{(key.HalvesMatch ? "" : "  (CORRUPT: halves do not match)")}");
                else
                    Console.WriteLine(row + (s.Missing ? "no key yet: the node creates it on its first start" : "INVALID key file (see below)"));
            }
            Console.WriteLine();
            Console.WriteLine("Proxy ID: the Curve25519 form of the node's public key, as the Ryve app and the network show it.");
            Console.WriteLine("Node ID:  the raw Ed25519 public key that older managers showed; a different value for the same key.");
        }
        ReportProblems(states, noteMissing: json);
    }

    /// <summary>Show the Ryve claim link and QR code of nodes (they contain the private key: asks first).</summary>
    /// <param name="container">node number N (default: all nodes)</param>
    /// <param name="all">every node (the default)</param>
    /// <param name="name">station name shown in Ryve for node N; saved as STATION_NAME_N (default &lt;hostname&gt;-&lt;N&gt;)</param>
    /// <param name="png">also write the QR code of node N to this PNG file (mode 0600)</param>
    /// <param name="yes">do not ask for confirmation (needed when stdin is not a terminal)</param>
    [Command("qr")]
    public async Task Qr([Argument, Integer] int? container = null, bool all = false, string? name = null, string? png = null, bool yes = false, CancellationToken cancellationToken = default)
    {
        var paths = CliApp.Paths;
        var settings = ConduitSettings.Load(paths.SettingsFile);
        var indexes = Select(container, all, settings.ContainerCount);
        if (name is not null)
        {
            if (indexes.Count != 1) throw new UsageException("--name sets one node's station name: give the node number N");
            SettingsSchema.TryResolve("STATION_NAME", out var def, out _);
            var problem = name.Length == 0 ? "must not be empty" : ConduitSettings.Validate(def, name, HostFacts.Current());
            if (problem is not null) throw new UsageException($"--name: {problem}");
        }
        if (png is not null && indexes.Count != 1)
            throw new UsageException("--png writes one node's code: give the node number N");
        Console.Error.WriteLine(KeyWarning);
        Confirm(yes, indexes.Count == 1 ? $"Show the claim link of node {indexes[0]}?" : $"Show the claim links of {indexes.Count} nodes?",
            "refusing to show a private key without confirmation: stdin is not a terminal, pass --yes");

        var states = await ReadKeysAsync(indexes, settings, cancellationToken);
        if (name is not null)
            settings = ConduitSettings.SetValue(paths.SettingsFile, "STATION_NAME", name, indexes[0], HostFacts.Current());
        bool color = Terminal.UseColor;
        int shown = 0;
        foreach (var s in states)
        {
            if (s.Key is not { } key) continue;
            if (!key.HalvesMatch) Terminal.Warn($"node {s.Index}: {NodeKey.HalvesMismatch}");
            var station = settings.ForContainer(s.Index).StationName;
            var link = ClaimLink.For(key, station);
            var qr = new QrCode(link);
            Console.WriteLine($"Node {s.Index} ({s.Container}), station \"{station}\", proxy ID {key.ProxyId}");
            if (png is not null)
            {
                var full = Path.GetFullPath(png);
                AtomicFile.WriteAllBytes(full, qr.ToPng(), AtomicFile.Private);
                Console.WriteLine($"QR code written to {full} (mode 0600: it contains the private key)");
            }
            else
            {
                Console.Write(qr.ToTerminalText(color));
            }
            Console.WriteLine(link);
            Console.WriteLine();
            shown++;
        }
        ReportProblems(states);
        if (shown == 0) throw new ConduitException("no claim link to show: no selected node has a key yet (start the nodes first)");
    }

    /// <summary>Back up nodes' keys to &lt;root&gt;/backups/&lt;container&gt;_key_&lt;UTC time&gt;.json, then list the backups.</summary>
    /// <param name="container">node number N (default: all nodes)</param>
    /// <param name="all">every node (the default)</param>
    [Command("backup")]
    public async Task Backup([Argument, Integer] int? container = null, bool all = false, CancellationToken cancellationToken = default)
    {
        var paths = CliApp.Paths;
        var states = await ReadKeysAsync(container, all, cancellationToken);
        var now = DateTime.UtcNow;
        int written = 0;
        foreach (var s in states)
        {
            if (s.Key is null || s.Content is null) continue;
            written++;
            var backup = KeyBackups.Write(paths.BackupsDir, s.Container, BackupKind.Backup, s.Content, now);
            Console.WriteLine($"node {s.Index} ({s.Container}): proxy ID {s.Key.ProxyId} backed up to {backup.Path}");
            if (!s.Key.HalvesMatch) Terminal.Warn($"node {s.Index}: {NodeKey.HalvesMismatch}");
        }
        Console.WriteLine();
        PrintBackups(paths.BackupsDir, KeyBackups.List(paths.BackupsDir));
        ReportProblems(states);
        if (written == 0) throw new ConduitException("nothing to back up: no selected node has a key yet (start the nodes first)");
    }

    /// <summary>List the key backups (and the pre-restore copies) with their proxy IDs.</summary>
    /// <param name="json">print JSON</param>
    [Command("backup list")]
    public void BackupList(bool json = false)
    {
        var folder = CliApp.Paths.BackupsDir;
        var backups = KeyBackups.List(folder);
        if (!json)
        {
            PrintBackups(folder, backups);
            return;
        }
        Terminal.WriteJson(w =>
        {
            w.WriteStartObject();
            w.WriteString("folder", folder);
            foreach (var (kind, property) in new[] { (BackupKind.Backup, "backups"), (BackupKind.PreRestore, "pre_restore") })
            {
                w.WriteStartArray(property);
                foreach (var b in backups)
                {
                    if (b.Kind != kind) continue;
                    w.WriteStartObject();
                    w.WriteString("file", b.FileName);
                    w.WriteString("path", b.Path);
                    w.WriteString("container", b.Container);
                    w.WriteString("taken_utc", b.TakenUtc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
                    if (b.Key is { } key)
                    {
                        w.WriteString("proxy_id", key.ProxyId);
                        w.WriteString("node_id", key.NodeId);
                        w.WriteBoolean("halves_match", key.HalvesMatch);
                    }
                    else
                    {
                        w.WriteString("problem", b.Problem);
                    }
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        });
    }

    /// <summary>Put a backed-up key back into node N: keeps the current key, stops only that node, writes, starts it.</summary>
    /// <param name="file">-file, backup file (a path, or a file name in &lt;root&gt;/backups)</param>
    /// <param name="container">node number N to restore into</param>
    /// <param name="yes">do not ask for confirmation (needed when stdin is not a terminal)</param>
    [Command("restore")]
    public async Task Restore([Argument, Verbatim] string file, [Integer] int container, bool yes = false, CancellationToken cancellationToken = default)
    {
        var paths = CliApp.Paths;
        var path = File.Exists(file) || file.Contains('/') ? Path.GetFullPath(file) : Path.Combine(paths.BackupsDir, file);
        // Validate first: nothing is stopped or written for a file that is not a usable key.
        var key = NodeKey.Load(path).RequireMatchingHalves(path);
        await ReplaceKeyAsync(container, key, path, yes, cancellationToken);
    }

    /// <summary>Give node N a key pasted as its 86-character base64 text (argument, or stdin when omitted).</summary>
    /// <param name="key">-key, the privateKeyBase64 text (prefer stdin: arguments are visible to other users)</param>
    /// <param name="container">node number N to import into</param>
    /// <param name="yes">do not ask for confirmation (needed when stdin is not a terminal)</param>
    [Command("import-key")]
    public async Task ImportKey([Integer] int container, [Argument, Verbatim] string? key = null, bool yes = false, CancellationToken cancellationToken = default)
    {
        string source = key is null ? "stdin" : "the key argument";
        key ??= ReadSecretFromStdin();
        key = key.Trim();
        if (key.Length == 0) throw new UsageException($"{source}: empty; give the 86-character privateKeyBase64");
        if (key.Length is not (NodeKey.UnpaddedBase64Length or NodeKey.UnpaddedBase64Length + 2))
            throw new UsageException($"{source}: {key.Length} characters, expected {NodeKey.UnpaddedBase64Length} (the privateKeyBase64 of conduit_key.json)");
        var parsed = NodeKey.FromBase64(key, source).RequireMatchingHalves(source);
        // --yes is only the confirmation; when the key itself came on stdin the answer cannot come from there too.
        await ReplaceKeyAsync(container, parsed, source, yes, cancellationToken);
    }

    // ---- shared steps ----

    async Task ReplaceKeyAsync(int container, NodeKey key, string from, bool yes, CancellationToken ct)
    {
        var paths = CliApp.Paths;
        var settings = ConduitSettings.Load(paths.SettingsFile);
        Select(container, false, settings.ContainerCount);
        using var nodes = await NodeKeys.OpenAsync(settings, paths, ct);
        var done = await nodes.InstallKeyAsync(container, key, from, question =>
        {
            Confirm(yes, question, $"refusing to replace node {container}'s key without confirmation: stdin is not a terminal, pass --yes");
            return true;
        }, ct);
        if (done.Result == KeyInstallResult.AlreadyInstalled)
        {
            Console.WriteLine($"node {container} ({done.Container}) already has this key: proxy ID {key.ProxyId}; nothing changed");
            return;
        }
        if (done.KeptBackup is { } kept) Console.WriteLine($"previous key kept in {kept}");
        Console.WriteLine($"node {container} ({done.Container}): key from {from} installed, node started");
        Console.WriteLine($"proxy ID: {key.ProxyId}");
    }

    static async Task<IReadOnlyList<NodeKeyState>> ReadKeysAsync(int? container, bool all, CancellationToken ct)
    {
        var settings = ConduitSettings.Load(CliApp.Paths.SettingsFile);
        return await ReadKeysAsync(Select(container, all, settings.ContainerCount), settings, ct);
    }

    static async Task<IReadOnlyList<NodeKeyState>> ReadKeysAsync(IReadOnlyList<int> indexes, ConduitSettings settings, CancellationToken ct)
    {
        using var nodes = await NodeKeys.OpenAsync(settings, CliApp.Paths, ct);
        var states = new List<NodeKeyState>(indexes.Count);
        foreach (var i in indexes) states.Add(await nodes.ReadAsync(i, ct));
        return states;
    }

    /// <summary>N or --all (the default); N must be a configured node.</summary>
    static IReadOnlyList<int> Select(int? container, bool all, int count)
    {
        if (container is int n)
        {
            if (all) throw new UsageException("give either a node number N or --all, not both");
            if (n < 1 || n > count)
                throw new UsageException($"there is no node {n}: CONTAINER_COUNT is {count} (nodes 1..{count})");
            return [n];
        }
        if (count == 0) throw new UsageException("CONTAINER_COUNT is 0: there are no nodes");
        return Enumerable.Range(1, count).ToArray();
    }

    static void Confirm(bool yes, string question, string refusal)
    {
        if (yes) return;
        if (!Terminal.StdinIsTerminal) throw new UsageException(refusal);
        if (!Terminal.Confirm(question)) throw new ConduitException("cancelled; nothing was shown or changed");
    }

    /// <summary>Reads a pasted key without echoing it when stdin is a terminal.</summary>
    static string ReadSecretFromStdin()
    {
        if (!Terminal.StdinIsTerminal) return Console.In.ReadToEnd();
        Console.Error.Write("Paste the node's privateKeyBase64 (86 characters, not shown): ");
        var text = new StringBuilder();
        while (true)
        {
            var k = Console.ReadKey(intercept: true);
            if (k.Key == ConsoleKey.Enter) break;
            if (k.Key == ConsoleKey.Backspace) { if (text.Length > 0) text.Length--; continue; }
            text.Append(k.KeyChar);
        }
        Console.Error.WriteLine();
        return text.ToString();
    }

    /// <summary>Nodes without a key are fine (never started); invalid key files fail the command (exit 1).</summary>
    static void ReportProblems(IReadOnlyList<NodeKeyState> states, bool noteMissing = true)
    {
        var invalid = new List<NodeKeyState>();
        foreach (var s in states)
        {
            if (s.Missing && noteMissing) Console.Error.WriteLine($"node {s.Index} ({s.Container}): no key yet, the node creates it on its first start");
            if (s.Problem is not null) invalid.Add(s);
        }
        if (invalid.Count == 0) return;
        for (int i = 1; i < invalid.Count; i++) Terminal.Warn($"node {invalid[i].Index}: {invalid[i].Problem}");
        throw new ConduitException($"node {invalid[0].Index}: {invalid[0].Problem}; restore a backup (conduit backup list) before the node starts again" +
                               (invalid.Count > 1 ? $" ({invalid.Count - 1} more above)" : ""));
    }

    static void WriteIdentity(Utf8JsonWriter w, NodeKeyState s)
    {
        w.WriteStartObject();
        w.WriteNumber("container", s.Index);
        w.WriteString("name", s.Container);
        w.WriteString("status", s.Key is not null ? "ok" : s.Missing ? "no_key" : "invalid");
        if (s.Key is { } key)
        {
            w.WriteString("proxy_id", key.ProxyId);
            w.WriteString("node_id", key.NodeId);
            w.WriteBoolean("halves_match", key.HalvesMatch);
        }
        if (s.Problem is not null) w.WriteString("problem", s.Problem);
        w.WriteEndObject();
    }

    static void PrintBackups(string folder, IReadOnlyList<KeyBackup> backups)
    {
        Console.WriteLine($"Backups in {folder}:");
        PrintSection(backups, BackupKind.Backup, "  none yet (conduit backup)");
        Console.WriteLine("Pre-restore copies (keys that a restore replaced):");
        PrintSection(backups, BackupKind.PreRestore, "  none");
    }

    static void PrintSection(IReadOnlyList<KeyBackup> backups, BackupKind kind, string none)
    {
        bool any = false;
        foreach (var b in backups)
        {
            if (b.Kind != kind) continue;
            if (!any) Console.WriteLine($"  {"TAKEN (UTC)",-21}{"CONTAINER",-16}{"PROXY ID",-45}FILE");
            any = true;
            var id = b.Key is { } key ? key.ProxyId + (key.HalvesMatch ? "" : " (corrupt)") : "INVALID";
            Console.WriteLine($"  {b.TakenUtc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),-21}{b.Container,-16}{id,-45}{b.FileName}");
        }
        if (!any) Console.WriteLine(none);
    }
}
