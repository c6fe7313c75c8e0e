using Conduit.Tests.Support;

namespace Conduit.Tests.Cli;

public class SmokeTests
{
    [Fact]
    public void VersionPrintsTheVersion()
    {
        var r = ConduitProcess.Run(["--version"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", r.Stdout.Trim());
    }
}
