namespace Conduit.Tests.Support;

/// <summary>A temporary folder that stands in for / or /opt/conduit; removed when the test ends.</summary>
public sealed class TempRoot : IDisposable
{
    /// <param name="parent">where to make it (default the temp folder; a unit sandbox with PrivateTmp= needs another)</param>
    public TempRoot(string prefix = "conduit-test", string? parent = null)
    {
        Path = System.IO.Path.Combine(parent ?? System.IO.Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public string Write(string relative, string content)
    {
        var full = Combine(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return full;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (DirectoryNotFoundException) { }
    }
}
