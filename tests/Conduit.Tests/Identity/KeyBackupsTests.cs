using Conduit.Identity;
using Conduit.Platform;
using Conduit.Tests.Support;

namespace Conduit.Tests.Identity;

public class KeyBackupsTests
{
    static readonly DateTime When = new(2026, 2, 20, 14, 41, 4, DateTimeKind.Utc);

    [Theory]
    [InlineData("conduit-2_key_20260220_144104.json", "conduit-2", BackupKind.Backup)]
    [InlineData("conduit_key_20250101_000000.json", "conduit", BackupKind.Backup)]
    [InlineData("conduit_key_pre_restore_20250101_000000.json", "conduit", BackupKind.PreRestore)]
    [InlineData("conduit-2_key_pre_restore_20260220_144104.json", "conduit-2", BackupKind.PreRestore)]
    [InlineData("conduit-2_key_pre_restore_20260220_144104-3.json", "conduit-2", BackupKind.PreRestore)]
    [InlineData("conduit_key_20260220_144104-2.json", "conduit", BackupKind.Backup)]
    public void NamesOfThisToolAndTheOldOneAreRecognised(string name, string container, BackupKind kind)
    {
        Assert.True(KeyBackups.TryParseName(name, out var c, out var k, out var utc));
        Assert.Equal((container, kind), (c, k));
        Assert.Equal(DateTimeKind.Utc, utc.Kind);
    }

    [Theory]
    [InlineData("conduit_key.json")]
    [InlineData("notes.json")]
    [InlineData("conduit_key_2025_01.json")]
    [InlineData("conduit_key_20251301_000000.json")]
    [InlineData("conduit_key_20250101_000000.json.tmp")]
    public void OtherFilesAreNotBackups(string name) =>
        Assert.False(KeyBackups.TryParseName(name, out _, out _, out _));

    [Fact]
    public void WriteMakesAPrivateVerifiedFileInAPrivateFolder()
    {
        using var root = new TempRoot();
        var folder = root.Combine("backups");
        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var content = System.Text.Encoding.UTF8.GetBytes(TestKeys.KeyFileJson(TestKeys.PrivateKeyBase64 + "=="));
        var backup = KeyBackups.Write(folder, "conduit-2", BackupKind.Backup, content, When);
        Assert.Equal(Path.Combine(folder, "conduit-2_key_20260220_144104.json"), backup.Path);
        Assert.Equal(AtomicFile.Private, File.GetUnixFileMode(backup.Path));
        Assert.Equal(KeyBackups.FolderMode, File.GetUnixFileMode(folder));
        // The exact bytes are kept (padding, mnemonic, layout): a backup is the file the node had.
        Assert.Equal(content, File.ReadAllBytes(backup.Path));
        Assert.Equal(TestKeys.ProxyId, backup.Key!.ProxyId);
        Assert.Empty(Directory.GetFiles(folder, ".*"));
        // The same bytes in the same second are the same backup; other content must not overwrite it.
        Assert.Equal(backup.Path, KeyBackups.Write(folder, "conduit-2", BackupKind.Backup, content, When).Path);
        var other = System.Text.Encoding.UTF8.GetBytes(TestKeys.KeyFileJson(TestKeys.Key2Base64));
        var second = KeyBackups.Write(folder, "conduit-2", BackupKind.Backup, other, When);
        Assert.Equal(Path.Combine(folder, "conduit-2_key_20260220_144104-2.json"), second.Path);
        Assert.Equal(content, File.ReadAllBytes(backup.Path));
        Assert.Equal(other, File.ReadAllBytes(second.Path));
    }

    [Fact]
    public void BackupsInTheSameSecondOrAfterTheClockWentBackGetTheirOwnNames()
    {
        using var root = new TempRoot();
        var folder = root.Combine("backups");
        var keys = Enumerable.Range(0, 5).Select(_ => NodeKey.FromBase64(TestKeys.NewKeyBase64(), "test").ToFileBytes()).ToArray();
        var paths = keys.Select(k => KeyBackups.Write(folder, "conduit", BackupKind.PreRestore, k, When).Path).ToArray();
        Assert.Equal(5, paths.Distinct().Count());
        for (var i = 0; i < keys.Length; i++) Assert.Equal(keys[i], File.ReadAllBytes(paths[i]));
        // Every copy is listed as what it is, with the second it was taken.
        var list = KeyBackups.List(folder);
        Assert.Equal(5, list.Count);
        Assert.All(list, b => Assert.Equal((BackupKind.PreRestore, When, "conduit"), (b.Kind, b.TakenUtc, b.Container)));
        Assert.Equal(paths.Order(), list.Select(b => b.Path).Order());
        // The clock set back to an earlier backup's second: that backup stays as it was.
        var again = KeyBackups.Write(folder, "conduit", BackupKind.PreRestore, keys[0], When);
        Assert.Equal(paths[0], again.Path);
        Assert.Empty(Directory.GetFiles(folder, ".*"));
    }

    [Fact]
    public void ListShowsNewestFirstKeepsPreRestoreApartAndReportsBrokenFiles()
    {
        using var root = new TempRoot();
        var folder = root.Combine("backups");
        var key = NodeKey.FromBase64(TestKeys.PrivateKeyBase64, "vector").ToFileBytes();
        KeyBackups.Write(folder, "conduit-1", BackupKind.Backup, key, When);
        // A pre-restore copy keeps even an unreadable key: it was the node's file.
        var broken = KeyBackups.Write(folder, "conduit-1", BackupKind.PreRestore, "{\"privateKeyBase64\": \"abc"u8.ToArray(), When.AddHours(1));
        Assert.Null(broken.Key);
        root.Write("backups/conduit_key_20250101_000000.json", TestKeys.KeyFileJson(TestKeys.Key2Base64));
        root.Write("backups/conduit-3_key_20240101_000000.json", "{\"privateKeyBase64\": \"abc\"");
        root.Write("backups/readme.json", "{}");

        var list = KeyBackups.List(folder);
        Assert.Equal(
            ["conduit-1_key_pre_restore_20260220_154104.json", "conduit-1_key_20260220_144104.json", "conduit_key_20250101_000000.json", "conduit-3_key_20240101_000000.json"],
            list.Select(b => b.FileName));
        Assert.Equal([BackupKind.PreRestore, BackupKind.Backup, BackupKind.Backup, BackupKind.Backup], list.Select(b => b.Kind));
        Assert.Null(list[0].Key);
        Assert.Equal(TestKeys.ProxyId, list[1].Key!.ProxyId);
        Assert.Equal("conduit", list[2].Container);
        Assert.Null(list[3].Key);
        Assert.Contains("not valid JSON", list[3].Problem);
    }
}
