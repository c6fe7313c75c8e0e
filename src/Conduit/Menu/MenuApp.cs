using System.Globalization;
using Conduit.Cluster;
using Conduit.Host.Health;
using Conduit.Host.Tuning;
using Conduit.Identity;
using Conduit.Lifecycle;
using Conduit.NodeStats;
using Conduit.Settings;
using Conduit.Ui;

namespace Conduit.Menu;

/// <summary>`q` pressed: leave the menu from wherever it is.</summary>
internal sealed class QuitMenu : Exception;

/// <summary>
/// The interactive menu (`conduit menu`, or `conduit` alone on a terminal). A front end: every entry calls the
/// same operation as the matching CLI command (ClusterOperations, ConduitSettings, NodeKeys/KeyBackups,
/// HealthRunner, KernelTuning, NodeUpdate, the views); validation, the data cap, key safety are theirs.
/// </summary>
public sealed class MenuApp
{
    readonly ConduitPaths _paths;
    readonly string _version;
    readonly RawTerminal _t;
    readonly bool _color = Terminal.UseColor;

    MenuApp(ConduitPaths paths, string version, RawTerminal terminal)
    {
        _paths = paths;
        _version = version;
        _t = terminal;
    }

    CancellationToken Ct => _t.Token;

    public static async Task RunAsync(ConduitPaths paths, string version, CancellationToken ct)
    {
        if (!Terminal.StdinIsTerminal || !Terminal.StdoutIsTerminal) throw new UsageException("the menu needs a terminal");
        // Bad settings are reported before the screen changes, in one line like every command.
        ConduitSettings.Load(paths.SettingsFile);
        using var terminal = RawTerminal.Open(ct);
        try
        {
            await new MenuApp(paths, version, terminal).MainAsync();
        }
        catch (QuitMenu)
        {
        }
    }

    ConduitSettings Settings() => ConduitSettings.Load(_paths.SettingsFile);

    // ---------------- menus ----------------

    async Task MainAsync() =>
        await LoopAsync(async () => Pages.MainMenu(_version, Settings(), await ClusterLineAsync()), key => key switch
        {
            '1' => () => LiveAsync(c => LiveScreen.RunAsync(c.CollectAsync, (s, _) => Views.Dashboard(s, StatsSession.CountryNames(s), TimeSpan.FromSeconds(5)), TimeSpan.FromSeconds(5), countdown: false, Ct)),
            '2' => LiveLinesAsync,
            '3' => () => LogsAsync(null),
            '4' => () => LiveAsync(c => LiveScreen.RunAsync(c.CollectAsync, (s, _) => Views.Peers(s, StatsSession.CountryNames(s)), TimeSpan.FromSeconds(5), countdown: false, Ct)),
            'a' => () => LiveAsync(c => LiveScreen.RunAsync(c.CollectAsync, Views.Stats, TimeSpan.FromSeconds(15), countdown: true, Ct)),
            '5' => () => ClusterAsync("Start nodes", null, (ops, ct) => ops.StartAsync(ct), pull: true),
            '6' => () => ClusterAsync("Stop nodes", "Stop every node? Their clients are dropped (keys and volumes stay).", (ops, ct) => ops.StopAsync(ct)),
            '7' => () => ClusterAsync("Restart nodes", "Restart every node? Containers whose settings changed are recreated.", (ops, ct) => ops.RestartAsync(ct), pull: true),
            '8' => UpdateAsync,
            '9' => ContainersAsync,
            's' => SettingsMenuAsync,
            'i' => InfoAsync,
            _ => null,
        });

    async Task<ClusterLine> ClusterLineAsync()
    {
        try
        {
            var settings = Settings();
            var snapshot = await DockerEngine.RunAsync(engine => new ClusterOperations(engine, settings, _paths).SnapshotAsync(Ct), Ct);
            return new ClusterLine(snapshot.Running, snapshot.Containers.Count(c => c.State != "foreign" && c.Id is not null));
        }
        catch (ConduitException e)
        {
            return new ClusterLine(0, 0, e.Message);
        }
    }

