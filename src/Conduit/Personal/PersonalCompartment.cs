using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Conduit.Personal;

/// <summary>A personal compartment ID with the name shown to whoever pairs with it.</summary>
public sealed record PersonalPairing(string Id, string Name);

/// <summary>
/// Personal compartments as the official node CLI defines them (cli/internal/config/compartment.go): the ID is
/// 32 random bytes in unpadded standard base64 (43 characters); the share token is unpadded base64url of the
/// compact JSON <c>{"v":"1","data":{"id":"...","name":"..."}}</c>. Validation gives the official reasons.
/// </summary>
public static class PersonalCompartment
{
    public const int IdBytes = 32;
    public const int IdLength = 43;

    /// <summary>A new random compartment ID.</summary>
    public static string NewId() => Encode(RandomNumberGenerator.GetBytes(IdBytes));

    /// <summary>The ID for given bytes (tests use fixed ones).</summary>
    public static string Encode(ReadOnlySpan<byte> raw) => Convert.ToBase64String(raw).TrimEnd('=');

    /// <summary>Null when <paramref name="id"/> is a valid compartment ID, else why not (the node's wording).</summary>
    public static string? IdProblem(string id)
    {
        id = id.Trim();
        if (id.Length == 0) return "compartment id is empty";
        if (id.Length != IdLength) return $"compartment id must be exactly {IdLength} characters";
        if (id.AsSpan().IndexOfAny("-_=") >= 0) return "compartment id must use unpadded standard base64 alphabet";
        foreach (var c in id)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '/'))
                return $"compartment id contains invalid character {Quote(c)}";
        if (!TryDecodeUnpadded(id, urlAlphabet: false, out var raw, out var encodingProblem))
            return $"invalid compartment id encoding: {encodingProblem}";
        if (raw.Length != IdBytes) return $"compartment id must decode to exactly {IdBytes} bytes";
        return null;
    }

    /// <summary>The share token for an ID and a name.</summary>
    public static string Token(string id, string name)
    {
        if (IdProblem(id) is string problem) throw new ArgumentException(problem, nameof(id));
        if (name.Trim().Length == 0) throw new ArgumentException("name must be non-empty", nameof(name));
        var json = new StringBuilder(96);
        json.Append("{\"v\":\"1\",\"data\":{\"id\":");
        Identity.ClaimLink.AppendJsonString(json, id);
        json.Append(",\"name\":");
        Identity.ClaimLink.AppendJsonString(json, name);
        json.Append("}}");
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(json.ToString())).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>Parses a share token; null with <paramref name="problem"/> (the node's wording) when it is not one.</summary>
    public static PersonalPairing? ParseToken(string token, out string? problem)
    {
        token = token.Trim();
        problem = null;
        if (token.Length == 0) return Fail("token is empty", out problem);
        if (!TryDecodeUnpadded(token, urlAlphabet: true, out var decoded, out var encodingProblem))
            return Fail($"token must be base64url without padding: {encodingProblem}", out problem);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(decoded);
        }
        catch (JsonException e)
        {
            return Fail($"token payload is not valid JSON: {JsonReason(e.Message)}", out problem);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                return Fail($"token payload is not valid JSON: expected an object, found {Kind(doc.RootElement)}", out problem);
            var top = Members(doc.RootElement);
            if (top.Count != 2) return Fail("token payload must contain exactly keys v and data", out problem);
            if (!top.TryGetValue("v", out var v)) return Fail("token payload missing key v", out problem);
            if (!top.TryGetValue("data", out var data)) return Fail("token payload missing key data", out problem);
            if (v.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
                return Fail($"invalid token payload: v must be a string, found {Kind(v)}", out problem);
            if (data.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
                return Fail($"invalid token payload: data must be an object, found {Kind(data)}", out problem);
            if (v.ValueKind != JsonValueKind.String || v.GetString() != "1")
                return Fail("token version must be string \"1\"", out problem);
            if (data.ValueKind != JsonValueKind.Object) return Fail("token data must contain exactly keys id and name", out problem);
            var fields = Members(data);
            if (fields.Count != 2) return Fail("token data must contain exactly keys id and name", out problem);
            if (!fields.TryGetValue("id", out var id)) return Fail("token data missing key id", out problem);
            if (!fields.TryGetValue("name", out var name)) return Fail("token data missing key name", out problem);
            if (id.ValueKind is not (JsonValueKind.String or JsonValueKind.Null) || name.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
                return Fail("invalid token payload: data.id and data.name must be strings", out problem);
            var nameText = name.GetString() ?? "";
            var idText = id.GetString() ?? "";
            if (nameText.Trim().Length == 0) return Fail("token data.name must be non-empty", out problem);
            if (IdProblem(idText) is string idProblem) return Fail(idProblem, out problem);
            return new PersonalPairing(idText, nameText);
        }
    }

    /// <summary>
    /// A raw ID or a share token, as `--compartment-id` accepts them: the ID (and the token's name, if a token).
    /// Null with a one-line <paramref name="problem"/> when it is neither.
    /// </summary>
    public static PersonalPairing? Normalize(string input, out string? problem)
    {
        var trimmed = input.Trim();
        var idProblem = IdProblem(trimmed);
        if (idProblem is null)
        {
            problem = null;
            return new PersonalPairing(trimmed, "");
        }
        var parsed = ParseToken(trimmed, out var tokenProblem);
        if (parsed is not null)
        {
            problem = null;
            return parsed;
        }
        // The node reports the token's reason only; an input that looks like an ID also gets the ID's reason.
        problem = trimmed.Length == IdLength && tokenProblem!.StartsWith("token must be base64url", StringComparison.Ordinal)
            ? $"invalid compartment id or token: {idProblem}"
            : $"invalid compartment id or token: {tokenProblem}";
        return null;
    }

    static PersonalPairing? Fail(string why, out string? problem)
    {
        problem = why;
        return null;
    }

    /// <summary>Members of an object; a repeated key keeps its last value, as Go's decoder does.</summary>
    static Dictionary<string, JsonElement> Members(JsonElement obj)
    {
        var map = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var p in obj.EnumerateObject()) map[p.Name] = p.Value;
        return map;
    }

    static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.Number => "a number",
        JsonValueKind.String => "a string",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "an object",
    };

    /// <summary>The reader's reason without its " LineNumber: 0 | BytePositionInLine: 3." position suffix.</summary>
    static string JsonReason(string message)
    {
        var cut = message.IndexOf(" LineNumber", StringComparison.Ordinal);
        var reason = (cut < 0 ? message : message[..cut]).Trim().TrimEnd('.');
        var nl = reason.IndexOf('\n');
        return nl < 0 ? reason : reason[..nl];
    }

    /// <summary>Go's %q of a byte: "'x'" for printable ASCII, else an escape.</summary>
    static string Quote(char c) => c is >= ' ' and < '\u007f' && c != '\'' && c != '\\'
        ? $"'{c}'"
        : c < 0x80 ? $"'\\x{(int)c:x2}'" : $"'\\u{(int)c:x4}'";

    /// <summary>Unpadded base64 (standard or URL alphabet), rejecting padding and foreign characters the way Go's
    /// Raw encodings do ("illegal base64 data at input byte N").</summary>
    static bool TryDecodeUnpadded(string text, bool urlAlphabet, out byte[] bytes, out string? problem)
    {
        bytes = [];
        problem = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var ok = char.IsAsciiLetterOrDigit(c) || (urlAlphabet ? c is '-' or '_' : c is '+' or '/');
            if (!ok)
            {
                problem = $"illegal base64 data at input byte {i}";
                return false;
            }
        }
        if (text.Length % 4 == 1)
        {
            problem = $"illegal base64 data at input byte {text.Length - 1}";
            return false;
        }
        var standard = urlAlphabet ? text.Replace('-', '+').Replace('_', '/') : text;
        standard += new string('=', (4 - standard.Length % 4) % 4);
        bytes = Convert.FromBase64String(standard);
        return true;
    }
}
