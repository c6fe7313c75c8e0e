using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Conduit.Identity;
using Conduit.Tests.Support;

namespace Conduit.Tests.Identity;

/// <summary>
/// Three stand-in nodes on the real Docker engine, under a name no other test uses, removed afterwards (also on
/// failure). NODE_FLAGS=1 so the nodes publish no metrics port that parallel tests could collide on.
/// </summary>
public sealed class StandinCluster : IDisposable
{
    public const string Image = "conduit-standin:test";

    public StandinCluster()
    {
        Instance = $"idt{Guid.NewGuid():N}"[..15];
        Root = new TempRoot("conduit-identity");
        var inspect = Docker("image", "inspect", Image);
        if (inspect.ExitCode != 0)
            throw new InvalidOperationException($"{Image} is missing: build it with tests/standin/build.sh ({inspect.Stderr.Trim()})");
        Root.Write("opt/conduit/settings.conf",
            $"CONTAINER_NAME={Instance}\nCONDUIT_IMAGE={Image}\nCONTAINER_COUNT=3\nNODE_FLAGS=1\nSTATION_NAME=station\n");
        try
        {
            var start = Run("start");
            if (start.ExitCode != 0) throw new InvalidOperationException($"conduit start failed: {start}");
            for (int i = 1; i <= 3; i++) WaitForNodeStart(i, DateTime.MinValue);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Instance { get; }
    public TempRoot Root { get; }
    public string Home => Root.Combine("opt", "conduit");
    public string BackupsDir => Path.Combine(Home, "backups");

    /// <summary>Every output of conduit in this cluster except qr's, to prove no key ever reaches them.</summary>
    public StringBuilder Transcript { get; } = new();

    public string Container(int index) => index == 1 ? Instance : $"{Instance}-{index}";

    public RunResult Run(params string[] args) => RunWithInput(null, args);

    public RunResult RunWithInput(string? stdin, params string[] args)
    {
        var result = ConduitProcess.Run(args, new Dictionary<string, string?>
        {
            ["CONDUIT_SYSROOT"] = Root.Path,
            ["CONDUIT_HOME"] = Home,
        }, stdin);
        if (args[0] != "qr")
            lock (Transcript) Transcript.Append(result.Stdout).Append(result.Stderr);
        return result;
    }

    public string KeyPath(int index)
    {
        var volume = index == 1 ? $"{Instance}-data" : $"{Instance}-data-{index}";
        return Path.Combine(Docker("volume", "inspect", "--format", "{{.Mountpoint}}", volume).Stdout.Trim(), NodeKey.FileName);
    }

    public DateTime StartedAt(int index)
    {
        var r = Docker("inspect", "--format", "{{.State.Running}} {{.State.StartedAt}}", Container(index));
        var parts = r.Stdout.Trim().Split(' ');
        Assert.True(parts[0] == "true", $"{Container(index)} is not running: {r.Stdout}{r.Stderr}");
        return DateTime.Parse(parts[1], null, System.Globalization.DateTimeStyles.AdjustToUniversal);
    }

    /// <summary>Waits until node <paramref name="index"/> started after <paramref name="after"/> and passed its key check.</summary>
    public void WaitForNodeStart(int index, DateTime after)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var state = Docker("inspect", "--format", "{{.State.Running}} {{.State.StartedAt}}", Container(index)).Stdout.Trim().Split(' ');
            var startedAt = state[0] == "true" ? DateTime.Parse(state[1], null, System.Globalization.DateTimeStyles.AdjustToUniversal) : DateTime.MinValue;
            if (startedAt > after)
            {
                // The stand-in prints this line only after it has read (or replaced) its key. dockerd stamps StartedAt
                // after the process is running, so on a loaded machine the line can be stamped before it: look from
                // a second earlier (a previous run's line is older than that whenever `after` is a real start).
                var since = startedAt.AddSeconds(-1).ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", System.Globalization.CultureInfo.InvariantCulture);
                var logs = Docker("logs", "--since", since, Container(index));
                if (logs.Stdout.Contains("stand-in", StringComparison.Ordinal)) return;
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{Container(index)} did not start: {string.Join(' ', state)}");
            Thread.Sleep(100);
        }
    }

    public static RunResult Docker(params string[] args)
    {
        var psi = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"docker {string.Join(' ', args)} did not finish");
        }
        return new RunResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    public void Dispose()
    {
        var filter = $"label=io.conduit.instance={Instance}";
        var containers = Docker("ps", "-aq", "--filter", filter).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (containers.Length > 0) Docker(["rm", "-f", .. containers]);
        var volumes = Docker("volume", "ls", "-q", "--filter", filter).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (volumes.Length > 0) Docker(["volume", "rm", "-f", .. volumes]);
        Root.Dispose();
    }
}