    /// <summary>Draws a menu and runs what its keys choose until Esc, 0 or q.</summary>
    async Task LoopAsync(Func<Task<MenuPage>> build, Func<char, Func<Task>?> action)
    {
        var page = await build();
        var selected = 0;
        while (true)
        {
            var (columns, rows) = RawTerminal.Size();
            Draw(page.Render(columns, rows, selected, _color));
            var key = _t.ReadKey();
            int chosen;
            switch (key.Kind)
            {
                case KeyKind.Up: selected = (selected + page.Entries.Count - 1) % page.Entries.Count; continue;
                case KeyKind.Down or KeyKind.Tab: selected = (selected + 1) % page.Entries.Count; continue;
                case KeyKind.Escape: return;
                case KeyKind.Enter: chosen = selected; break;
                case KeyKind.Char when key.Char is 'q' or 'Q': throw new QuitMenu();
                case KeyKind.Char:
                    chosen = -1;
                    for (var i = 0; i < page.Entries.Count; i++)
                        if (char.ToLowerInvariant(page.Entries[i].Key) == char.ToLowerInvariant(key.Char)) chosen = i;
                    if (chosen < 0) continue;
                    break;
                default: continue;
            }
            selected = chosen;
            var entry = page.Entries[chosen];
            if (entry.Key == '0') return;
            if (action(entry.Key) is not { } run) continue;
            await Guarded(entry.Label, run);
            page = await build();
            selected = Math.Min(selected, page.Entries.Count - 1);
        }
    }

    /// <summary>An error of an operation is shown on its screen and the menu goes on; Ctrl+C and q end the menu.</summary>
    async Task Guarded(string title, Func<Task> run)
    {
        try
        {
            await run();
        }
        catch (Exception e) when (e is ConduitException or IOException or UnauthorizedAccessException or InvalidOperationException && !Ct.IsCancellationRequested)
        {
            Line("");
            Line(Styled($"error: {SafeText.Escape(e.Message)}", "1;31"));
            AnyKey();
        }
    }

    void Draw(string screen) => Console.Out.Write("\e[H\e[2J\e[?25l" + screen.Replace("\n", "\e[K\n"));

    /// <summary>A screen that prints results: cleared, titled, the cursor shown.</summary>
    void Begin(string title)
    {
        var (columns, _) = RawTerminal.Size();
        Console.Out.Write("\e[H\e[2J\e[?25h");
        Line(Styled(MenuPage.Fit($" {title}", columns), "1;36"));
        Line(new string('─', Math.Min(columns, 78)));
    }

    static void Line(string text) => Console.Out.Write(text + "\n");

    string Styled(string text, string sgr) => _color ? $"\e[{sgr}m{text}\e[0m" : text;

    /// <summary>"press any key"; q still quits.</summary>
    void AnyKey(string what = "press any key to return")
    {
        Line(Styled(what, "2"));
        var key = _t.ReadKey();
        if (key is { Kind: KeyKind.Char, Char: 'q' or 'Q' }) throw new QuitMenu();
    }

    bool Confirm(string question, bool yesByDefault = false)
    {
        Console.Out.Write($"{question} {(yesByDefault ? "[Y/n]" : "[y/N]")} ");
        while (true)
        {
            var key = _t.ReadKey();
            bool? answer = key switch
            {
                { Kind: KeyKind.Char, Char: 'y' or 'Y' } => true,
                { Kind: KeyKind.Char, Char: 'n' or 'N' } or { Kind: KeyKind.Escape } => false,
                { Kind: KeyKind.Enter } => yesByDefault,
                { Kind: KeyKind.Char, Char: 'q' or 'Q' } => throw new QuitMenu(),
                _ => null,
            };
            if (answer is not { } yes) continue;
            Line(yes ? "yes" : "no");
            return yes;
        }
    }

    /// <summary>A line of text typed by the user; null on Esc (or an empty line).</summary>
    string? Prompt(string question)
    {
        Console.Out.Write($"{question} \e[?25h");
        var text = new System.Text.StringBuilder();
        while (true)
        {
            var key = _t.ReadKey();
            switch (key.Kind)
            {
                case KeyKind.Enter:
                    Line("");
                    return text.Length == 0 ? null : text.ToString().Trim();
                case KeyKind.Escape:
                    Line("");
                    return null;
                case KeyKind.Backspace when text.Length > 0:
                    text.Length--;
                    Console.Out.Write("\b \b");
                    break;
                case KeyKind.Char when key.Char != '\0' && text.Length < 200:
                    text.Append(key.Char);
                    Console.Out.Write(key.Char.ToString());
                    break;
            }
        }
    }

