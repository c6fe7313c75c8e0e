using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Docker.DotNet;
using Docker.DotNet.Models;
using Version = System.Version;

namespace Conduit.Cluster;

/// <summary>
/// The one door to the Docker engine: finds the socket (DOCKER_HOST or /var/run/docker.sock), negotiates the API
/// version with the daemon (Debian's dockerd 20.10 speaks 1.41 at most; Docker 29 refuses anything below 1.44),
/// and turns "cannot connect" and API errors into one clear line for the user.
/// </summary>
public sealed class DockerEngine : IDisposable
{
    public const string DefaultEndpoint = "unix:///var/run/docker.sock";

    /// <summary>Newest API the client library was generated for; never ask the daemon for more.</summary>
    static readonly Version NewestClientApi = new(1, 52);

    DockerEngine(DockerClient client, Uri endpoint, Version apiVersion, string engineVersion)
    {
        Client = client;
        Endpoint = endpoint;
        ApiVersion = apiVersion;
        EngineVersion = engineVersion;
    }

    /// <summary>The Docker.DotNet client, pinned to <see cref="ApiVersion"/>.</summary>
    public DockerClient Client { get; }
    public Uri Endpoint { get; }
    public Version ApiVersion { get; }
    public string EngineVersion { get; }

    /// <summary>DOCKER_HOST when set, else the standard socket.</summary>
    public static Uri ResolveEndpoint(Func<string, string?> environment)
    {
        var host = environment("DOCKER_HOST");
        if (string.IsNullOrWhiteSpace(host)) return new Uri(DefaultEndpoint);
        if (!Uri.TryCreate(host.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("unix" or "tcp" or "http" or "https"))
            throw new UsageException($"DOCKER_HOST={host} is not an address conduit understands (unix:///path/docker.sock or tcp://host:port)");
        return uri;
    }

    public static Task<DockerEngine> ConnectAsync(CancellationToken ct) =>
        ConnectAsync(ResolveEndpoint(Environment.GetEnvironmentVariable), ct);

    public static async Task<DockerEngine> ConnectAsync(Uri endpoint, CancellationToken ct)
    {
        if (endpoint.Scheme == "unix" && !File.Exists(endpoint.LocalPath) && !Directory.Exists(endpoint.LocalPath))
            throw Unreachable(endpoint, $"no socket at {endpoint.LocalPath}: is Docker installed (apt-get install docker.io) and running (systemctl start docker)?");
        // Unversioned request: every daemon answers /version with the newest API it speaks.
        using var probe = Build(endpoint, null, TimeSpan.FromSeconds(15));
        VersionResponse version;
        try
        {
            version = await probe.System.GetVersionAsync(ct);
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or IOException or TimeoutException
                                      || (e is TaskCanceledException && !ct.IsCancellationRequested))
        {
            throw Unreachable(endpoint, Explain(endpoint, e));
        }
        catch (DockerApiException e)
        {
            throw new ConduitException($"Docker at {endpoint} answered /version with an error: {Message(e)}");
        }
        var api = Negotiate(version.APIVersion, version.MinAPIVersion);
        // Pulls stream for minutes; other calls are short. The library applies this per request.
        var client = Build(endpoint, api, TimeSpan.FromMinutes(30));
        return new DockerEngine(client, endpoint, api, version.Version ?? "?");
    }

    static DockerClient Build(Uri endpoint, Version? api, TimeSpan timeout)
    {
        var builder = new DockerClientBuilder().WithEndpoint(endpoint).WithTimeout(timeout);
        if (api is not null) builder = builder.WithApiVersion(api);
        return builder.Build();
    }

    /// <summary>The daemon's newest API, capped at what the client library knows.</summary>
    public static Version Negotiate(string? daemonApi, string? daemonMinApi)
    {
        if (!Version.TryParse(daemonApi, out var daemon))
            throw new ConduitException($"Docker reported an unreadable API version '{daemonApi}'");
        var chosen = daemon < NewestClientApi ? daemon : NewestClientApi;
        if (Version.TryParse(daemonMinApi, out var min) && chosen < min)
            throw new ConduitException($"Docker needs API {min} or newer, conduit speaks up to {NewestClientApi}: update conduit");
        return chosen;
    }

    static ConduitException Unreachable(Uri endpoint, string why) =>
        new($"cannot reach the Docker engine at {endpoint}: {why}");

    static string Explain(Uri endpoint, Exception e)
    {
        var socket = Find<SocketException>(e);
        var path = endpoint.Scheme == "unix" ? endpoint.LocalPath : endpoint.Authority;
        return socket?.SocketErrorCode switch
        {
            SocketError.AccessDenied => $"permission denied on {path}: run conduit as root or add your user to the docker group",
            SocketError.ConnectionRefused => $"nothing is listening on {path}: is the Docker daemon running (systemctl start docker)?",
            SocketError.AddressNotAvailable or SocketError.HostNotFound => $"{path} is not a live Docker socket: is the Docker daemon running (systemctl start docker)?",
            SocketError.TimedOut => $"{path} did not answer in time: is the Docker daemon healthy?",
            _ when Find<UnauthorizedAccessException>(e) is not null => $"permission denied on {path}: run conduit as root or add your user to the docker group",
            _ when e is TaskCanceledException or TimeoutException => $"{path} did not answer within 15 s: is the Docker daemon healthy?",
            _ => $"{Innermost(e).Message} (is the Docker daemon running?)",
        };
    }

    static T? Find<T>(Exception? e) where T : Exception
    {
        for (; e is not null; e = e.InnerException)
            if (e is T t) return t;
        return null;
    }

    public static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }

