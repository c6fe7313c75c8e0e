using System.Diagnostics;

namespace Conduit.Tests.Personal;

/// <summary>
/// Two images of our own on top of conduit-standin:test whose `start --help` reads like the official 1.x and 2.x
/// CLIs (the shared stand-in's help names no flags). The 2.x one drops --compartment-id before running the
/// stand-in (which does not know it); --set and --max-personal-clients the stand-in accepts itself. Built once
/// per test class under random tags, removed (with their layers) afterwards.
/// </summary>
public sealed class StandinCliImages : IDisposable
{
    public StandinCliImages()
    {
        using (new Cluster.DockerSandbox()) { } // builds conduit-standin:test when missing
        var suffix = Guid.NewGuid().ToString("N")[..8];
        V1 = $"conduit-standin:cli1-{suffix}";
        V2 = $"conduit-standin:cli2-{suffix}";
        Build(V1, Help1);
        Build(V2, Help2);
    }

    public string V1 { get; }
    public string V2 { get; }

    const string Help1 = """
        Start the Conduit inproxy service to relay traffic for users in censored regions.

        Usage:
          conduit start [flags]

        Flags:
          -b, --bandwidth float        total bandwidth limit in Mbps (-1 for unlimited) (default 40)
          -h, --help                   help for start
          -m, --max-clients int        maximum number of proxy clients (1-1000) (default 50)
          -s, --stats-file string[="stats.json"]   persist stats to JSON file
        """;

    const string Help2 = """
        Start the Conduit inproxy service to relay traffic for users in censored regions.

        Usage:
          conduit start [flags]

        Flags:
          -b, --bandwidth float            total bandwidth limit in Mbps (-1 for unlimited) (default 40)
              --compartment-id string      personal compartment ID or share token
          -h, --help                       help for start
          -m, --max-common-clients int     maximum number of common proxy clients (0-1000) (default 50)
              --max-personal-clients int   maximum number of personal proxy clients (0-1000)
              --metrics-addr string        address for Prometheus metrics endpoint
              --set stringArray            override allowed config values (key=value), repeatable
        """;

    const string Wrapper = """
        #!/bin/sh
        for a do [ "$a" = --help ] && { cat /help.txt; exit 0; }; done
        skip=0
        for a do
          shift
          if [ $skip = 1 ]; then skip=0; continue; fi
          if [ "$a" = --compartment-id ]; then skip=1; continue; fi
          set -- "$@" "$a"
        done
        exec /bin/conduit "$@"
        """;

    static void Build(string tag, string help)
    {
        var dir = Directory.CreateTempSubdirectory("standin-cli-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "help.txt"), help + "\n");
            File.WriteAllText(Path.Combine(dir.FullName, "conduit"), Wrapper.Replace("\r", "") + "\n");
            File.WriteAllText(Path.Combine(dir.FullName, "Dockerfile"), $"""
                FROM {Cluster.DockerSandbox.StandinImage}
                COPY --chmod=755 conduit /bin/conduit-cli
                COPY help.txt /help.txt
                ENTRYPOINT ["/bin/conduit-cli"]
                """);
            Docker("build", "-q", "-t", tag, dir.FullName);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    static string Docker(params string[] args)
    {
        var psi = new ProcessStartInfo("/usr/bin/docker", args) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["DOCKER_BUILDKIT"] = "1";
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"docker {string.Join(' ', args)} failed: {err.Result}");
        return output;
    }

    public void Dispose()
    {
        try { Docker("rmi", V1, V2); }
        catch (InvalidOperationException) { }
    }
}