    /// <summary>Asks until <paramref name="check"/> accepts the answer (null) or the user gives up (Esc).</summary>
    string? Ask(string question, Func<string, string?> check)
    {
        while (true)
        {
            var answer = Prompt(question);
            if (answer is null) return null;
            if (check(answer) is not { } problem) return answer;
            Line(Styled($"  {SafeText.Escape(problem)}: try again (Esc cancels)", "31"));
        }
    }

    int? AskNumber(string question, int min, int max) =>
        Ask(question, a => int.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max ? null : $"'{a}' is not a number {min}..{max}")
            is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : null;

    // ---------------- views ----------------

    Task LiveAsync(Func<SnapshotCollector, Task> view) =>
        _t.RunForeignAsync(() => StatsSession.WithCollectorAsync(_paths, (collector, _) => view(collector), Ct));

    /// <summary>`conduit stats --live` in the menu: one [CLUSTER] line per update until a key.</summary>
    Task LiveLinesAsync() => StatsSession.WithCollectorAsync(_paths, async (collector, _) =>
    {
        Begin("Live stats (one line every 5 s) · any key returns");
        while (true)
        {
            Line(Views.LiveLine(await collector.CollectAsync(Ct)));
            if (_t.TryReadKey(TimeSpan.FromSeconds(5)) is { } key)
            {
                if (key is { Kind: KeyKind.Char, Char: 'q' or 'Q' }) throw new QuitMenu();
                return;
            }
        }
    }, Ct);

