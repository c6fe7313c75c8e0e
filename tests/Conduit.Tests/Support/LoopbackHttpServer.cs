using System.Net;
using System.Net.Sockets;

namespace Conduit.Tests.Support;

/// <summary>A tiny HTTP server on 127.0.0.1 serving fixed byte payloads by path; stopped on dispose.</summary>
public sealed class LoopbackHttpServer : IDisposable
{
    readonly HttpListener _listener = new();
    readonly Dictionary<string, byte[]> _files = new(StringComparer.Ordinal);
    readonly Task _loop;

    public LoopbackHttpServer()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; }
    public string Url(string path) => $"http://127.0.0.1:{Port}/{path.TrimStart('/')}";

    public void Serve(string path, byte[] content)
    {
        lock (_files) _files["/" + path.TrimStart('/')] = content;
    }

    async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try { ctx = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
            byte[]? body;
            lock (_files) _files.TryGetValue(ctx.Request.Url!.AbsolutePath, out body);
            ctx.Response.StatusCode = body is null ? 404 : 200;
            if (body is not null) await ctx.Response.OutputStream.WriteAsync(body);
            ctx.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
