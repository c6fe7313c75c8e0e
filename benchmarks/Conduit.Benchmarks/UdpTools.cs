using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Conduit.Benchmarks;

/// <summary>Paced UDP sender and a sink, for benchmarks/live-cpu.sh (run inside its namespaces).</summary>
static class UdpTools
{
    /// <summary>Sends 18-byte datagrams from each source in turn at <paramref name="rate"/> packets/s; prints the count.</summary>
    public static int Send(string[] sources, string target, int port, int rate, double seconds)
    {
        var sockets = sources.Select(source =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
            s.Connect(new IPEndPoint(IPAddress.Parse(target), port));
            return s;
        }).ToArray();
        var payload = new byte[18];
        long sent = 0, start = Stopwatch.GetTimestamp(), end = start + (long)(seconds * Stopwatch.Frequency);
        while (true)
        {
            long now = Stopwatch.GetTimestamp();
            if (now >= end) break;
            long due = (long)((now - start) / (double)Stopwatch.Frequency * rate);
            if (sent >= due) { Thread.SpinWait(50); continue; }
            for (long n = Math.Min(due - sent, 1000); n > 0; n--)
                sockets[sent++ % sockets.Length].Send(payload);
        }
        double elapsed = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;
        Console.WriteLine($"{sent} {elapsed:0.000}");
        foreach (var s in sockets) s.Dispose();
        return 0;
    }

    public static int Sink(string address, int port, double seconds)
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.ReceiveBufferSize = 1;
        s.Bind(new IPEndPoint(IPAddress.Parse(address), port));
        Thread.Sleep(TimeSpan.FromSeconds(seconds)); // holds the port open; datagrams are dropped at the socket
        return 0;
    }
}