    /// <summary>The daemon's own message ({"message": "..."}), without the HTTP noise around it.</summary>
    public static string Message(DockerApiException e)
    {
        try
        {
            using var doc = JsonDocument.Parse(e.ResponseBody ?? "");
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("message", out var m) && m.GetString() is { Length: > 0 } text)
                return text.Trim();
        }
        catch (JsonException)
        {
        }
        var body = (e.ResponseBody ?? "").Trim();
        return body.Length > 0 ? body : $"HTTP {(int)e.StatusCode} {e.StatusCode}";
    }

    public static bool IsNotFound(DockerApiException e) => e.StatusCode == HttpStatusCode.NotFound;

    /// <summary>Runs <paramref name="work"/> against a connected engine; API errors become one CLI line (exit 1).</summary>
    public static async Task<T> RunAsync<T>(Func<DockerEngine, Task<T>> work, CancellationToken ct)
    {
        using var engine = await ConnectAsync(ct);
        try
        {
            return await work(engine);
        }
        catch (DockerApiException e)
        {
            throw new ConduitException($"Docker: {Message(e)}");
        }
        catch (HttpRequestException e)
        {
            throw new ConduitException($"lost the connection to Docker at {engine.Endpoint}: {Innermost(e).Message}");
        }
    }

    // ---- small typed helpers the cluster uses; anything else can use Client directly ----

    public async Task<ContainerInspectResponse?> TryInspectContainerAsync(string nameOrId, CancellationToken ct)
    {
        try
        {
            return await Client.Containers.InspectContainerAsync(nameOrId, ct);
        }
        catch (DockerApiException e) when (IsNotFound(e))
        {
            return null;
        }
    }

    public async Task<VolumeResponse?> TryInspectVolumeAsync(string name, CancellationToken ct)
    {
        try
        {
            return await Client.Volumes.InspectAsync(name, ct);
        }
        catch (DockerApiException e) when (IsNotFound(e))
        {
            return null;
        }
    }

    public async Task<NetworkResponse?> TryInspectNetworkAsync(string name, CancellationToken ct)
    {
        try
        {
            return await Client.Networks.InspectNetworkAsync(name, ct);
        }
        catch (DockerApiException e) when (IsNotFound(e))
        {
            return null;
        }
    }

    public async Task<ImageInspectResponse?> TryInspectImageAsync(string reference, CancellationToken ct)
    {
        try
        {
            return await Client.Images.InspectImageAsync(reference, ct);
        }
        catch (DockerApiException e) when (IsNotFound(e))
        {
            return null;
        }
    }

    public void Dispose() => Client.Dispose();
}
