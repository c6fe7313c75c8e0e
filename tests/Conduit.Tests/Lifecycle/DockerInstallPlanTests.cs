using Conduit.Lifecycle;
using Conduit.Tests.Support;

namespace Conduit.Tests.Lifecycle;

public class DockerInstallPlanTests
{
    static OsRelease Os(string content)
    {
        using var root = new TempRoot();
        return OsRelease.Read(root.Write("os-release", content));
    }

    static string Flat(DockerInstallPlan p) => string.Join(" && ", p.Commands.Select(c => string.Join(' ', c)));

    [Theory]
    [InlineData("ID=debian\nVERSION_ID=\"12\"\n", "apt", "apt-get update -qq && apt-get install -y -qq --no-install-recommends docker.io && systemctl enable --now docker")]
    [InlineData("ID=ubuntu\nID_LIKE=debian\n", "apt", "apt-get update -qq && apt-get install -y -qq --no-install-recommends docker.io && systemctl enable --now docker")]
    [InlineData("ID=fedora\n", "dnf", "dnf install -y moby-engine && systemctl enable --now docker")]
    [InlineData("ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n", "dnf", "dnf install -y dnf-plugins-core && dnf config-manager --add-repo https://download.docker.com/linux/centos/docker-ce.repo && dnf install -y docker-ce docker-ce-cli containerd.io && systemctl enable --now docker")]
    [InlineData("ID=arch\n", "pacman", "pacman -Sy --noconfirm --needed docker && systemctl enable --now docker")]
    [InlineData("ID=\"opensuse-leap\"\nID_LIKE=\"suse opensuse\"\n", "zypper", "zypper --non-interactive install docker && systemctl enable --now docker")]
    [InlineData("ID=alpine\n", "apk", "apk add --no-cache docker && rc-update add docker default && service docker start")]
    public void EachDistributionGetsItsOwnPackageManager(string osRelease, string manager, string commands)
    {
        var plan = DockerInstallPlan.For(Os(osRelease), systemd: true);
        Assert.Equal(manager, plan.PackageManager);
        Assert.Equal(commands, Flat(plan));
    }

    [Fact]
    public void WithoutSystemdNothingIsEnabled()
    {
        var plan = DockerInstallPlan.For(Os("ID=debian\n"), systemd: false);
        Assert.DoesNotContain(plan.Commands, c => c[0] == "systemctl");
    }

    [Fact]
    public void UnknownDistributionSaysWhatToDo()
    {
        var e = Assert.Throws<ConduitException>(() => DockerInstallPlan.For(Os("ID=plan9\nPRETTY_NAME=\"Plan 9\"\n"), systemd: true));
        Assert.Equal("don't know how to install Docker on Plan 9 (plan9); install it by hand, then run `conduit install` again", e.Message);
    }
}
