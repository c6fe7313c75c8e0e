using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Conduit.Tests.Support;

/// <summary>
/// A tiny HTTP/1.1 server on 127.0.0.1 serving fixed byte payloads by path (one request per connection); stopped
/// on dispose. A plain socket bound to port 0: HttpListener re-binds its port while closing, which failed with
/// "address already in use" once another test had taken that port.
/// </summary>
public sealed class LoopbackHttpServer : IDisposable
{
    readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    readonly Dictionary<string, byte[]> _files = new(StringComparer.Ordinal);
    readonly CancellationTokenSource _stop = new();
    readonly Task _loop;

    public LoopbackHttpServer()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
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
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener.AcceptSocketAsync(_stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException) { return; }
            _ = Task.Run(() => AnswerAsync(client));
        }
    }

    async Task AnswerAsync(Socket client)
    {
        using var stream = new NetworkStream(client, ownsSocket: true);
        try
        {
            // The request line and headers, up to the blank line (GET only: there is no body to read).
            var head = new StringBuilder();
            var buffer = new byte[4096];
            while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                int n = await stream.ReadAsync(buffer, _stop.Token);
                if (n == 0) return;
                head.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }
            var target = head.ToString().Split(' ', 3) is [_, var t, _] ? t : "/";
            var path = target.Split('?')[0];
            byte[]? body;
            lock (_files) _files.TryGetValue(path, out body);
            var status = body is null ? "404 Not Found" : "200 OK";
            body ??= [];
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"), _stop.Token);
            await stream.WriteAsync(body, _stop.Token);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException) { }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        _stop.Dispose();
    }
}
