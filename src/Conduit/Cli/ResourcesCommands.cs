using System.Globalization;
using Conduit.Host;
using Conduit.Settings;
using ConsoleAppFramework;

namespace Conduit.Cli;

public sealed class ResourcesCommands
{
    /// <summary>Recommend container count and limits for this machine (or for another: --cpus/--memory).</summary>
    /// <param name="json">print JSON</param>
    /// <param name="cpus">plan for this many CPU cores instead of this machine's</param>
    /// <param name="memory">plan for this much RAM (e.g. 4G) instead of this machine's</param>
    /// <param name="linkMbps">uplink speed in Mbit/s for the network estimate</param>
    /// <param name="bandwidth">Mbps per client (default: BANDWIDTH from settings)</param>
    [Command("resources")]
    public void Resources(bool json = false, [Real] double? cpus = null, string? memory = null, [Integer] int linkMbps = 1000, [Real] double? bandwidth = null)
    {
        if (cpus is <= 0 or > 1024) throw new UsageException($"--cpus must be above 0 and at most 1024, got {cpus}");
        long memBytes;
        if (memory is null) memBytes = Platform.HostInfo.TotalMemoryBytes();
        else if (!SettingsSchema.TryParseMemory(memory, out memBytes) || memBytes < 256L << 20)
            throw new UsageException($"--memory: '{memory}' is not a size of at least 256M (e.g. 4G, 2048M)");
        if (linkMbps is < 1 or > 1_000_000) throw new UsageException($"--link-mbps must be 1..1000000, got {linkMbps}");
        double bw = bandwidth ?? ConduitSettings.Load(CliApp.Paths.SettingsFile).Bandwidth;
        if (bw != -1 && bw is < 1 or > 40) throw new UsageException($"--bandwidth must be -1 or 1..40, got {bw}");
        var plan = CapacityPlan.For(cpus ?? Environment.ProcessorCount, memBytes, bw == -1 ? 0 : bw, linkMbps);
        const string ipNote = "The network rate-limits clients per IP address: more containers on one IP do not add capacity linearly.";

        if (json)
        {
            Terminal.WriteJson(w =>
            {
                w.WriteStartObject();
                w.WriteNumber("cpus", plan.Cores);
                w.WriteNumber("memory_bytes", plan.MemoryBytes);
                w.WriteNumber("containers", plan.Containers);
                w.WriteNumber("clients_per_container", plan.ClientsPerContainer);
                w.WriteNumber("cpu_per_container", plan.CpuPerContainer);
                w.WriteString("memory_per_container", plan.MemoryPerContainerText);
                w.WriteNumber("memory_per_container_bytes", plan.MemoryPerContainerMiB << 20);
                w.WriteStartObject("capacity");
                w.WriteNumber("users", plan.TotalClients);
                w.WriteNumber("memory_mib", plan.TotalMemoryMiB);
                w.WriteNumber("cpu_cores", plan.TotalCpu);
                w.WriteNumber("bandwidth_mbps_per_client", plan.BandwidthMbpsPerClient);
                w.WriteNumber("network_demand_mbps", plan.NetworkDemandMbps);
                w.WriteNumber("link_mbps", plan.LinkMbps);
                w.WriteNumber("sustained_mbps_low", plan.SustainedMbpsLow);
                w.WriteNumber("sustained_mbps_high", plan.SustainedMbpsHigh);
                w.WriteNumber("sustained_users_low", plan.SustainedUsersLow);
                w.WriteNumber("sustained_users_high", plan.SustainedUsersHigh);
                w.WriteString("bottleneck", plan.Bottleneck);
                w.WriteEndObject();
                w.WriteStartObject("upstream_guidance");
                w.WriteNumber("users_low", plan.GuidanceUsersLow);
                w.WriteNumber("users_high", plan.GuidanceUsersHigh);
                w.WriteEndObject();
                w.WriteString("note", ipNote);
                w.WriteEndObject();
            });
            return;
        }
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"Machine:     {plan.Cores} CPU cores, {plan.MemoryBytes / (double)(1L << 30):0.0} GiB RAM"));
        Console.WriteLine(string.Create(inv, $"Recommended: {plan.Containers} containers x {plan.ClientsPerContainer} clients"));
        Console.WriteLine(string.Create(inv, $"Per container: CPU {plan.CpuPerContainer:0.00} (0.88 x cores / N), memory {plan.MemoryPerContainerText} (0.75 x RAM / N)"));
        Console.WriteLine();
        Console.WriteLine("Capacity model:");
        Console.WriteLine(string.Create(inv, $"  users    {plan.Containers} x {plan.ClientsPerContainer} = {plan.TotalClients} concurrent"));
        Console.WriteLine(string.Create(inv, $"  memory   {plan.Containers} x {plan.MemoryPerContainerText} = {plan.TotalMemoryMiB} MiB"));
        Console.WriteLine(string.Create(inv, $"  CPU      {plan.Containers} x {plan.CpuPerContainer:0.00} = {plan.TotalCpu:0.00} cores"));
        Console.WriteLine(string.Create(inv, $"  network  {plan.TotalClients} users x {plan.BandwidthMbpsPerClient} Mbps = {plan.NetworkDemandMbps / 1000:0.#} Gbps demand vs a {plan.LinkMbps} Mbps link ({plan.Bottleneck} bound)"));
        Console.WriteLine(string.Create(inv, $"  sustained ~{plan.SustainedMbpsLow}-{plan.SustainedMbpsHigh} Mbps -> ~{plan.SustainedUsersLow}-{plan.SustainedUsersHigh} active users"));
        Console.WriteLine(string.Create(inv, $"  Psiphon's guidance: 150-350 users per CPU and 2 GB -> {plan.GuidanceUsersLow}-{plan.GuidanceUsersHigh} users here"));
        Console.WriteLine();
        Console.WriteLine(ipNote);
    }
}
