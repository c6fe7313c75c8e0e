using System.Globalization;
using Conduit.Platform;
using Conduit.Host.Services;
using Conduit.Settings;

namespace Conduit.Host.Nginx;

/// <summary>
/// The seam to the nginx program and its files: binary, nginx.conf, optional -p prefix (all from settings, so
/// tests run a private nginx), test/reload/start, whether it runs, whether the stream module is there.
/// </summary>
public sealed class NginxHost
{
    static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);
    readonly ConduitPaths _paths;
    string? _build;

    public NginxHost(ConduitPaths paths, ConduitSettings settings)
    {
        _paths = paths;
        Bin = settings["NGINX_BIN"];
        ConfPath = paths.OnHost(settings["NGINX_CONF"]);
        Prefix = settings.IsSet("NGINX_PREFIX") ? paths.OnHost(settings["NGINX_PREFIX"]) : null;
    }

    public string Bin { get; }
    public string ConfPath { get; }
    public string? Prefix { get; }
    public string ConfDir => Path.GetDirectoryName(ConfPath)!;
    public string StreamDir => Path.Combine(ConfDir, "stream.d");
    public string StreamFile => Path.Combine(StreamDir, "conduit.conf");

    /// <summary>The distribution's nginx under systemd is driven through systemctl; a private one directly.</summary>
    public bool UsesSystemd => ServiceManager.SystemdRunning && Prefix is null && _paths.SysRoot == "/";

    string[] Args(params string[] extra) =>
        Prefix is null ? [.. extra, "-c", ConfPath] : [.. extra, "-p", Prefix, "-c", ConfPath];

    public ProcessResult Test() => ProcessRunner.Run(Bin, Args("-t"), CommandTimeout);

    public ProcessResult Reload() => UsesSystemd
        ? ProcessRunner.Run("systemctl", ["reload-or-restart", "nginx"], CommandTimeout)
        : ProcessRunner.Run(Bin, Args("-s", "reload"), CommandTimeout);

    /// <summary>Starts nginx and waits until its master process is up (or says why not).</summary>
    public ProcessResult Start()
    {
        var result = UsesSystemd
            ? ProcessRunner.Run("systemctl", ["restart", "nginx"], CommandTimeout)
            : ProcessRunner.Run(Bin, Args(), CommandTimeout);
        if (!result.Ok) return result;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (RunningPid() is null)
        {
            if (DateTime.UtcNow > deadline) return result with { ExitCode = 1, Stderr = result.Stderr + "nginx started but wrote no pid file within 10 s\n" };
            Thread.Sleep(50);
        }
        return result;
    }

    /// <summary>nginx's own complaint ("[emerg] ... in FILE:LINE") rather than its closing "test failed" line.</summary>
    public static string Error(ProcessResult result)
    {
        foreach (var line in (result.Stderr + result.Stdout).Split('\n'))
        {
            var at = line.IndexOf("[emerg]", StringComparison.Ordinal);
            if (at < 0) at = line.IndexOf("[alert]", StringComparison.Ordinal);
            if (at >= 0) return line[at..].Trim();
        }
        return result.LastLine();
    }

    public ProcessResult Quit() => ProcessRunner.Run(Bin, Args("-s", "quit"), CommandTimeout);

    /// <summary>`nginx -V`: version and build options (printed on stderr).</summary>
    public string BuildInfo()
    {
        if (_build is not null) return _build;
        var r = ProcessRunner.Run(Bin, ["-V"], CommandTimeout);
        if (r.ExitCode == 127) throw new ConduitException($"nginx not found ({Bin}): install it with `apt-get install nginx libnginx-mod-stream`");
        return _build = r.Stderr + r.Stdout;
    }

    public string Version()
    {
        var first = BuildInfo().Split('\n')[0];
        var slash = first.IndexOf('/');
        return slash < 0 ? first.Trim() : first[(slash + 1)..].Trim();
    }

    string? BuildOption(string name)
    {
        var info = BuildInfo();
        var at = info.IndexOf($"--{name}=", StringComparison.Ordinal);
        if (at < 0) return null;
        var start = at + name.Length + 3;
        var end = info.IndexOfAny([' ', '\n'], start);
        return info[start..(end < 0 ? info.Length : end)];
    }

    string Resolve(string path) =>
        path.StartsWith('/') ? path : Path.Combine(Prefix ?? BuildOption("prefix") ?? "/usr/share/nginx", path);

    /// <summary>Where the running master writes its pid (the config's `pid`, else the build default).</summary>
    public string PidFile()
    {
        if (File.Exists(ConfPath))
        {
            var pid = NginxConfText.Parse(File.ReadAllText(ConfPath)).FirstOrDefault(d => d.Name == "pid" && d.Parent == "" && d.Args.Count == 1);
            if (pid is not null) return Resolve(pid.Args[0]);
        }
        return Resolve(BuildOption("pid-path") ?? "logs/nginx.pid");
    }

    /// <summary>The master's pid when nginx (for this config) is running.</summary>
    public int? RunningPid()
    {
        try
        {
            var text = File.ReadAllText(PidFile()).Trim();
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) return null;
            // "(nginx) S ..." — a zombie (Z) left for a non-reaping PID 1 is not a running nginx.
            var stat = $"/proc/{pid}/stat";
            if (!File.Exists(stat)) return null;
            var text2 = File.ReadAllText(stat);
            var close = text2.LastIndexOf(')');
            return text2.Contains("(nginx", StringComparison.Ordinal) && close > 0 && close + 2 < text2.Length && text2[close + 2] != 'Z' ? pid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>
    /// Null when the stream module is built in or loaded by the config (load_module, modules-enabled); else
    /// what to install.
    /// </summary>
    public string? StreamModuleProblem()
    {
        var info = BuildInfo();
        if (info.Contains("--with-stream ", StringComparison.Ordinal) || info.TrimEnd().EndsWith("--with-stream", StringComparison.Ordinal)) return null;
        if (!info.Contains("--with-stream=dynamic", StringComparison.Ordinal))
            return "this nginx is built without the stream module: install libnginx-mod-stream (Debian/Ubuntu) or an nginx with --with-stream";
        if (File.Exists(ConfPath) && LoadsStreamModule(ConfPath, depth: 0)) return null;
        return "nginx's stream module is not loaded: install libnginx-mod-stream (Debian/Ubuntu), which enables it in modules-enabled/";
    }

    bool LoadsStreamModule(string file, int depth)
    {
        var text = File.ReadAllText(file);
        foreach (var d in NginxConfText.Parse(text))
        {
            if (d.Parent != "" || d.Args.Count != 1) continue;
            if (d.Name == "load_module" && d.Args[0].Contains("ngx_stream_module", StringComparison.Ordinal)) return true;
            if (d.Name == "include" && depth < 3)
            {
                var pattern = d.Args[0].StartsWith('/') ? d.Args[0] : Path.Combine(ConfDir, d.Args[0]);
                foreach (var included in Glob(pattern))
                    if (LoadsStreamModule(included, depth + 1)) return true;
            }
        }
        return false;
    }

    /// <summary>nginx include globs are a folder plus a file pattern.</summary>
    static IEnumerable<string> Glob(string pattern)
    {
        var dir = Path.GetDirectoryName(pattern);
        var name = Path.GetFileName(pattern);
        if (dir is null || !Directory.Exists(dir)) return [];
        return Directory.GetFiles(dir, name).Order(StringComparer.Ordinal);
    }
}
