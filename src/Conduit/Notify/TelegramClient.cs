using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Conduit.Platform;

namespace Conduit.Notify;

/// <summary>A Bot API call failed. The message names the method and Telegram's description, never the URL or token.</summary>
public sealed class TelegramApiException(string method, string description, int? errorCode = null)
    : ConduitException($"Telegram API: {method}: {description}")
{
    public string Method { get; } = method;
    public int? ErrorCode { get; } = errorCode;
    /// <summary>A refusal Telegram will repeat (bad token, unknown chat), as opposed to the network or a 5xx.</summary>
    public bool Permanent => ErrorCode is 400 or 401 or 403 or 404;
}

/// <summary>
/// The small Bot API client conduit needs: JSON over HTTPS POST to &lt;base&gt;/bot&lt;token&gt;/&lt;method&gt;.
/// Messages to the chat are spaced at least <see cref="MessageSpacing"/> apart; a 429 waits its retry_after;
/// network errors and 5xx answers are retried with exponential backoff. The token is only ever part of the
/// request URI and is scrubbed from every error text.
/// </summary>
public sealed class TelegramClient : IDisposable
{
    public const string DefaultBaseUrl = "https://api.telegram.org";
    readonly HttpClient _http;
    readonly string _base;
    readonly string _token;
    readonly TimeProvider _time;
    readonly SemaphoreSlim _sendGate = new(1, 1);
    DateTimeOffset _lastSend = DateTimeOffset.MinValue;

