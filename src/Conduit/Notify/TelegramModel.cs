using System.Text.Json.Serialization;

namespace Conduit.Notify;

// The few Bot API shapes conduit uses (https://core.telegram.org/bots/api), serialized by source generation so
// the AOT binary carries no reflection-based JSON. Names are the API's snake_case.

public sealed class TgResponse<T>
{
    public bool Ok { get; set; }
    public T? Result { get; set; }
    public string? Description { get; set; }
    public int? ErrorCode { get; set; }
    public TgResponseParameters? Parameters { get; set; }
}

public sealed class TgResponseParameters
{
    public int? RetryAfter { get; set; }
}

public sealed class TgUser
{
    public long Id { get; set; }
    public bool IsBot { get; set; }
    public string? FirstName { get; set; }
    public string? Username { get; set; }
}

public sealed class TgChat
{
    public long Id { get; set; }
    public string? Type { get; set; }
}

public sealed class TgMessage
{
    public long MessageId { get; set; }
    public long Date { get; set; }
    public TgChat? Chat { get; set; }
    public TgUser? From { get; set; }
    public string? Text { get; set; }
}

public sealed class TgCallbackQuery
{
    public string Id { get; set; } = "";
    public TgUser? From { get; set; }
    public TgMessage? Message { get; set; }
    public string? Data { get; set; }
}

public sealed class TgUpdate
{
    public long UpdateId { get; set; }
    public TgMessage? Message { get; set; }
    public TgCallbackQuery? CallbackQuery { get; set; }
}

public sealed class TgInlineButton
{
    public string Text { get; set; } = "";
    public string CallbackData { get; set; } = "";
}

public sealed class TgInlineKeyboard
{
    public TgInlineButton[][] InlineKeyboard { get; set; } = [];
}

public sealed class TgBotCommand
{
    public string Command { get; set; } = "";
    public string Description { get; set; } = "";
}

// ---- request bodies ----

public sealed class TgGetUpdatesRequest
{
    public long? Offset { get; set; }
    public int Timeout { get; set; }
    public string[]? AllowedUpdates { get; set; }
}

public sealed class TgSendMessageRequest
{
    public long ChatId { get; set; }
    public string Text { get; set; } = "";
    public string ParseMode { get; set; } = "HTML";
    public bool DisableWebPagePreview { get; set; } = true;
    public TgInlineKeyboard? ReplyMarkup { get; set; }
}

public sealed class TgEditMessageTextRequest
{
    public long ChatId { get; set; }
    public long MessageId { get; set; }
    public string Text { get; set; } = "";
    public string ParseMode { get; set; } = "HTML";
    public TgInlineKeyboard? ReplyMarkup { get; set; }
}

public sealed class TgAnswerCallbackQueryRequest
{
    public string CallbackQueryId { get; set; } = "";
    public string? Text { get; set; }
}

public sealed class TgDeleteMessageRequest
{
    public long ChatId { get; set; }
    public long MessageId { get; set; }
}

public sealed class TgSetMyCommandsRequest
{
    public TgBotCommand[] Commands { get; set; } = [];
}

public sealed class TgEmptyRequest;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TgResponse<TgUser>))]
[JsonSerializable(typeof(TgResponse<TgUpdate[]>))]
[JsonSerializable(typeof(TgResponse<TgMessage>))]
[JsonSerializable(typeof(TgResponse<bool>))]
[JsonSerializable(typeof(TgResponse<System.Text.Json.JsonElement>))]
[JsonSerializable(typeof(TgGetUpdatesRequest))]
[JsonSerializable(typeof(TgSendMessageRequest))]
[JsonSerializable(typeof(TgEditMessageTextRequest))]
[JsonSerializable(typeof(TgAnswerCallbackQueryRequest))]
[JsonSerializable(typeof(TgDeleteMessageRequest))]
[JsonSerializable(typeof(TgSetMyCommandsRequest))]
[JsonSerializable(typeof(TgEmptyRequest))]
[JsonSerializable(typeof(TgInlineKeyboard))]
internal sealed partial class TelegramJson : JsonSerializerContext;
