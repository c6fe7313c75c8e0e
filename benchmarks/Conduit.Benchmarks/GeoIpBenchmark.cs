using BenchmarkDotNet.Attributes;
using Conduit.Tracking.Geo;
using Conduit.Tracking.Packets;

namespace Conduit.Benchmarks;

/// <summary>
/// Country lookups. Uncached = MaxMind.Db search (what happens once per new network); Cached = the network
/// cache in front of it (new address inside a network seen before). The pipeline's usual path is cheaper
/// still: a known address carries its country in the remote-IP table (see HotPathBenchmark).
/// </summary>
[MemoryDiagnoser]
public class GeoIpBenchmark
{
    const int Addresses = 4096;
    readonly IpKey[] _addresses = new IpKey[Addresses];
    CountryDatabase _db = null!;

    [GlobalSetup]
    public void Setup()
    {
        _db = CountryDatabase.OpenEmbedded();
        var rng = new Random(3);
        Span<byte> v6 = stackalloc byte[16];
        for (int i = 0; i < Addresses; i++)
        {
            if (i % 5 == 0)
            {
                rng.NextBytes(v6);
                v6[0] = 0x2a;
                _addresses[i] = IpKey.FromV6(v6);
            }
            else
            {
                _addresses[i] = IpKey.FromV4((uint)rng.Next(1, 224) << 24 | (uint)rng.Next(0, 1 << 24));
            }
        }
        foreach (var a in _addresses) _db.Resolve(a); // fill the cache
    }

    [Benchmark(OperationsPerInvoke = Addresses)]
    public int Uncached()
    {
        int sum = 0;
        foreach (var a in _addresses) sum += _db.LookupUncached(a, out _);
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Addresses)]
    public int Cached()
    {
        int sum = 0;
        foreach (var a in _addresses) sum += _db.Resolve(a);
        return sum;
    }
}
