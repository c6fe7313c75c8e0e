using System.Net.Sockets;
using System.Text;
using Conduit.Tests.Cluster;
using Conduit.Tests.Support;

namespace Conduit.Tests.Faults;

/// <summary>
/// The Docker engine goes away in the middle of a command. The shared engine is not restarted (other tests use
/// it): conduit talks to it through a socket proxy of the test's own, which is cut right after a chosen request
/// went through, so the command loses Docker half-way. It must fail in one clear line, and the same command run
/// again must reach its goal with every node's key as it was.
/// </summary>
public sealed class DockerLostTests
{
    /// <summary>Forwards a unix socket to the real engine; after <c>cutAfter</c> has appeared in requests as often
    /// as asked, every connection is closed and no new one is accepted.</summary>
    sealed class CuttableProxy : IDisposable
    {
        readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        readonly List<Socket> _open = [];
        readonly byte[] _marker;
        int _seen, _times;
        volatile bool _cut;

        public CuttableProxy(string path, string cutAfter, int times)
        {
            _marker = Encoding.ASCII.GetBytes(cutAfter);
            _times = times;
            Path = path;
            _listener.Bind(new UnixDomainSocketEndPoint(path));
            _listener.Listen(16);
            _ = Task.Run(AcceptAsync);
        }

        public string Path { get; }
        public bool WasCut => _cut;

        async Task AcceptAsync()
        {
            while (!_cut)
            {
                Socket client;
                try { client = await _listener.AcceptAsync(); }
                catch (Exception e) when (e is SocketException or ObjectDisposedException) { return; }
                var engine = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await engine.ConnectAsync(new UnixDomainSocketEndPoint("/var/run/docker.sock"));
                lock (_open) { _open.Add(client); _open.Add(engine); }
                _ = Pump(client, engine, watch: true);
                _ = Pump(engine, client, watch: false);
            }
        }

        async Task Pump(Socket from, Socket to, bool watch)
        {
            var buffer = new byte[64 * 1024];
            try
            {
                while (!_cut)
                {
                    var n = await from.ReceiveAsync(buffer);
                    if (n == 0) break;
                    await to.SendAsync(buffer.AsMemory(0, n));
                    // A marker split over two reads is missed: requests are small and written in one piece.
                    if (watch && buffer.AsSpan(0, n).IndexOf(_marker) >= 0 && Interlocked.Increment(ref _seen) >= _times) Cut();
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
            try { to.Shutdown(SocketShutdown.Send); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        }

        public void Cut()
        {
            _cut = true;
            _listener.Dispose(); // the path stays: new connections are refused, as with a stopped daemon
            lock (_open) foreach (var s in _open) s.Dispose();
        }

        public void Dispose()
        {
            if (!_cut) Cut();
            File.Delete(Path);
        }
    }

    static RunResult Through(DockerSandbox box, CuttableProxy proxy, params string[] args) =>
        ConduitProcess.Run(args, new Dictionary<string, string?>
        {
            ["CONDUIT_SYSROOT"] = box.Root.Path,
            ["CONDUIT_HOME"] = box.Paths.Home,
            ["DOCKER_HOST"] = "unix://" + proxy.Path,
        });

    static async Task<byte[]?[]> KeysAsync(DockerSandbox box, int count)
    {
        var ops = box.Ops();
        var keys = new byte[]?[count];
        for (var i = 1; i <= count; i++)
        {
            var index = i;
            await DockerSandbox.WaitUntil(async () => (keys[index - 1] = (await ops.Data.ReadKeyAsync(index, default)).Content) is not null, $"node {index} to write its key");
        }
        return keys;
    }

    static void AssertLostInOneLine(RunResult r, CuttableProxy proxy)
    {
        Assert.True(proxy.WasCut, "the proxy was never cut: the command did not send the request the test waits for");
        Assert.True(r.ExitCode == 1, r.ToString());
        var line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("conduit: ", line);
        Assert.Contains(proxy.Path, line); // says which Docker it lost
        Assert.DoesNotContain("internal error", line);
    }

    [Theory]
    [InlineData("/containers/create", 1)] // the first new node is created, not started
    [InlineData("/start", 2)]             // one new node runs, the other is created only
    public async Task Scale_that_loses_Docker_halfway_fails_clearly_and_the_rerun_reaches_the_count_with_the_same_keys(string cutAfter, int times)
    {
        using var box = new DockerSandbox();
        Assert.False((await box.Ops().ScaleAsync(2, false, Conduit.Settings.HostFacts.Current(), default)).Failed);
        var keys = await KeysAsync(box, 2);

        using (var proxy = new CuttableProxy(box.Root.Combine("docker.sock"), cutAfter, times))
            AssertLostInOneLine(Through(box, proxy, "scale", "4"), proxy);

        var again = box.Conduit("scale", "4");
        Assert.True(again.ExitCode == 0, again.ToString());
        for (var i = 1; i <= 4; i++) Assert.True(box.Inspect(box.Names.Container(i))?.State?.Running == true, $"node {i} runs");
        Assert.Equal(keys, (await KeysAsync(box, 4))[..2]);
    }

    [Fact]
    public async Task Restart_that_loses_Docker_halfway_fails_clearly_and_the_rerun_restarts_every_node_with_its_key()
    {
        using var box = new DockerSandbox();
        Assert.False((await box.Ops().ScaleAsync(3, false, Conduit.Settings.HostFacts.Current(), default)).Failed);
        var keys = await KeysAsync(box, 3);

        using (var proxy = new CuttableProxy(box.Root.Combine("docker.sock"), "/restart", 1))
            AssertLostInOneLine(Through(box, proxy, "restart"), proxy);

        var again = box.Conduit("restart");
        Assert.True(again.ExitCode == 0, again.ToString());
        for (var i = 1; i <= 3; i++) Assert.True(box.Inspect(box.Names.Container(i))?.State?.Running == true, $"node {i} runs");
        Assert.Equal(keys, await KeysAsync(box, 3));
    }
}