public sealed class IdentityCommandTests(StandinCluster cluster) : IClassFixture<StandinCluster>
{
    static NodeKey Key(string base64) => NodeKey.FromBase64(base64, "test");

    RunResult Import(int index, string base64)
    {
        var r = cluster.RunWithInput(base64 + "\n", "import-key", "--container", index.ToString(), "--yes");
        Assert.True(r.ExitCode == 0, r.ToString());
        cluster.WaitForNodeStart(index, DateTime.MinValue);
        return r;
    }

    void AssertNoSecret(string text, params string[] keys)
    {
        foreach (var key in keys)
        {
            Assert.DoesNotContain(key[..24], text);
            Assert.DoesNotContain(key[^24..], text);
        }
    }

    [Fact]
    public void BackupCorruptRestoreBringsBackTheOriginalIdentityAndLeavesOtherNodesRunning()
    {
        var original = TestKeys.NewKeyBase64();
        var imported = Import(2, original);
        Assert.Contains($"proxy ID: {Key(original).ProxyId}", imported.Stdout);
        var others = new[] { cluster.StartedAt(1), cluster.StartedAt(3) };

        var backup = cluster.Run("backup", "2");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        var file = backup.Stdout.Split('\n')[0].Split(" backed up to ")[1];
        Assert.Equal(File.ReadAllBytes(cluster.KeyPath(2)), File.ReadAllBytes(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal(KeyBackups.FolderMode, File.GetUnixFileMode(cluster.BackupsDir));
        Assert.Contains(Key(original).ProxyId, backup.Stdout);

        // A truncated key: the node would silently replace it, so id reports it and restore must fix it.
        var corrupt = "{\"privateKeyBase64\": \"" + original[..40];
        File.WriteAllText(cluster.KeyPath(2), corrupt);
        var broken = cluster.Run("id", "2");
        Assert.Equal(1, broken.ExitCode);
        Assert.Contains("not valid JSON", broken.Stderr);

        var before = cluster.StartedAt(2);
        var restore = cluster.Run("restore", file, "--container", "2", "--yes");
        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Contains($"proxy ID: {Key(original).ProxyId}", restore.Stdout);
        cluster.WaitForNodeStart(2, before);

        // The stand-in accepted the key (it replaces unparsable ones on start), so the node runs as before.
        Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(cluster.KeyPath(2)));
        var stat = StandinCluster.Docker("run", "--rm", "--user", "0", "-v", $"{cluster.Instance}-data-2:/d", "--entrypoint", "/bin/stat", StandinCluster.Image, "-c", "%u %a", "/d/conduit_key.json");
        Assert.Equal("1000 600", stat.Stdout.Trim());
        var id = cluster.Run("id", "2", "--json");
        Assert.True(id.ExitCode == 0, id.ToString());
        Assert.Contains($"\"proxy_id\": \"{Key(original).ProxyId}\"", id.Stdout); // literal, for grep users: no \u002B
        using (var doc = JsonDocument.Parse(id.Stdout))
            Assert.Equal(Key(original).ProxyId, doc.RootElement.GetProperty("containers")[0].GetProperty("proxy_id").GetString());

        // The corrupt file was kept apart as a pre-restore copy; the other nodes were never restarted.
        var kept = restore.Stdout.Split('\n')[0].Split("previous key kept in ")[1];
        Assert.Equal(corrupt, File.ReadAllText(kept));
        Assert.Equal(others, new[] { cluster.StartedAt(1), cluster.StartedAt(3) });

        AssertNoSecret(cluster.Transcript.ToString(), original);
        foreach (var path in Directory.EnumerateFiles(cluster.Home, "*", SearchOption.AllDirectories))
            if (!path.StartsWith(cluster.BackupsDir, StringComparison.Ordinal))
                AssertNoSecret(File.ReadAllText(path), original);
    }

    [Fact]
    public void EveryBackupCommandSucceedsTwiceInARowAlsoWhenTheNamesOfThisSecondAreTaken()
    {
        var a = TestKeys.NewKeyBase64();
        var b = TestKeys.NewKeyBase64();
        Import(1, a);
        var fileA = cluster.Root.Write("a_key.json", TestKeys.KeyFileJson(a));
        var fileB = cluster.Root.Write("b_key.json", TestKeys.KeyFileJson(b));
        // Names of the next seconds already hold other keys (two restores in one second, a clock set back).
        var now = DateTime.UtcNow;
        var decoy = Encoding.UTF8.GetBytes(TestKeys.KeyFileJson(TestKeys.NewKeyBase64()));
        KeyBackups.EnsureFolder(cluster.BackupsDir);
        for (var s = 0; s < 20; s++)
            foreach (var kind in new[] { BackupKind.Backup, BackupKind.PreRestore })
                File.WriteAllBytes(Path.Combine(cluster.BackupsDir, KeyBackups.FileName(cluster.Container(1), kind, now.AddSeconds(s))), decoy);

        foreach (var args in new[] { new[] { "backup", "1" }, ["backup", "1"], ["backup", "list"], ["backup", "list"],
                     ["restore", fileB, "--container", "1", "--yes"], ["restore", fileA, "--container", "1", "--yes"], ["restore", fileB, "--container", "1", "--yes"] })
        {
            var r = cluster.Run(args);
            Assert.True(r.ExitCode == 0, $"conduit {string.Join(' ', args)}: {r}");
        }
        cluster.WaitForNodeStart(1, DateTime.MinValue);
        Assert.Equal(Key(b).ProxyId, NodeKey.Load(cluster.KeyPath(1)).ProxyId);
        // Nothing overwritten: every decoy still holds its key, and both keys were kept before each restore.
        var files = Directory.GetFiles(cluster.BackupsDir, cluster.Container(1) + "_key_*.json");
        Assert.Equal(40, files.Count(f => File.ReadAllBytes(f).AsSpan().SequenceEqual(decoy)));
        var pre = files.Where(f => f.Contains("_pre_restore_", StringComparison.Ordinal) && !File.ReadAllBytes(f).AsSpan().SequenceEqual(decoy))
            .Select(f => NodeKey.Load(f).ProxyId).ToArray();
        Assert.Contains(Key(a).ProxyId, pre);
        Assert.Contains(Key(b).ProxyId, pre);
    }

    [Fact]
    public void AnInvalidBackupIsRefusedBeforeAnythingChanges()
    {
        var before = cluster.StartedAt(1);
        var keyBefore = File.ReadAllBytes(cluster.KeyPath(1));
        var bad = cluster.Root.Write("bad_key.json", TestKeys.KeyFileJson(TestKeys.PrivateKeyBase64[..60]));
        var r = cluster.Run("restore", bad, "--container", "1", "--yes");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"conduit: {bad}: privateKeyBase64 holds 45 bytes, expected 64 (a 32-byte seed and a 32-byte public key); truncated?\n", r.Stderr);
        var mismatched = cluster.Root.Write("mismatched_key.json", TestKeys.KeyFileJson(TestKeys.Base64Of(TestKeys.SeedHex, TestKeys.PublicKey2Hex)));
        r = cluster.Run("restore", mismatched, "--container", "1", "--yes");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("does not belong to its seed", r.Stderr);
        r = cluster.RunWithInput("not-a-key\n", "import-key", "--container", "1", "--yes");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("conduit: stdin: 9 characters, expected 86 (the privateKeyBase64 of conduit_key.json)\n", r.Stderr);
        Assert.Equal(before, cluster.StartedAt(1));
        Assert.Equal(keyBefore, File.ReadAllBytes(cluster.KeyPath(1)));
        Assert.False(Directory.Exists(cluster.BackupsDir) && Directory.GetFiles(cluster.BackupsDir, $"{cluster.Container(1)}_key_pre_restore_*").Length > 0);
    }

