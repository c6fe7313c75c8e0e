using Conduit.Cluster;
using Conduit.Identity;
using Conduit.Personal;
using Conduit.Settings;
using ConsoleAppFramework;

namespace Conduit.Cli;

/// <summary>`conduit personal new|show|qr|set`: pairing personal clients with the nodes (a personal compartment).</summary>
public sealed class PersonalCommands
{
    /// <summary>Create a personal compartment (a new random ID), save it and recreate the running nodes with it.</summary>
    /// <param name="name">name shown to whoever pairs with the share token (default: COMPARTMENT_NAME or the host name)</param>
    /// <param name="clients">also set MAX_PERSONAL_CLIENTS (personal clients per node, 0-1000)</param>
    [Command("new")]
    public async Task New(string? name = null, [Integer] int? clients = null, CancellationToken ct = default)
    {
        var change = await DockerEngine.RunAsync(engine =>
            PersonalOperations.CreateAsync(engine, CliApp.Paths, name, clients, HostFacts.Current(), ct), ct);
        Report(change, "created");
    }

    /// <summary>Use an existing compartment: a 43-character ID or a share token; saved, running nodes recreated.</summary>
    /// <param name="idOrToken">-idOrToken, compartment ID or share token (from `conduit personal show` on another host, or the official CLI)</param>
    /// <param name="name">name in the share token (default: the token's own name, else COMPARTMENT_NAME or the host name)</param>
    /// <param name="clients">also set MAX_PERSONAL_CLIENTS (personal clients per node, 0-1000)</param>
    [Command("set")]
    public async Task Set([Argument, Verbatim] string idOrToken, string? name = null, [Integer] int? clients = null, CancellationToken ct = default)
    {
        PersonalOperations.Parse(idOrToken); // a bad ID or token is refused before Docker is asked anything
        var change = await DockerEngine.RunAsync(engine =>
            PersonalOperations.AdoptAsync(engine, CliApp.Paths, idOrToken, name, clients, HostFacts.Current(), ct), ct);
        Report(change, "set");
    }

    /// <summary>Show the personal compartment ID, its share token and the personal client limits.</summary>
    /// <param name="json">print JSON</param>
    [Command("show")]
    public void Show(bool json = false)
    {
        var state = PersonalOperations.State(ConduitSettings.Load(CliApp.Paths.SettingsFile));
        if (json)
        {
            Terminal.WriteJson(w =>
            {
                w.WriteStartObject();
                if (state.Id is null) w.WriteNull("id"); else w.WriteString("id", state.Id);
                w.WriteString("name", state.Name);
                if (state.Token is null) w.WriteNull("token"); else w.WriteString("token", state.Token);
                w.WriteNumber("max_personal_clients", state.MaxPersonalClients);
                w.WriteStartObject("max_personal_clients_per_node");
                foreach (var (node, n) in state.Overrides.OrderBy(o => o.Key)) w.WriteNumber(node.ToString(System.Globalization.CultureInfo.InvariantCulture), n);
                w.WriteEndObject();
                w.WriteEndObject();
            });
            return;
        }
        if (!state.Configured)
        {
            Console.WriteLine("no personal compartment: create one with `conduit personal new` (or `conduit personal set ID_OR_TOKEN`)");
            return;
        }
        Console.WriteLine($"Compartment ID: {state.Id}");
        Console.WriteLine($"Name:           {state.Name}");
        Console.WriteLine($"Personal clients per node: {Limits(state)}");
        Console.WriteLine("Share token (paste it into the Conduit app to pair):");
        Console.WriteLine(state.Token);
        Hint(state);
    }

    /// <summary>Show the share token as a QR code for the Conduit app to scan.</summary>
    /// <param name="png">write a PNG to this file instead of drawing in the terminal</param>
    [Command("qr")]
    public void Qr(string? png = null)
    {
        var state = PersonalOperations.State(ConduitSettings.Load(CliApp.Paths.SettingsFile));
        if (state.Token is null)
            throw new ConduitException("no personal compartment to show: create one with `conduit personal new`");
        var qr = new QrCode(state.Token);
        if (png is not null)
        {
            var full = Path.GetFullPath(png);
            AtomicFile.WriteAllBytes(full, qr.ToPng(), AtomicFile.Private);
            Console.WriteLine($"QR code of the share token written to {full}");
        }
        else
        {
            Console.Write(qr.ToTerminalText(Terminal.UseColor));
        }
        Console.WriteLine(state.Token);
    }

    static void Report(PersonalChange change, string verb)
    {
        var s = change.State;
        Console.WriteLine($"Personal compartment {verb}: {s.Id} (saved as COMPARTMENT_ID in {change.SettingsPath})");
        Console.WriteLine("Share token (paste it into the Conduit app to pair):");
        Console.WriteLine(s.Token);
        Hint(s);
        if (change.Nodes.Nodes.Count == 0) Console.WriteLine("no running node to recreate: nodes use it from their next start");
        else ClusterCommands.Print(change.Nodes, "recreated");
    }

    static void Hint(PersonalState s)
    {
        if (s.ClientsOff)
            Terminal.Warn("personal clients are off (MAX_PERSONAL_CLIENTS=0): set a limit with `conduit personal set ... --clients 10` or `conduit settings set MAX_PERSONAL_CLIENTS 10`, then `conduit restart`");
    }

    static string Limits(PersonalState s) =>
        s.Overrides.Count == 0 ? s.MaxPersonalClients.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : $"{s.MaxPersonalClients} ({string.Join(", ", s.Overrides.OrderBy(o => o.Key).Select(o => $"node {o.Key}: {o.Value}"))})";
}
