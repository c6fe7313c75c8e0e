using System.Security.Cryptography;
using System.Text;
using Conduit.Tests.Support;

namespace Conduit.Tests.Lifecycle;

/// <summary>`conduit self-update` against a loopback HTTP server, installing into a temporary root.</summary>
public class SelfUpdateTests
{
    static byte[] FakeBinary(string version) => Encoding.ASCII.GetBytes($"#!/bin/sh\necho {version}\n");

    static string Installed(TempRoot root) => root.Combine("usr", "local", "bin", "conduit");

    static void InstallOld(TempRoot root)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Installed(root))!);
        File.WriteAllBytes(Installed(root), FakeBinary("1.0.0"));
        File.SetUnixFileMode(Installed(root), (UnixFileMode)0b111_101_101);
    }

    static string Sha(byte[] b) => Convert.ToHexStringLower(SHA256.HashData(b));

    [Fact]
    public void VerifiedUpdateReplacesTheBinaryAndRollbackRestoresIt()
    {
        using var root = new TempRoot();
        using var server = new LoopbackHttpServer();
        InstallOld(root);
        var next = FakeBinary("9.9.9");
        server.Serve("conduit", next);
        server.Serve("conduit.sha256", Encoding.ASCII.GetBytes($"{Sha(next)}  conduit\n"));

        var r = ConduitProcess.RunIn(root, "self-update", "--url", server.Url("conduit"));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("installed 9.9.9", r.Stdout);
        Assert.Equal(next, File.ReadAllBytes(Installed(root)));
        Assert.Equal(FakeBinary("1.0.0"), File.ReadAllBytes(Installed(root) + ".previous"));

        var back = ConduitProcess.RunIn(root, "self-update", "--rollback");
        Assert.True(back.ExitCode == 0, back.ToString());
        Assert.Equal(FakeBinary("1.0.0"), File.ReadAllBytes(Installed(root)));
        Assert.False(File.Exists(Installed(root) + ".previous"));
    }

    [Fact]
    public void WrongChecksumLeavesTheInstalledBinaryUntouched()
    {
        using var root = new TempRoot();
        using var server = new LoopbackHttpServer();
        InstallOld(root);
        var next = FakeBinary("9.9.9");
        server.Serve("conduit", next);
        server.Serve("conduit.sha256", Encoding.ASCII.GetBytes(Sha(FakeBinary("tampered")) + "\n"));

        var r = ConduitProcess.RunIn(root, "self-update", "--url", server.Url("conduit"));
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("conduit: checksum mismatch", r.Stderr);
        Assert.Equal(FakeBinary("1.0.0"), File.ReadAllBytes(Installed(root)));
        Assert.Equal(["conduit"], Directory.GetFiles(Path.GetDirectoryName(Installed(root))!).Select(Path.GetFileName));
    }

    [Fact]
    public void ABinaryThatDoesNotRunLeavesTheInstalledOneUntouched()
    {
        using var root = new TempRoot();
        using var server = new LoopbackHttpServer();
        InstallOld(root);
        var broken = Encoding.ASCII.GetBytes("#!/bin/sh\nexit 3\n");
        server.Serve("conduit", broken);
        server.Serve("conduit.sha256", Encoding.ASCII.GetBytes(Sha(broken)));

        var r = ConduitProcess.RunIn(root, "self-update", "--url", server.Url("conduit"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("does not run `--version`", r.Stderr);
        Assert.Equal(FakeBinary("1.0.0"), File.ReadAllBytes(Installed(root)));
    }

    [Fact]
    public void MissingChecksumFileIsAnError()
    {
        using var root = new TempRoot();
        using var server = new LoopbackHttpServer();
        InstallOld(root);
        server.Serve("conduit", FakeBinary("9.9.9"));
        var r = ConduitProcess.RunIn(root, "self-update", "--url", server.Url("conduit"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("conduit.sha256: HTTP 404", r.Stderr);
        Assert.Equal(FakeBinary("1.0.0"), File.ReadAllBytes(Installed(root)));
    }

    [Fact]
    public void RollbackWithoutAPreviousBinaryFails()
    {
        using var root = new TempRoot();
        InstallOld(root);
        var r = ConduitProcess.RunIn(root, "self-update", "--rollback");
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("conduit: no previous binary", r.Stderr);
    }
}