    [Fact]
    public void QrRefusesWithoutConfirmationAndOtherwiseShowsTheExactLink()
    {
        var key = TestKeys.NewKeyBase64();
        Import(3, key);

        var refused = cluster.Run("qr", "3");
        Assert.Equal(2, refused.ExitCode);
        Assert.Equal("", refused.Stdout);
        Assert.Contains("pass --yes", refused.Stderr);
        AssertNoSecret(refused.Stderr, key);

        var png = cluster.Root.Combine("claim-3.png");
        var shown = cluster.Run("qr", "3", "--yes", "--name", "my-relay", "--png", png);
        Assert.True(shown.ExitCode == 0, shown.ToString());
        var link = ClaimLink.For(Key(key), "my-relay");
        Assert.True(shown.Stdout.Contains(link, StringComparison.Ordinal), $"expected proxy ID {Key(key).ProxyId}, got: {shown.Stdout.Split('\n')[0]}\n{StandinCluster.Docker("logs", cluster.Container(3))}");
        Assert.Equal(link, ClaimLinkTests.ZbarImg(png));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(png));
        Assert.Contains("STATION_NAME_3=my-relay", File.ReadAllText(Path.Combine(cluster.Home, "settings.conf")));

        // Terminal form: the code in half blocks, the link under it; the saved station name is used from now on.
        var terminal = cluster.Run("qr", "3", "--yes");
        Assert.True(terminal.ExitCode == 0, terminal.ToString());
        Assert.Contains('▀', terminal.Stdout);
        Assert.Contains(link + "\n", terminal.Stdout);
        Assert.True(terminal.Stdout.IndexOf('▀') < terminal.Stdout.IndexOf(link, StringComparison.Ordinal));
    }

    [Fact]
    public void IdAndBackupCoverEveryNode()
    {
        var id = cluster.Run("id", "--all", "--json");
        Assert.True(id.ExitCode == 0, id.ToString());
        using var doc = JsonDocument.Parse(id.Stdout);
        var nodes = doc.RootElement.GetProperty("containers").EnumerateArray().ToArray();
        Assert.Equal([1, 2, 3], nodes.Select(n => n.GetProperty("container").GetInt32()));
        Assert.Equal([cluster.Container(1), cluster.Container(2), cluster.Container(3)], nodes.Select(n => n.GetProperty("name").GetString()));
        foreach (var n in nodes)
        {
            Assert.Equal("ok", n.GetProperty("status").GetString());
            Assert.Equal(43, n.GetProperty("proxy_id").GetString()!.Length);
            Assert.NotEqual(n.GetProperty("proxy_id").GetString(), n.GetProperty("node_id").GetString());
        }

        var backup = cluster.Run("backup", "--all");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        var list = cluster.Run("backup", "list", "--json");
        Assert.True(list.ExitCode == 0, list.ToString());
        using var listed = JsonDocument.Parse(list.Stdout);
        var backups = listed.RootElement.GetProperty("backups").EnumerateArray().ToArray();
        for (int i = 0; i < 3; i++)
        {
            var proxyId = nodes[i].GetProperty("proxy_id").GetString();
            Assert.Contains(backups, b => b.GetProperty("container").GetString() == cluster.Container(i + 1) && b.GetProperty("proxy_id").GetString() == proxyId);
            Assert.Contains(proxyId!, backup.Stdout);
        }
    }
}