    public TelegramClient(string baseUrl, string token, TimeProvider? time = null, HttpMessageHandler? handler = null)
    {
        if (!Uri.TryCreate(baseUrl.TrimEnd('/'), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new UsageException($"TELEGRAM_API_URL: '{SafeText.Excerpt(baseUrl)}' is not an http(s) URL");
        _base = uri.ToString().TrimEnd('/');
        _token = token;
        _time = time ?? TimeProvider.System;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) }) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>How far apart messages to the chat are (Telegram allows about one a second per chat).</summary>
    public TimeSpan MessageSpacing { get; init; } = TimeSpan.FromSeconds(1.1);
    /// <summary>Attempts per call for network errors, 5xx and 429 (getUpdates makes one: the bot's loop retries).</summary>
    public int Attempts { get; init; } = 5;
    public TimeSpan FirstBackoff { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>The longest retry_after honoured inside one call; beyond it the call fails (and the caller retries later).</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Called before every wait with what is waited for (logging); never sees the token.</summary>
    public Action<string>? OnRetry { get; init; }

    public Task<TgUser> GetMeAsync(CancellationToken ct) =>
        CallAsync("getMe", new TgEmptyRequest(), TelegramJson.Default.TgEmptyRequest, TelegramJson.Default.TgResponseTgUser, ct, Attempts);

    /// <summary>Long poll: waits up to <paramref name="timeoutSeconds"/> for updates at or after <paramref name="offset"/>.</summary>
    public Task<TgUpdate[]> GetUpdatesAsync(long? offset, int timeoutSeconds, CancellationToken ct) =>
        CallAsync("getUpdates", new TgGetUpdatesRequest { Offset = offset, Timeout = timeoutSeconds, AllowedUpdates = ["message", "callback_query"] },
            TelegramJson.Default.TgGetUpdatesRequest, TelegramJson.Default.TgResponseTgUpdateArray, ct, attempts: 1,
            requestTimeout: TimeSpan.FromSeconds(timeoutSeconds + 15));

    public Task<TgMessage> SendMessageAsync(long chatId, string html, TgInlineKeyboard? keyboard, CancellationToken ct) =>
        MessageAsync("sendMessage", new TgSendMessageRequest { ChatId = chatId, Text = html, ReplyMarkup = keyboard },
            TelegramJson.Default.TgSendMessageRequest, TelegramJson.Default.TgResponseTgMessage, ct);

    public Task EditMessageTextAsync(long chatId, long messageId, string html, CancellationToken ct) =>
        MessageAsync("editMessageText", new TgEditMessageTextRequest { ChatId = chatId, MessageId = messageId, Text = html },
            TelegramJson.Default.TgEditMessageTextRequest, TelegramJson.Default.TgResponseJsonElement, ct);

    public Task AnswerCallbackQueryAsync(string callbackQueryId, string? text, CancellationToken ct) =>
        CallAsync("answerCallbackQuery", new TgAnswerCallbackQueryRequest { CallbackQueryId = callbackQueryId, Text = text },
            TelegramJson.Default.TgAnswerCallbackQueryRequest, TelegramJson.Default.TgResponseBoolean, ct, Attempts);

    public Task DeleteMessageAsync(long chatId, long messageId, CancellationToken ct) =>
        CallAsync("deleteMessage", new TgDeleteMessageRequest { ChatId = chatId, MessageId = messageId },
            TelegramJson.Default.TgDeleteMessageRequest, TelegramJson.Default.TgResponseBoolean, ct, Attempts);

    public Task SetMyCommandsAsync(IEnumerable<TgBotCommand> commands, CancellationToken ct) =>
        CallAsync("setMyCommands", new TgSetMyCommandsRequest { Commands = [.. commands] },
            TelegramJson.Default.TgSetMyCommandsRequest, TelegramJson.Default.TgResponseBoolean, ct, Attempts);

    /// <summary>Calls that post to the chat: one at a time, spaced.</summary>
    async Task<TResult> MessageAsync<TRequest, TResult>(string method, TRequest body, JsonTypeInfo<TRequest> requestType,
        JsonTypeInfo<TgResponse<TResult>> responseType, CancellationToken ct)
    {
        await _sendGate.WaitAsync(ct);
        try
        {
            var wait = _lastSend + MessageSpacing - _time.GetUtcNow();
            if (wait > TimeSpan.Zero) await Task.Delay(wait, _time, ct);
            try
            {
                return await CallAsync(method, body, requestType, responseType, ct, Attempts);
            }
            finally
            {
                _lastSend = _time.GetUtcNow();
            }
        }
        finally
        {
            _sendGate.Release();
        }
    }

    async Task<TResult> CallAsync<TRequest, TResult>(string method, TRequest body, JsonTypeInfo<TRequest> requestType,
        JsonTypeInfo<TgResponse<TResult>> responseType, CancellationToken ct, int attempts, TimeSpan? requestTimeout = null)
    {
        var backoff = FirstBackoff;
        for (var attempt = 1; ; attempt++)
        {
            TimeSpan wait;
            string why;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(requestTimeout ?? TimeSpan.FromSeconds(30));
                using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, requestType));
                content.Headers.ContentType = new("application/json");
                using var response = await _http.PostAsync($"{_base}/bot{_token}/{method}", content, timeout.Token);
                var bytes = await response.Content.ReadAsByteArrayAsync(timeout.Token);
                TgResponse<TResult>? parsed = null;
                try { parsed = JsonSerializer.Deserialize(bytes, responseType); }
                catch (JsonException) { }
                if (parsed is { Ok: true, Result: { } result }) return result;
                var status = (int)response.StatusCode;
                var description = Scrub(parsed?.Description ?? $"HTTP {status} {response.ReasonPhrase}");
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    wait = TimeSpan.FromSeconds(Math.Max(1, parsed?.Parameters?.RetryAfter ?? 1));
                    if (wait > MaxRetryAfter || attempt >= attempts) throw new TelegramApiException(method, description, status);
                    why = $"{method}: rate limited by Telegram, retrying after {wait.TotalSeconds:0} s";
                }
                else if (status >= 500 && attempt < attempts)
                {
                    wait = backoff;
                    why = $"{method}: {description}; retrying in {wait.TotalSeconds:0} s";
                }
                else throw new TelegramApiException(method, description, parsed?.ErrorCode ?? status);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                var description = e is OperationCanceledException ? "no answer in time" : Scrub(DockerLikeMessage(e));
                if (attempt >= attempts) throw new TelegramApiException(method, description);
                wait = backoff;
                why = $"{method}: {description}; retrying in {wait.TotalSeconds:0} s";
            }
            OnRetry?.Invoke(why);
            await Task.Delay(wait, _time, ct);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromMinutes(1).Ticks));
        }
    }

    static string DockerLikeMessage(Exception e)
    {
        while (e.InnerException is not null && e is HttpRequestException) e = e.InnerException;
        return e.Message;
    }

    /// <summary>Error texts may quote the request (a proxy's page, a runtime message): never with the token.</summary>
    string Scrub(string text)
    {
        if (_token.Length > 0) text = text.Replace(_token, "***", StringComparison.Ordinal);
        var colon = _token.IndexOf(':');
        if (colon > 0 && colon + 1 < _token.Length) text = text.Replace(_token[(colon + 1)..], "***", StringComparison.Ordinal);
        return SafeText.Excerpt(text.ReplaceLineEndings(" "), 200);
    }

    public void Dispose()
    {
        _http.Dispose();
        _sendGate.Dispose();
    }
}
