using System.Globalization;
using System.Net;
using System.Text;
using Conduit.Platform;
using Conduit.Settings;

namespace Conduit.Notify;

/// <summary>The TELEGRAM_* settings, typed. <see cref="Configured"/> when a token and a chat are set.</summary>
public sealed record TelegramConfig(
    bool Enabled, string Token, long? ChatId, int IntervalHours, int StartHour, bool AlertsEnabled,
    string Label, string ApiUrl, string? IpUrl, TimeSpan AlertCooldown)
{
    public bool Configured => Token.Length > 0 && ChatId is not null;

    public static TelegramConfig From(ConduitSettings s) => new(
        s["TELEGRAM_ENABLED"] == "true",
        s.IsSet("TELEGRAM_BOT_TOKEN") ? s["TELEGRAM_BOT_TOKEN"] : "",
        s.IsSet("TELEGRAM_CHAT_ID") ? long.Parse(s["TELEGRAM_CHAT_ID"], CultureInfo.InvariantCulture) : null,
        int.Parse(s["TELEGRAM_INTERVAL"], CultureInfo.InvariantCulture),
        int.Parse(s["TELEGRAM_START_HOUR"], CultureInfo.InvariantCulture),
        s["TELEGRAM_ALERTS_ENABLED"] == "true",
        s.IsSet("TELEGRAM_SERVER_LABEL") ? s["TELEGRAM_SERVER_LABEL"] : Environment.MachineName,
        s["TELEGRAM_API_URL"],
        s["TELEGRAM_IP_URL"] == SettingsSchema.NoLimit ? null : s["TELEGRAM_IP_URL"],
        TimeSpan.FromMinutes(int.Parse(s["TELEGRAM_ALERT_COOLDOWN"], CultureInfo.InvariantCulture)));

    /// <summary>"123456:AB…yz" style: enough to recognise, not enough to use.</summary>
    public static string Mask(string token) =>
        token.Length == 0 ? "(not set)" : token.IndexOf(':') is var c and > 0 ? $"{token[..c]}:***" : "***";

    public TelegramClient Client(TimeProvider? time = null) => new(ApiUrl, Token, time);
}

/// <summary>Text for parse_mode=HTML: every value goes through <see cref="Escape"/>.</summary>
public static class Html
{
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var sb = new StringBuilder(text.Length + 8);
        foreach (var ch in text)
            sb.Append(ch switch { '&' => "&amp;", '<' => "&lt;", '>' => "&gt;", '"' => "&quot;", _ => ch.ToString() });
        return sb.ToString();
    }

    public static string Bold(string text) => $"<b>{Escape(text)}</b>";
    public static string Code(string text) => $"<code>{Escape(text)}</code>";
}

/// <summary>
/// The public IP shown in every message's header: looked up once (TELEGRAM_IP_URL, 3 s) and cached in
/// state/public-ip for a day; absent when the lookup fails, which never fails a message.
/// </summary>
public static class PublicIp
{
    static readonly TimeSpan CacheFor = TimeSpan.FromDays(1);

    public static async Task<string?> GetAsync(ConduitPaths paths, string? url, CancellationToken ct)
    {
        var file = Path.Combine(paths.StateDir, "public-ip");
        try
        {
            if (File.Exists(file) && DateTime.UtcNow - File.GetLastWriteTimeUtc(file) < CacheFor
                && IPAddress.TryParse(File.ReadAllText(file).Trim(), out var cached))
                return cached.ToString();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        if (url is null) return null;
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
            var text = (await http.GetStringAsync(url, ct)).Trim();
            if (!IPAddress.TryParse(text, out var ip)) return null;
            try
            {
                Directory.CreateDirectory(paths.StateDir);
                AtomicFile.WriteAllText(file, ip + "\n", AtomicFile.Public);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            return ip.ToString();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }
}

/// <summary>Sends messages to the configured chat, each starting with "[label | public IP]".</summary>
public sealed class TelegramSender(TelegramConfig config, TelegramClient client, ConduitPaths paths)
{
    string? _header;

    public TelegramConfig Config => config;
    public TelegramClient Client => client;
    long Chat => config.ChatId ?? throw new ConduitException("Telegram is not set up: run `conduit telegram setup`");

    public async Task<string> HeaderAsync(CancellationToken ct)
    {
        if (_header is not null) return _header;
        var ip = await PublicIp.GetAsync(paths, config.IpUrl, ct);
        return _header = ip is null ? $"[{Html.Escape(config.Label)}]" : $"[{Html.Escape(config.Label)} | {Html.Escape(ip)}]";
    }

    /// <param name="html">the body, already HTML (values escaped)</param>
    public async Task<TgMessage> SendAsync(string html, CancellationToken ct, TgInlineKeyboard? keyboard = null) =>
        await client.SendMessageAsync(Chat, $"{await HeaderAsync(ct)}\n{html}", keyboard, ct);

    public async Task EditAsync(long messageId, string html, CancellationToken ct) =>
        await client.EditMessageTextAsync(Chat, messageId, $"{await HeaderAsync(ct)}\n{html}", ct);
}