    /// <summary>`conduit logs [N] --follow` until a key: [STATS] lines hidden as there.</summary>
    async Task LogsAsync(int? index)
    {
        var settings = Settings();
        Begin(index is null ? "Logs of every node (follow) · any key returns" : $"Logs of container {index} (follow) · any key returns");
        await DockerEngine.RunAsync(async engine =>
        {
            var cluster = await new ClusterOperations(engine, settings, _paths).SnapshotAsync(Ct);
            var chosen = cluster.Containers.Where(c => c.Id is not null && c.State != "foreign" && (index is null || c.Index == index)).ToList();
            if (chosen.Count == 0)
                throw new ConduitException(index is null ? "no node containers: start creates them" : $"container {index} does not exist yet: start creates it");
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            var width = chosen.Max(c => c.Name.Length);
            var gate = new object();
            var readers = Task.WhenAll(chosen.Select(async c =>
            {
                try
                {
                    await foreach (var line in NodeLogs.ReadAsync(engine, c.Id!, "30", true, stop.Token))
                    {
                        if (StatsLine.IsStatsLine(line.Text)) continue;
                        lock (gate) Line(SafeText.Escape(chosen.Count > 1 ? $"{c.Name.PadRight(width)} | {line.Text}" : line.Text));
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
            }));
            MenuKey? key = null;
            while (!readers.IsCompleted && (key = _t.TryReadKey(TimeSpan.FromMilliseconds(200))) is null) { }
            await stop.CancelAsync();
            await readers;
            if (key is null) AnyKey("(the log ended) press any key to return");
            else if (key is { Kind: KeyKind.Char, Char: 'q' or 'Q' }) throw new QuitMenu();
            return 0;
        }, Ct);
    }

    // ---------------- cluster operations ----------------

    /// <summary>Runs one cluster operation as the CLI does (fetching a missing image first where `start` would),
    /// then prints one line per node.</summary>
    async Task<bool> ClusterAsync(string title, string? confirm, Func<ClusterOperations, CancellationToken, Task<ClusterReport>> work, bool pull = false, bool wait = true)
    {
        if (title.Length > 0) Begin(title);
        if (confirm is not null && !Confirm(confirm)) return false;
        var settings = Settings();
        var report = await DockerEngine.RunAsync(async engine =>
        {
            if (pull && await engine.TryInspectImageAsync(settings.Image, Ct) is null)
            {
                Line($"pulling {settings.Image} (not on this host yet)");
                await ImagePull.PullAsync(engine, settings.Image, Console.Out, live: false, Ct);
            }
            return await work(new ClusterOperations(engine, settings, _paths), Ct);
        }, Ct);
        PrintReport(report);
        if (wait) AnyKey();
        return !report.Failed;
    }

    void PrintReport(ClusterReport report)
    {
        if (report.Nodes.Count == 0) Line("nothing to do");
        foreach (var node in report.Nodes)
        {
            var text = $"{node.Name,-20} {NodeActions.Describe(node.Action)}{(node.Detail is null ? "" : $" ({SafeText.Escape(node.Detail)})")}";
            Line(node.IsFailure ? Styled(text, "31") : text);
        }
        var failed = report.Nodes.Count(n => n.IsFailure);
        if (failed > 0) Line(Styled($"{failed} of {report.Nodes.Count} containers failed; the others were handled", "1;31"));
    }

    async Task UpdateAsync()
    {
        Begin("Update the node image");
        if (!Confirm($"Pull the newest {Settings().Image} and move the nodes onto it one at a time?")) return;
        await new NodeUpdate(_paths, Console.Out).RunAsync(null, true, Ct);
        AnyKey();
    }

    // ---------------- containers ----------------

    Task<ClusterStatsSnapshot> StatsAsync()
    {
        ClusterStatsSnapshot? snapshot = null;
        return StatsSession.WithCollectorAsync(_paths, async (collector, _) => snapshot = await collector.CollectAsync(Ct), Ct)
            .ContinueWith(t => { t.GetAwaiter().GetResult(); return snapshot!; }, Ct, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    Task ContainersAsync() => LoopAsync(async () => Pages.Containers(await StatsAsync()), key => key switch
    {
        'c' => ChooseContainerAsync,
        'a' => AddAsync,
        'r' => RemoveAsync,
        's' => ScaleAsync,
        _ => null,
    });

    async Task ChooseContainerAsync()
    {
        var count = Settings().ContainerCount;
        if (count == 0) throw new ConduitException("there are no containers: [a] adds some");
        Begin("Choose a container");
        if (AskNumber($"Container number (1-{count}):", 1, count) is not { } index) return;
        await ContainerAsync(index);
    }

    Task ContainerAsync(int index) => LoopAsync(async () =>
    {
        var stats = await StatsAsync();
        var settings = Settings();
        var name = ClusterNamesFor(settings).Container(index);
        return Pages.Container(index, name, stats.Containers.FirstOrDefault(c => c.Index == index), settings.ForContainer(index));
    }, key => key switch
    {
        '1' => () => ClusterAsync($"Start container {index}", null, (ops, ct) => ops.StartOneAsync(index, restart: false, ct), pull: true),
        '2' => () => ClusterAsync($"Stop container {index}", $"Stop container {index}? Its clients are dropped.", (ops, ct) => ops.StopOneAsync(index, ct)),
        '3' => () => ClusterAsync($"Restart container {index}", null, (ops, ct) => ops.StartOneAsync(index, restart: true, ct), pull: true),
        '4' => () => LogsAsync(index),
        '5' => () => ContainerSettingsAsync(index),
        '6' => () => QrAsync(index),
        '7' => () => BackupAsync(index),
        '8' => () => RestoreAsync(index),
        _ => null,
    });

    static ClusterNames ClusterNamesFor(ConduitSettings settings) => new(settings.ContainerName);

    async Task AddAsync()
    {
        var count = Settings().ContainerCount;
        Begin("Add containers");
        Line($"Now {count} containers.");
        if (AskNumber("How many to add?", 1, 256 - count) is not { } n) return;
        Line($"Containers {count + 1}..{count + n} are created (each makes its key on its first start).");
        if (!Confirm($"Scale {count} -> {count + n}?", yesByDefault: true)) return;
        await ClusterAsync("", null, (ops, ct) => ops.ScaleAsync(count + n, purge: false, HostFacts.Current(), ct), pull: true);
    }

    async Task RemoveAsync()
    {
        var count = Settings().ContainerCount;
        if (count == 0) throw new ConduitException("there are no containers to remove");
        Begin("Remove the last containers");
        Line($"Now {count} containers.");
        if (AskNumber($"How many of the last ones to remove (1-{count})?", 1, count) is not { } n) return;
        await ScaleToAsync(count - n);
    }

    async Task ScaleAsync()
    {
        var count = Settings().ContainerCount;
        Begin("Scale to N containers");
        Line($"Now {count} containers.");
        if (AskNumber("How many containers (0-256)?", 0, 256) is not { } n) return;
        if (n == count) { Line("nothing to do"); AnyKey(); return; }
        await ScaleToAsync(n);
    }

    /// <summary>Scale through <see cref="ClusterOperations.ScaleAsync"/>; going down asks about the volumes, keep by default.</summary>
    async Task ScaleToAsync(int target)
    {
        var count = Settings().ContainerCount;
        var purge = false;
        if (target < count)
        {
            Line($"Containers {target + 1}..{count} will be removed.");
            Line("Their volumes hold the node keys, which carry each node's reputation: keeping them lets a later scale-up reuse them.");
            purge = !Confirm("Keep their volumes (and keys)?", yesByDefault: true);
            if (purge && !Confirm(Styled("Delete the volumes and keys for good?", "1;31"))) return;
        }
        else if (!Confirm($"Scale {count} -> {target}?", yesByDefault: true)) return;
        await ClusterAsync("", null, (ops, ct) => ops.ScaleAsync(target, purge, HostFacts.Current(), ct), pull: target > count);
    }

    // ---------------- identity ----------------

    async Task QrAsync(int index)
    {
        Begin($"QR code & proxy ID of container {index}");
        var settings = Settings();
        using var nodes = await NodeKeys.OpenAsync(settings, _paths, Ct);
        var state = await nodes.ReadAsync(index, Ct);
        if (state.Key is not { } key)
            throw new ConduitException(state.Problem is { } p ? $"node {index}: {p}" : $"node {index} has no key yet: it creates one on its first start");
        Line($"Proxy ID: {key.ProxyId}   (public: safe to share)");
        if (!key.HalvesMatch) Line(Styled($"warning: {NodeKey.HalvesMismatch}", "33"));
        Line("");
        foreach (var l in MenuPage.Wrap(ClaimLink.PrivateKeyWarning, Math.Min(RawTerminal.Size().Columns, 100))) Line(Styled(l, "1;33"));
        if (!Confirm($"Show the claim link and QR code of node {index}?")) return;
        var station = settings.ForContainer(index).StationName;
        var link = ClaimLink.For(key, station);
        Console.Out.Write("\e[H\e[2J");
        Console.Out.Write(new QrCode(link).ToTerminalText(_color));
        Line($"Node {index}, station \"{station}\", proxy ID {key.ProxyId}");
        Line(link);
        AnyKey("press any key to hide it and return");
    }

    async Task BackupAsync(int? index)
    {
        Begin(index is null ? "Back up node keys" : $"Back up the key of container {index}");
        var settings = Settings();
        var indexes = index is int n ? [n] : Enumerable.Range(1, settings.ContainerCount).ToArray();
        if (indexes.Length == 0) throw new ConduitException("CONTAINER_COUNT is 0: there are no nodes");
        using var nodes = await NodeKeys.OpenAsync(settings, _paths, Ct);
        var now = DateTime.UtcNow;
        var written = 0;
        foreach (var i in indexes)
        {
            var s = await nodes.ReadAsync(i, Ct);
            if (s.Key is null || s.Content is null)
            {
                Line(s.Problem is { } p ? Styled($"node {i} ({s.Container}): {p}", "31") : $"node {i} ({s.Container}): no key yet, the node creates it on its first start");
                continue;
            }
            var backup = KeyBackups.Write(_paths.BackupsDir, s.Container, BackupKind.Backup, s.Content, now);
            Line($"node {i} ({s.Container}): proxy ID {s.Key.ProxyId} backed up to {backup.Path}");
            written++;
        }
        Line(written == 0 ? "nothing backed up: no selected node has a key yet" : $"{written} key(s) backed up (mode 0600)");
        AnyKey();
    }

    /// <summary>A backup chosen from the list goes in through <see cref="NodeKeys.InstallKeyAsync"/>: the same
    /// checks, question, pre-restore copy and read-back as `conduit restore`.</summary>
    async Task RestoreAsync(int index)
    {
        Begin($"Restore a key into container {index}");
        var backups = KeyBackups.List(_paths.BackupsDir).Where(b => b.Key is not null).ToArray();
        if (backups.Length == 0) throw new ConduitException($"no usable key backups in {_paths.BackupsDir}");
        for (var i = 0; i < backups.Length; i++)
            Line(string.Create(CultureInfo.InvariantCulture, $"{i + 1,3}  {backups[i].FileName}  proxy ID {backups[i].Key!.ProxyId}"));
        if (AskNumber($"Which backup (1-{backups.Length})?", 1, backups.Length) is not { } n) return;
        var chosen = backups[n - 1];
        using var nodes = await NodeKeys.OpenAsync(Settings(), _paths, Ct);
        var done = await nodes.InstallKeyAsync(index, chosen.Key!, chosen.FileName, question => Confirm(question), Ct);
        Line(done.Result switch
        {
            KeyInstallResult.AlreadyInstalled => $"node {index} ({done.Container}) already has this key; nothing changed",
            KeyInstallResult.NotConfirmed => "nothing changed",
            _ => $"node {index} ({done.Container}): key from {chosen.FileName} installed, node started; proxy ID {chosen.Key!.ProxyId}",
        });
        if (done.KeptBackup is { } kept) Line($"previous key kept in {kept}");
        AnyKey();
    }

    void ListBackups()
    {
        Begin("Key backups");
        var backups = KeyBackups.List(_paths.BackupsDir);
        Line($"in {_paths.BackupsDir}:");
        if (backups.Count == 0) Line("  none yet ([9] backs the keys up)");
        foreach (var b in backups)
        {
            var id = b.Key is { } key ? key.ProxyId : "INVALID";
            var kind = b.Kind == BackupKind.PreRestore ? " (pre-restore copy)" : "";
            Line($"  {b.TakenUtc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}  {b.Container,-14} {id}{kind}");
        }
        Line("Restore one with: conduit restore FILE --container N");
        AnyKey();
    }

    // ---------------- settings ----------------

    Task SettingsMenuAsync() => LoopAsync(() => Task.FromResult(Pages.Settings(Settings())), key => key switch
    {
        '1' => () => ChangeAsync("MAX_CLIENTS", null),
        '2' => () => ChangeAsync("BANDWIDTH", null),
        '3' => () => ChangeAsync("CONTAINER_CPU_LIMIT", null),
        '4' => () => ChangeAsync("CONTAINER_MEM_LIMIT", null),
        '5' => () => ChangeAsync("NETWORK_MODE", null),
        '6' => () => ChangeAsync("CONDUIT_IMAGE", null),
        '7' => HealthAsync,
        '8' => TuningAsync,
        '9' => () => BackupAsync(null),
        'b' => () => { ListBackups(); return Task.CompletedTask; },
        'v' => VersionAsync,
        _ => null,
    });

    Task ContainerSettingsAsync(int index) => LoopAsync(() => Task.FromResult(Pages.ContainerSettings(index, Settings())), key => key switch
    {
        '1' => () => ChangeAsync("MAX_CLIENTS", index),
        '2' => () => ChangeAsync("BANDWIDTH", index),
        '3' => () => ChangeAsync("CONTAINER_CPU_LIMIT", index),
        '4' => () => ChangeAsync("CONTAINER_MEM_LIMIT", index),
        '5' => () => ClearOverridesAsync(index),
        _ => null,
    });

    /// <summary>
    /// One setting: for a per-container key, all containers or one; the value is checked by the same validator
    /// and message as `conduit settings set` and asked again until it passes; old -> new and the containers
    /// that must be recreated are shown; after a yes it is saved and the affected nodes are recreated.
    /// </summary>
    async Task ChangeAsync(string key, int? container)
    {
        SettingsSchema.TryResolve(key, out var def, out _);
        var settings = Settings();
        Begin($"{key}: {def.Description}");
        if (container is null && def.PerContainer && settings.ContainerCount > 0)
        {
            var scope = Ask($"All containers, or one? (Enter = all, or 1-{settings.ContainerCount}; Esc cancels):", a =>
                int.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= settings.ContainerCount ? null : $"'{a}' is not a container number 1..{settings.ContainerCount}");
            if (scope is not null) container = int.Parse(scope, CultureInfo.InvariantCulture);
        }
        var old = Current(settings, def, container);
        Line($"{Target(def, container)} is now {old}");
        var host = HostFacts.Current();
        ConduitSettings? preview = null;
        var value = Ask("New value (Esc cancels):", v =>
        {
            try
            {
                preview = ConduitSettings.PreviewValue(_paths.SettingsFile, key, v, container, host);
                return null;
            }
            catch (UsageException e)
            {
                return e.Message;
            }
        });
        if (value is null || preview is null) return;
        await ApplyAsync(settings, Affected(settings, preview), () => ConduitSettings.SetValue(_paths.SettingsFile, key, value, container, host),
            $"{Target(def, container)}: {old} -> {value}");
    }

    /// <summary>Containers whose spec (what `conduit restart` compares) differs between two settings.</summary>
    static int[] Affected(ConduitSettings before, ConduitSettings after) =>
        Enumerable.Range(1, Math.Min(before.ContainerCount, after.ContainerCount))
            .Where(i => ContainerSpec.For(before, i).Hash != ContainerSpec.For(after, i).Hash).ToArray();

    async Task ClearOverridesAsync(int index)
    {
        Begin($"Clear the overrides of container {index}");
        var settings = Settings();
        var keys = settings.Overrides.Keys.Where(k => k.Container == index).Select(k => k.Key).ToList();
        if (keys.Count == 0) { Line("it has no overrides: the global values apply"); AnyKey(); return; }
        var host = HostFacts.Current();
        await ApplyAsync(settings, [index], () =>
        {
            var last = settings;
            foreach (var k in keys) last = ConduitSettings.SetValue(_paths.SettingsFile, k, "", index, host);
            return last;
        }, $"container {index}: {Pages.Overrides(settings, index)} -> (the global values)");
    }

    /// <summary>Shows the change and what it recreates, asks, saves, then recreates the affected nodes through
    /// the start path (the spec-hash decision of `conduit restart`: a node whose spec did not change is left as
    /// it is, so the others keep their clients).</summary>
    async Task ApplyAsync(ConduitSettings before, int[] affected, Func<ConduitSettings> save, string change)
    {
        Line("");
        Line(Styled(change, "1"));
        var names = ClusterNamesFor(before);
        Line(affected.Length == 0 ? "No container needs to be recreated."
            : $"Must be recreated: {string.Join(", ", affected.Select(names.Container))} (the others keep running).");
        if (!Confirm(affected.Length == 0 ? "Save?" : "Save and recreate them now?")) { Line("nothing changed"); AnyKey(); return; }
        var saved = save();
        Line($"saved to {saved.File.Path}");
        if (affected.Length > 0)
            await ClusterAsync("", null, (ops, ct) => ops.StartNodesAsync(affected, restart: false, ct), pull: true, wait: false);
        AnyKey();
    }

    static string Target(SettingDefinition def, int? container) => container is int n ? $"{def.Key} for container {n}" : def.Key;

    static string Current(ConduitSettings settings, SettingDefinition def, int? container)
    {
        if (container is int n && settings.Overrides.TryGetValue((def.Key, n), out var own) && own.Length > 0) return own;
        var global = settings[def.Key];
        return container is null ? global : $"{global} (the global value)";
    }

    // ---------------- tools ----------------

    async Task HealthAsync()
    {
        Begin("Health check");
        var settings = Settings();
        var rows = await new HealthRunner(_paths, settings, new AlertLogNotifier(_paths)).RunAsync(false, Ct);
        PrintHealth(rows);
        if (rows.Exists(r => r.Level != HealthLevel.Ok) && Confirm("Repair what is down (health --repair)?"))
            PrintHealth(await new HealthRunner(_paths, settings, new AlertLogNotifier(_paths)).RunAsync(true, Ct));
        AnyKey();
    }

    void PrintHealth(List<HealthRow> rows)
    {
        var width = rows.Count == 0 ? 5 : rows.Max(r => r.Check.Length);
        foreach (var r in rows)
        {
            var label = r.Level switch { HealthLevel.Ok => "OK", HealthLevel.Warn => "WARN", HealthLevel.Fixed => "FIXED", _ => "FAIL" };
            var text = $"{r.Check.PadRight(width)}  {label,-5}  {SafeText.Escape(r.Detail)}";
            Line(r.Level switch { HealthLevel.Fail => Styled(text, "31"), HealthLevel.Warn => Styled(text, "33"), _ => text });
        }
    }

    Task TuningAsync() => LoopAsync(() => Task.FromResult(Pages.Tuning()), key => key switch
    {
        '1' => () => Tune("Kernel tuning: check", t => { var notes = new List<string>(); return (t.Check(notes), notes); }),
        '2' => () => Tune("Kernel tuning: apply", t => { var notes = new List<string>(); return (t.Apply(false, notes), notes); }, "Apply the sysctl values and open-file limits now?"),
        '3' => () =>
        {
            Begin("Kernel tuning: revert");
            if (Confirm("Restore the values and files that apply recorded?"))
                foreach (var l in new KernelTuning(_paths, "/proc/sys", KernelTuning.Select(null)).Revert(false)) Line(l);
            AnyKey();
            return Task.CompletedTask;
        },
        _ => null,
    });

    Task Tune(string title, Func<KernelTuning, (List<TuneRow> Rows, List<string> Notes)> run, string? confirm = null)
    {
        Begin(title);
        if (confirm is not null && !Confirm(confirm)) return Task.CompletedTask;
        var (rows, notes) = run(new KernelTuning(_paths, "/proc/sys", KernelTuning.Select(null)));
        var width = rows.Count == 0 ? 3 : rows.Max(r => r.Key.Length);
        Line($"{"KEY".PadRight(width)}  {"CURRENT",-14} {"WANTED",-14} STATUS");
        foreach (var r in rows)
            Line($"{r.Key.PadRight(width)}  {MenuPage.Fit(r.Current ?? "-", 14),-14} {MenuPage.Fit(r.Wanted, 14),-14} {r.Status.ToString().ToLowerInvariant()}{(r.Note.Length > 0 ? $" ({r.Note})" : "")}");
        foreach (var n in notes) Line(n);
        AnyKey();
        return Task.CompletedTask;
    }

    async Task VersionAsync()
    {
        Begin("Version");
        Line($"conduit {_version}");
        var settings = Settings();
        Line($"node image: {settings.Image}");
        try
        {
            var image = await DockerEngine.RunAsync(engine => engine.TryInspectImageAsync(settings.Image, Ct), Ct);
            Line(image is null ? "  not on this host yet (start or update pulls it)" : $"  {image.ID}");
        }
        catch (ConduitException e)
        {
            Line($"  Docker: {e.Message}");
        }
        AnyKey();
    }

    // ---------------- info ----------------

    Task InfoAsync() => LoopAsync(() => Task.FromResult(Pages.Info()), key =>
        InfoPages.All.Any(p => p.Key == key) ? () => { ShowText(InfoPages.All.First(p => p.Key == key)); return Task.CompletedTask; } : null);

    /// <summary>A text page: arrows/space scroll when it is longer than the window, any other key returns.</summary>
    void ShowText((char Key, string Title, string Text) page)
    {
        var top = 0;
        while (true)
        {
            var (columns, rows) = RawTerminal.Size();
            var body = MenuPage.Wrap(page.Text, Math.Min(columns, 100) - 1);
            var room = rows - 4;
            top = Math.Clamp(top, 0, Math.Max(body.Count - room, 0));
            Draw(MenuPage.RenderText(page.Title, body, columns, rows, top, _color, "any key returns · q quits"));
            var key = _t.ReadKey();
            switch (key.Kind)
            {
                case KeyKind.Down when top + room < body.Count: top++; continue;
                case KeyKind.Up when top > 0: top--; continue;
                case KeyKind.Char when key.Char == ' ' && top + room < body.Count: top += room; continue;
                case KeyKind.Char when key.Char is 'q' or 'Q': throw new QuitMenu();
            }
            return;
        }
    }
}
