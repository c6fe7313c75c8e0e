using Conduit.Host;
using Conduit.Host.Nginx;
using Conduit.Settings;

namespace Conduit.Cli;

/// <summary>The nginx L4 balancer in front of bridge-mode containers (NETWORK_MODE=bridge).</summary>
public sealed class NginxCommands
{
    /// <summary>Explains in two lines why host mode (the default) has no balancer.</summary>
    public static readonly string[] HostModeExplanation =
    [
        "NETWORK_MODE=host: no load balancer is used. A node takes each client on a fresh UDP port announced through Psiphon's broker, which already spreads clients, so an L4 balancer has no fixed port to forward to.",
        "Host networking also keeps nodes out of Docker's NAT, in the best NAT class for being matched with clients; `conduit settings set NETWORK_MODE bridge` switches to the nginx design.",
    ];

    /// <summary>Print the stream config the balancer would use (stdout; changes nothing).</summary>
    public void Generate()
    {
        var settings = Load();
        if (!settings.BridgeMode) Terminal.Warn("NETWORK_MODE is host: this config is only used in bridge mode");
        Console.Write(NginxBalancer.From(settings).StreamConfig());
    }

    /// <summary>Install the balancer config (stream.d/conduit.conf + include), test it with nginx -t, reload nginx.</summary>
    /// <param name="noReload">write and test only; do not reload or start nginx</param>
    public void Apply(bool noReload = false)
    {
        var settings = Load();
        if (!settings.BridgeMode)
            throw new UsageException("NETWORK_MODE is host, which uses no balancer (see `conduit nginx status`); set NETWORK_MODE=bridge first");
        foreach (var line in new NginxLayer(CliApp.Paths, settings).Apply(reload: !noReload)) Console.WriteLine(line);
    }

    /// <summary>Remove what `nginx apply` installed (its file, its nginx.conf edits) and reload nginx.</summary>
    /// <param name="noReload">restore the files only; do not reload nginx</param>
    public void Remove(bool noReload = false)
    {
        foreach (var line in new NginxLayer(CliApp.Paths, Load()).Remove(reload: !noReload)) Console.WriteLine(line);
    }

    /// <summary>Is the balancer installed, current and running? (In host mode: why there is none.)</summary>
    /// <param name="json">print JSON</param>
    public void Status(bool json = false)
    {
        var settings = Load();
        if (!settings.BridgeMode)
        {
            if (json) Terminal.WriteJson(w => { w.WriteStartObject(); w.WriteString("mode", "host"); w.WriteBoolean("balancer", false); w.WriteString("why", string.Join(' ', HostModeExplanation)); w.WriteEndObject(); });
            else foreach (var line in HostModeExplanation) Console.WriteLine(line);
            return;
        }
        var layer = new NginxLayer(CliApp.Paths, settings);
        var pid = layer.Host.RunningPid();
        var installed = InstalledState(layer);
        var b = layer.Balancer;
        if (json)
        {
            Terminal.WriteJson(w =>
            {
                w.WriteStartObject();
                w.WriteString("mode", "bridge");
                w.WriteBoolean("balancer", true);
                w.WriteBoolean("running", pid is not null);
                if (pid is int p) w.WriteNumber("pid", p); else w.WriteNull("pid");
                w.WriteString("config", installed);
                w.WriteString("config_file", layer.Host.StreamFile);
                w.WriteNumber("backends", b.Containers);
                w.WriteNumber("tcp_port", b.TcpPort);
                w.WriteString("udp_ports", $"{b.UdpLow}-{b.UdpHigh}");
                w.WriteEndObject();
            });
            return;
        }
        Console.WriteLine($"nginx:    {(pid is int q ? $"running (pid {q})" : "NOT running")}");
        Console.WriteLine($"config:   {layer.Host.StreamFile}: {installed}");
        Console.WriteLine($"balancer: {b.Containers} backend(s) 127.0.0.1:{b.BackendPort(1)}-{b.BackendPort(b.Containers)}, TCP {b.TcpPort}, UDP {b.UdpLow}-{b.UdpHigh}");
    }

    /// <summary>Check the stream module, `nginx -t`, and that the installed config matches the settings.</summary>
    public void Check()
    {
        var settings = Load();
        var layer = new NginxLayer(CliApp.Paths, settings);
        bool ok = true;
        Console.WriteLine($"nginx:         {layer.Host.Bin} {layer.Host.Version()}");
        var module = layer.Host.StreamModuleProblem();
        Console.WriteLine($"stream module: {module ?? "available"}");
        ok &= module is null;
        var test = layer.Host.Test();
        Console.WriteLine($"nginx -t:      {(test.Ok ? "ok" : "FAILED: " + NginxHost.Error(test))}");
        ok &= test.Ok;
        if (settings.BridgeMode)
        {
            var installed = InstalledState(layer);
            Console.WriteLine($"balancer:      {installed}");
            ok &= installed == "up to date";
        }
        else Console.WriteLine("balancer:      none (NETWORK_MODE=host)");
        if (!ok) Environment.ExitCode = ExitCodes.Failure;
    }

    static string InstalledState(NginxLayer layer)
    {
        if (!File.Exists(layer.Host.StreamFile)) return "not installed (run `conduit nginx apply`)";
        return File.ReadAllText(layer.Host.StreamFile) == layer.Balancer.StreamConfig()
            ? "up to date"
            : "differs from the settings (run `conduit nginx apply`)";
    }

    static ConduitSettings Load() => ConduitSettings.Load(CliApp.Paths.SettingsFile);
}
