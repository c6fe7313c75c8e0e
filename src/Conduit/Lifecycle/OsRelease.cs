namespace Conduit.Lifecycle;

/// <summary>The distribution, from /etc/os-release (ID and ID_LIKE decide the package manager).</summary>
public sealed record OsRelease(string Id, IReadOnlyList<string> IdLike, string PrettyName, string VersionId)
{
    public static OsRelease Read(string path)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (File.Exists(path))
        {
            foreach (var raw in File.ReadLines(path))
            {
                var line = raw.Trim();
                if (line.Length == 0 || line[0] == '#') continue;
                int eq = line.IndexOf('=');
                if (eq <= 0) continue;
                values[line[..eq]] = line[(eq + 1)..].Trim('"', '\'');
            }
        }
        return new OsRelease(
            values.GetValueOrDefault("ID", "linux"),
            values.GetValueOrDefault("ID_LIKE", "").Split(' ', StringSplitOptions.RemoveEmptyEntries),
            values.GetValueOrDefault("PRETTY_NAME", "Linux"),
            values.GetValueOrDefault("VERSION_ID", ""));
    }

    public bool Is(params string[] ids) => ids.Contains(Id) || IdLike.Any(ids.Contains);
}

/// <summary>How to install and start Docker with the distribution's own package manager.</summary>
public sealed record DockerInstallPlan(string PackageManager, IReadOnlyList<string[]> Commands)
{
    public static DockerInstallPlan For(OsRelease os, bool systemd)
    {
        if (os.Is("debian", "ubuntu", "raspbian", "linuxmint"))
            return new("apt", [
                ["apt-get", "update", "-qq"],
                ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "docker.io"],
                .. Start(systemd)]);
        if (os.Id == "fedora")
            return new("dnf", [["dnf", "install", "-y", "moby-engine"], .. Start(systemd)]);
        if (os.Is("rhel", "centos", "rocky", "almalinux", "amzn", "ol"))
        {
            // RHEL clones ship podman, not docker: Docker's own repository is the supported source there.
            return new("dnf", [
                ["dnf", "install", "-y", "dnf-plugins-core"],
                ["dnf", "config-manager", "--add-repo", "https://download.docker.com/linux/centos/docker-ce.repo"],
                ["dnf", "install", "-y", "docker-ce", "docker-ce-cli", "containerd.io"],
                .. Start(systemd)]);
        }
        if (os.Is("arch", "manjaro", "endeavouros"))
            return new("pacman", [["pacman", "-Sy", "--noconfirm", "--needed", "docker"], .. Start(systemd)]);
        if (os.Is("opensuse", "opensuse-leap", "opensuse-tumbleweed", "sles", "suse"))
            return new("zypper", [["zypper", "--non-interactive", "install", "docker"], .. Start(systemd)]);
        if (os.Is("alpine"))
            return new("apk", [
                ["apk", "add", "--no-cache", "docker"],
                ["rc-update", "add", "docker", "default"],
                ["service", "docker", "start"]]);
        throw new ConduitException(
            $"don't know how to install Docker on {os.PrettyName} ({os.Id}); install it by hand, then run `conduit install` again");
    }

    /// <summary>Without systemd (containers, minimal VMs) the caller starts dockerd itself.</summary>
    static IEnumerable<string[]> Start(bool systemd) => systemd ? [["systemctl", "enable", "--now", "docker"]] : [];
}
