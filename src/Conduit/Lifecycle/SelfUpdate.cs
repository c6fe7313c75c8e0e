using System.Diagnostics;
using System.Security.Cryptography;
using Conduit.Platform;

namespace Conduit.Lifecycle;

/// <summary>
/// Replaces the installed binary with a downloaded one, only after its SHA-256 matches the published checksum
/// and it answers --version; the previous binary is kept beside it for --rollback.
/// </summary>
public sealed class SelfUpdate(ConduitPaths paths, HttpClient http)
{
    public string Installed => Path.Combine(paths.BinDir, "conduit");
    public string Previous => Path.Combine(paths.BinDir, "conduit.previous");

    public sealed record Result(string Version, string Sha256);

    public async Task<Result> UpdateAsync(Uri binaryUrl, CancellationToken ct)
    {
        if (binaryUrl.Scheme is not ("https" or "http" or "file"))
            throw new UsageException($"--url must be an http(s) or file URL, got {binaryUrl.Scheme}:");
        var checksumUrl = new Uri(binaryUrl + ".sha256");
        var expected = ParseChecksum(await FetchTextAsync(checksumUrl, ct), checksumUrl);
        var bytes = await FetchBytesAsync(binaryUrl, ct);
        var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (actual != expected)
            throw new ConduitException($"checksum mismatch for {binaryUrl}: expected {expected}, got {actual}; nothing was changed");

        Directory.CreateDirectory(paths.BinDir);
        var candidate = Path.Combine(paths.BinDir, $".conduit.new.{Environment.ProcessId}");
        try
        {
            AtomicFile.WriteAllBytes(candidate, bytes, AtomicFile.Executable);
            var version = ProbeVersion(candidate)
                ?? throw new ConduitException($"the downloaded binary does not run `--version` here (wrong architecture?); nothing was changed");
            if (File.Exists(Installed))
                AtomicFile.Copy(Installed, Previous, AtomicFile.Executable);
            // rename(2) swaps the directory entry: a running conduit keeps its old inode (no "text file busy").
            File.Move(candidate, Installed, overwrite: true);
            return new Result(version, actual);
        }
        finally
        {
            if (File.Exists(candidate)) File.Delete(candidate);
        }
    }

    public string Rollback()
    {
        if (!File.Exists(Previous))
            throw new ConduitException($"no previous binary at {Previous} to roll back to");
        var version = ProbeVersion(Previous)
            ?? throw new ConduitException($"{Previous} does not run `--version`; not rolling back to it");
        var temp = Path.Combine(paths.BinDir, $".conduit.rollback.{Environment.ProcessId}");
        File.Copy(Previous, temp, overwrite: true);
        File.Move(temp, Installed, overwrite: true);
        File.Delete(Previous);
        return version;
    }

    /// <summary>Accepts "HEX" or sha256sum's "HEX  name" form.</summary>
    public static string ParseChecksum(string text, Uri source)
    {
        var token = text.Split([' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
        if (token.Length != 64 || !token.All(Uri.IsHexDigit))
            throw new ConduitException($"{source}: not a SHA-256 checksum file");
        return token.ToLowerInvariant();
    }

    static string? ProbeVersion(string binary)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(binary, "--version")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (p is null) return null;
            var output = p.StandardOutput.ReadToEndAsync();
            if (!p.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                p.Kill(entireProcessTree: true);
                return null;
            }
            var version = output.Result.Trim();
            return p.ExitCode == 0 && version.Length > 0 && char.IsAsciiDigit(version[0]) ? version : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    async Task<byte[]> FetchBytesAsync(Uri url, CancellationToken ct)
    {
        if (url.IsFile) return await File.ReadAllBytesAsync(url.LocalPath, ct);
        try
        {
            using var response = await http.GetAsync(url, ct);
            if (!response.IsSuccessStatusCode)
                throw new ConduitException($"{url}: HTTP {(int)response.StatusCode}; nothing was changed");
            return await response.Content.ReadAsByteArrayAsync(ct);
        }
        catch (HttpRequestException e)
        {
            throw new ConduitException($"{url}: {e.Message}; nothing was changed");
        }
    }

    async Task<string> FetchTextAsync(Uri url, CancellationToken ct) =>
        System.Text.Encoding.UTF8.GetString(await FetchBytesAsync(url, ct));
}
