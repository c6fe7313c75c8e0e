using System.Net;
using System.Net.Sockets;
using System.Text;
using Conduit.Platform;
using Conduit.Tracking.Model;
using Conduit.Tracking.Views;

namespace Conduit.Tracking.Service;

/// <summary>
/// A tiny HTTP/1.0 server for the latest snapshot: GET /metrics (Prometheus text) and GET /snapshot (JSON).
/// One request per connection, handled on one background thread: dashboards and Prometheus poll it rarely.
/// Plain sockets keep it AOT-clean and dependency-free.
/// </summary>
public sealed class StatusServer : IDisposable
{
    readonly TcpListener _listener;
    readonly Func<TrafficSnapshot?> _latest;
    readonly Thread _thread;
    volatile bool _stopping;

    StatusServer(TcpListener listener, Func<TrafficSnapshot?> latest)
    {
        _listener = listener;
        _latest = latest;
        _thread = new Thread(Serve) { Name = "status-http", IsBackground = true };
    }

    public IPEndPoint Endpoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>Parses HOST:PORT ([v6]:port for IPv6, `localhost`); throws FormatException naming the option. The
    /// endpoint serves every remote address the tracker saw: an address other hosts can reach is refused unless
    /// <paramref name="allowPublic"/> (the user said so with <paramref name="publicSwitch"/>).</summary>
    public static IPEndPoint ParseAddress(string text, string optionName, bool allowPublic = false, string publicSwitch = "--metrics-public")
    {
        if (!IpAddressText.TryParseEndpoint(text, out var endpoint))
            throw new FormatException($"{optionName}: '{text}' is not HOST:PORT with a port 1..65535 (e.g. 127.0.0.1:9479)");
        if (!allowPublic && !IPAddress.IsLoopback(endpoint.Address))
            throw new FormatException($"{optionName}: {text} is not a loopback address: it would publish per-IP traffic to every host " +
                $"that can reach it; use 127.0.0.1, or say so with {publicSwitch}");
        return endpoint;
    }

    public static StatusServer Start(IPEndPoint endpoint, Func<TrafficSnapshot?> latest)
    {
        var listener = new TcpListener(endpoint);
        try
        {
            listener.Start();
        }
        catch (SocketException e)
        {
            listener.Dispose();
            string why = e.SocketErrorCode switch
            {
                SocketError.AddressAlreadyInUse => "in use",
                SocketError.AddressNotAvailable => "not an address of this host",
                SocketError.AccessDenied => "permission denied",
                _ => e.Message,
            };
            throw new IOException($"cannot listen on {endpoint}: {why}");
        }
        var server = new StatusServer(listener, latest);
        server._thread.Start();
        return server;
    }

    void Serve()
    {
        while (!_stopping)
        {
            TcpClient client;
            try { client = _listener.AcceptTcpClient(); }
            catch (Exception) when (_stopping) { return; }
            catch (SocketException) { continue; }
            catch (ObjectDisposedException) { return; }
            try { Handle(client); }
            catch (Exception e) when (e is IOException or SocketException) { }
            finally { client.Dispose(); }
        }
    }

    void Handle(TcpClient client)
    {
        client.ReceiveTimeout = 2000;
        client.SendTimeout = 2000;
        var stream = client.GetStream();
        var buffer = new byte[2048];
        int read = 0;
        // Read the request head (we need only its first line).
        while (read < buffer.Length)
        {
            int n = stream.Read(buffer, read, buffer.Length - read);
            if (n == 0) break;
            read += n;
            if (buffer.AsSpan(0, read).IndexOf("\r\n\r\n"u8) >= 0 || buffer.AsSpan(0, read).IndexOf("\n\n"u8) >= 0) break;
        }
        var head = Encoding.ASCII.GetString(buffer, 0, read);
        var parts = head.Split(' ', 3);
        string path = parts.Length >= 2 ? parts[1] : "/";
        int q = path.IndexOf('?');
        if (q >= 0) path = path[..q];

        var snapshot = _latest();
        if (parts[0] != "GET") Respond(stream, 405, "text/plain", "only GET\n"u8.ToArray());
        else if (path is not ("/metrics" or "/snapshot" or "/")) Respond(stream, 404, "text/plain", "try /metrics or /snapshot\n"u8.ToArray());
        else if (snapshot is null) Respond(stream, 503, "text/plain", "no snapshot yet\n"u8.ToArray());
        else if (path == "/metrics") Respond(stream, 200, PrometheusText.ContentType, Encoding.UTF8.GetBytes(PrometheusText.Render(snapshot)));
        else Respond(stream, 200, "application/json", SnapshotJson.ToUtf8(snapshot));
    }

    static void Respond(NetworkStream stream, int status, string contentType, byte[] body)
    {
        string reason = status switch { 200 => "OK", 404 => "Not Found", 405 => "Method Not Allowed", _ => "Service Unavailable" };
        var head = $"HTTP/1.0 {status} {reason}\r\nContent-Type: {contentType}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
        stream.Write(Encoding.ASCII.GetBytes(head));
        stream.Write(body);
    }

    public void Dispose()
    {
        _stopping = true;
        _listener.Stop();
        _thread.Join(TimeSpan.FromSeconds(2));
    }
}
