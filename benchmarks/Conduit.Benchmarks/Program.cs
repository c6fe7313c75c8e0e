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
if (args.Length == 6 && args[0] == "send-udp")
    return UdpTools.Send(args[1].Split(','), args[2], int.Parse(args[3]), int.Parse(args[4]), double.Parse(args[5], System.Globalization.CultureInfo.InvariantCulture));
if (args.Length == 4 && args[0] == "sink-udp")
    return UdpTools.Sink(args[1], int.Parse(args[2]), double.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture));
if (args is ["guard"]) return AllocationGuard.Run();
if (args.Length > 0 && args[0] == "pieces") { Pieces.Run(); return 0; }
if (args.Length > 0 && args[0] == "quick")
{
    // A stopwatch loop for a first figure on a busy machine (BenchmarkDotNet gives the real ones).
    foreach (int ips in new[] { 1_000, 10_000, 100_000 })
    {
        var bench = new HotPathBenchmark { DistinctIps = ips };
        bench.Setup();
        // 600 rounds: the first ones run tier-0/OSR code; the best and the median of the last 300 come from the
        // tier-1 code BenchmarkDotNet measures.
        var rounds = new double[600];
        for (int round = 0; round < rounds.Length; round++)
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            bench.Packet();
            rounds[round] = sw.Elapsed.TotalNanoseconds / 65536;
        }
        var tier1 = rounds[300..];
        Array.Sort(tier1);
        Console.WriteLine($"hot path, {ips} distinct IPs: best {tier1[0]:0.0} ns/packet, median {tier1[tier1.Length / 2]:0.0}");
    }
    var parser = new ParserBenchmark();
    parser.Setup();
    var bestParse = double.MaxValue;
    for (int round = 0; round < 200; round++)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        parser.Parse();
        bestParse = Math.Min(bestParse, sw.Elapsed.TotalNanoseconds / 65536);
    }
    Console.WriteLine($"parser alone: best {bestParse:0.0} ns/packet");
    return 0;
}
BenchmarkSwitcher.FromAssembly(typeof(HotPathBenchmark).Assembly).Run(args);
return 0;
