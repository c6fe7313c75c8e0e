using BenchmarkDotNet.Running;
using Conduit.Benchmarks;

// `dotnet run -c Release -- [BenchmarkDotNet args]` runs the benchmarks (one class per hot operation);
// `dotnet run -c Release -- gen-pcap FILE PACKETS DISTINCT_IPS` writes the end-to-end replay input.
if (args.Length > 0 && args[0] == "gen-pcap")
{
    if (args.Length != 4 || !int.TryParse(args[2], out var packets) || !int.TryParse(args[3], out var ips))
    {
        Console.Error.WriteLine("usage: gen-pcap FILE PACKETS DISTINCT_IPS");
        return 2;
    }
    PcapGenerator.Write(args[1], packets, ips);
    return 0;
}
BenchmarkSwitcher.FromAssembly(typeof(HotPathBenchmark).Assembly).Run(args);
return 0;
