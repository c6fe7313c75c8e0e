namespace Conduit.Host;

/// <summary>
/// The seed's sizing model: container count from RAM tiers, 88% of the cores and 75% of the RAM shared
/// between the containers, 250 clients each, and the network as the usual bottleneck.
/// </summary>
public sealed record CapacityPlan(
    double Cores,
    long MemoryBytes,
    int Containers,
    int ClientsPerContainer,
    double CpuPerContainer,
    long MemoryPerContainerMiB,
    double BandwidthMbpsPerClient,
    int LinkMbps)
{
    public const int DefaultClientsPerContainer = 250;

    public int TotalClients => Containers * ClientsPerContainer;
    public long TotalMemoryMiB => Containers * MemoryPerContainerMiB;
    public double TotalCpu => Math.Round(Containers * CpuPerContainer, 2);
    public double NetworkDemandMbps => TotalClients * BandwidthMbpsPerClient;
    public int SustainedMbpsLow => (int)(LinkMbps * 0.6);
    public int SustainedMbpsHigh => (int)(LinkMbps * 0.8);
    public int SustainedUsersLow => BandwidthMbpsPerClient <= 0 ? TotalClients : Math.Min(TotalClients, (int)(SustainedMbpsLow / BandwidthMbpsPerClient));
    public int SustainedUsersHigh => BandwidthMbpsPerClient <= 0 ? TotalClients : Math.Min(TotalClients, (int)(SustainedMbpsHigh / BandwidthMbpsPerClient));
    public string Bottleneck => NetworkDemandMbps > LinkMbps ? "network" : "cpu/memory";

    /// <summary>Psiphon's guidance: 150-350 concurrent users per 1 CPU and 2 GB RAM.</summary>
    public int GuidanceUnits => Math.Max(1, (int)Math.Floor(Math.Min(Cores, MemoryBytes / (double)(2L << 30))));
    public int GuidanceUsersLow => GuidanceUnits * 150;
    public int GuidanceUsersHigh => GuidanceUnits * 350;

    public string MemoryPerContainerText => $"{MemoryPerContainerMiB}m";

    public static CapacityPlan For(double cores, long memoryBytes, double bandwidthMbps = 3, int linkMbps = 1000)
    {
        if (cores <= 0) throw new ArgumentOutOfRangeException(nameof(cores));
        if (memoryBytes <= 0) throw new ArgumentOutOfRangeException(nameof(memoryBytes));
        double gib = memoryBytes / (double)(1L << 30);
        int containers = gib < 3.5 ? 4 : gib < 7.5 ? 8 : gib < 15 ? 16 : 32;
        // Below ~0.1 core a node cannot keep up with its clients: fewer, larger containers then.
        containers = Math.Max(1, Math.Min(containers, (int)Math.Floor(cores * 0.88 / 0.1)));
        return new CapacityPlan(cores, memoryBytes, containers, DefaultClientsPerContainer, 0, 0, bandwidthMbps, linkMbps).WithContainers(containers);
    }

    /// <summary>The same machine shared by <paramref name="containers"/> nodes (the user chose another count):
    /// the CPU and RAM shares follow the count.</summary>
    public CapacityPlan WithContainers(int containers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(containers, 1);
        return this with
        {
            Containers = containers,
            CpuPerContainer = Math.Floor(0.88 * Cores / containers * 100) / 100,
            MemoryPerContainerMiB = (long)Math.Floor(0.75 * (MemoryBytes >> 20) / containers),
        };
    }
}
