using System.Net;

namespace Conduit.NodeStats;

/// <summary>Fetches node metrics pages. One shared client: connections to 127.0.0.1 are cheap, timeouts short.</summary>
internal static class NodeScraper
{
    public static HttpClient CreateClient(TimeSpan timeout) => new(new SocketsHttpHandler
    {
        ConnectTimeout = timeout,
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    })
    { Timeout = timeout };

    /// <summary>The node's reading from its metrics endpoint, or null (with why) when it cannot be read.</summary>
    public static async Task<(NodeReading? Reading, string? Error)> ScrapeAsync(HttpClient http, string address, CancellationToken ct)
    {
        try
        {
            var text = await http.GetStringAsync($"http://{address}/metrics", ct).ConfigureAwait(false);
            return (NodeMetrics.Parse(text), null);
        }
        catch (HttpRequestException e)
        {
            return (null, e.StatusCode is { } code ? $"metrics answered HTTP {(int)code}" : "metrics endpoint not answering");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return (null, "metrics endpoint timed out");
        }
        catch (FormatException e)
        {
            return (null, $"metrics page malformed: {e.Message}");
        }
    }
}
