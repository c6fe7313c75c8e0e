using System.Globalization;
using Conduit.Cluster;
using Conduit.Platform;
using Conduit.Settings;

namespace Conduit.Personal;

/// <summary>The personal compartment as configured: ID, share-token name, token, and personal client limits.</summary>
public sealed record PersonalState(string? Id, string Name, string? Token, int MaxPersonalClients, IReadOnlyDictionary<int, int> Overrides)
{
    public bool Configured => Id is not null;

    /// <summary>True when no node would take personal clients (all limits 0).</summary>
    public bool ClientsOff => MaxPersonalClients == 0 && Overrides.Values.All(v => v == 0);
}

/// <summary>What changed: the new state and the nodes recreated with it.</summary>
public sealed record PersonalChange(PersonalState State, ClusterReport Nodes, string SettingsPath);

/// <summary>
/// Pairing personal clients: create or adopt a compartment, save it (COMPARTMENT_ID, COMPARTMENT_NAME and
/// optionally MAX_PERSONAL_CLIENTS) and recreate the node containers that exist with the smart restart
/// (<see cref="ClusterOperations.StartNodesAsync"/>). Nothing is written when the result would be refused.
/// </summary>
public static class PersonalOperations
{
    /// <summary>The token name when COMPARTMENT_NAME is empty: the host name, as the official CLI defaults it.</summary>
    public static string DefaultName => Environment.MachineName is { Length: > 0 } h ? h : "conduit";

    public static PersonalState State(ConduitSettings s)
    {
        var id = s.IsSet("COMPARTMENT_ID") ? s["COMPARTMENT_ID"] : null;
        var name = s.IsSet("COMPARTMENT_NAME") ? s["COMPARTMENT_NAME"] : DefaultName;
        var overrides = s.Overrides.Where(o => o.Key.Key == "MAX_PERSONAL_CLIENTS")
            .ToDictionary(o => o.Key.Container, o => int.Parse(o.Value, CultureInfo.InvariantCulture));
        return new PersonalState(id, name, id is null ? null : PersonalCompartment.Token(id, name),
            int.Parse(s["MAX_PERSONAL_CLIENTS"], CultureInfo.InvariantCulture), overrides);
    }

    /// <summary>`personal new`: a fresh random compartment.</summary>
    public static Task<PersonalChange> CreateAsync(DockerEngine engine, ConduitPaths paths, string? name, int? maxClients, HostFacts host, CancellationToken ct) =>
        ApplyAsync(engine, paths, PersonalCompartment.NewId(), name, maxClients, host, ct);

    /// <summary>`personal set`: an ID or a share token (whose name is kept unless <paramref name="name"/> is given).</summary>
    public static Task<PersonalChange> AdoptAsync(DockerEngine engine, ConduitPaths paths, string idOrToken, string? name, int? maxClients, HostFacts host, CancellationToken ct)
    {
        var pairing = Parse(idOrToken);
        return ApplyAsync(engine, paths, pairing.Id, name ?? (pairing.Name.Length > 0 ? pairing.Name : null), maxClients, host, ct);
    }

    /// <summary>Validates an ID or token as the node does; the one-line reason otherwise.</summary>
    public static PersonalPairing Parse(string idOrToken) =>
        PersonalCompartment.Normalize(idOrToken, out var problem) ?? throw new UsageException(problem!);

    static async Task<PersonalChange> ApplyAsync(DockerEngine engine, ConduitPaths paths, string id, string? name, int? maxClients, HostFacts host, CancellationToken ct)
    {
        if (name is not null && (name.Trim().Length == 0 || name.Length > 64 || name.Any(char.IsControl)))
            throw new UsageException("--name must be 1 to 64 characters without control characters");
        if (maxClients is < 0 or > 1000)
            throw new UsageException($"--clients must be from 0 to 1000, got {maxClients}");
        var file = SettingsFile.Load(paths.SettingsFile);
        ConduitSettings.FromFile(file, host); // refuse to rewrite a file that is already broken
        file.Set("COMPARTMENT_ID", id);
        if (name is not null) file.Set("COMPARTMENT_NAME", name);
        if (maxClients is int n) file.Set("MAX_PERSONAL_CLIENTS", n.ToString(CultureInfo.InvariantCulture));
        var updated = ConduitSettings.FromFile(file, host);

        var ops = new ClusterOperations(engine, updated, paths);
        var cli = await ops.ImageCliAsync(ct);
        var nodes = Enumerable.Range(1, updated.ContainerCount).ToArray();
        NodeOptions.EnsureValid(updated, cli, nodes);
        file.Save();

        // Recreate the running nodes; stopped ones pick the new flags up when started (their spec hash changed).
        var snapshot = await ops.SnapshotAsync(ct);
        var present = snapshot.Containers
            .Where(c => c.Index <= updated.ContainerCount && c.State == "running")
            .Select(c => c.Index).ToArray();
        var report = await ops.StartNodesAsync(present, restart: true, ct);
        return new PersonalChange(State(updated), report, paths.SettingsFile);
    }
}
