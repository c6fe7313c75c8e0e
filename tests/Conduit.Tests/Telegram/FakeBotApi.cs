using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Conduit.Tests.Telegram;

/// <summary>
/// A fake Telegram Bot API on 127.0.0.1: records every call (method, token in the path, JSON body), answers
/// getMe/sendMessage/... like Telegram, serves queued updates to getUpdates and queued errors (429 with
/// retry_after, 401) to any method.
/// </summary>
public sealed class FakeBotApi : IDisposable
{
    readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    readonly CancellationTokenSource _stop = new();
    readonly ConcurrentQueue<string> _updates = new();
    readonly ConcurrentDictionary<string, ConcurrentQueue<(int Status, string Body)>> _errors = new();
    long _messageId = 100;

    public FakeBotApi()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = Task.Run(ServeAsync);
    }

    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}";
    public ConcurrentQueue<(DateTime At, string Method, string Path, JsonElement Body)> Calls { get; } = new();

    public IEnumerable<JsonElement> Sent(string method = "sendMessage") => Calls.Where(c => c.Method == method).Select(c => c.Body);

    public void QueueUpdate(string json) => _updates.Enqueue(json);

    public void QueueError(string method, int status, string body) =>
        _errors.GetOrAdd(method, _ => new()).Enqueue((status, body));

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
            while (true)
            {
                var data = new List<byte>();
                var buffer = new byte[8192];
                int headerEnd;
                while ((headerEnd = IndexOf(data, "\r\n\r\n"u8.ToArray())) < 0)
                {
                    int n = await stream.ReadAsync(buffer, _stop.Token);
                    if (n == 0) return;
                    data.AddRange(buffer.AsSpan(0, n).ToArray());
                }
                var head = Encoding.ASCII.GetString(data.ToArray(), 0, headerEnd);
                var length = 0;
                foreach (var line in head.Split("\r\n"))
                    if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) length = int.Parse(line[15..].Trim());
                while (data.Count < headerEnd + 4 + length)
                {
                    int n = await stream.ReadAsync(buffer, _stop.Token);
                    if (n == 0) return;
                    data.AddRange(buffer.AsSpan(0, n).ToArray());
                }
                var body = Encoding.UTF8.GetString(data.ToArray(), headerEnd + 4, length);
                var path = head.Split(' ')[1];
                var method = path[(path.LastIndexOf('/') + 1)..];
                using var doc = JsonDocument.Parse(body.Length == 0 ? "{}" : body);
                Calls.Enqueue((DateTime.UtcNow, method, path, doc.RootElement.Clone()));
                var (status, answer) = await AnswerFor(method, doc.RootElement);
                var bytes = Encoding.UTF8.GetBytes(answer);
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {bytes.Length}\r\n\r\n"), _stop.Token);
                await stream.WriteAsync(bytes, _stop.Token);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException) { }
    }

    async Task<(int, string)> AnswerFor(string method, JsonElement body)
    {
        if (_errors.TryGetValue(method, out var q) && q.TryDequeue(out var error)) return error;
        switch (method)
        {
            case "getMe":
                return (200, """{"ok":true,"result":{"id":42,"is_bot":true,"first_name":"Test","username":"testbot"}}""");
            case "sendMessage":
                var id = Interlocked.Increment(ref _messageId);
                var chat = body.TryGetProperty("chat_id", out var c) ? c.GetInt64() : 0;
                return (200, "{\"ok\":true,\"result\":{\"message_id\":" + id + ",\"date\":0,\"chat\":{\"id\":" + chat + "}}}");
            case "getUpdates":
                for (var i = 0; i < 10 && _updates.IsEmpty; i++) await Task.Delay(100, _stop.Token);
                var list = new List<string>();
                while (_updates.TryDequeue(out var u)) list.Add(u);
                return (200, $"{{\"ok\":true,\"result\":[{string.Join(',', list)}]}}");
            default:
                return (200, """{"ok":true,"result":true}""");
        }
    }

    static int IndexOf(List<byte> data, byte[] pattern)
    {
        for (var i = 0; i + pattern.Length <= data.Count; i++)
        {
            var ok = true;
            for (var j = 0; j < pattern.Length && ok; j++) ok = data[i + j] == pattern[j];
            if (ok) return i;
        }
        return -1;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }
}

/// <summary>A clock tests move by hand; timers still run on the real clock.</summary>
public sealed class ShiftedClock : TimeProvider
{
    public TimeSpan Shift { get; set; }
    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Shift;
}
