using System.Text;
using System.Text.Json;

namespace Conduit.Platform;

/// <summary>What the output may look like: colour only on a terminal without NO_COLOR, JSON when asked.</summary>
public static class Terminal
{
    public static bool StdoutIsTerminal => !Console.IsOutputRedirected;
    public static bool StdinIsTerminal => !Console.IsInputRedirected;

    /// <summary>https://no-color.org: any non-empty NO_COLOR disables colour; so do pipes and TERM=dumb.</summary>
    public static bool UseColor =>
        StdoutIsTerminal
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
        && Environment.GetEnvironmentVariable("TERM") != "dumb";

    /// <summary>Writes one JSON document to stdout, built by <paramref name="write"/>.</summary>
    public static void WriteJson(Action<Utf8JsonWriter> write)
    {
        using var stdout = StandardStreams.Stdout();
        // Relaxed escaping: the default writes '+' (in proxy IDs) as \u002B; this output is never embedded in HTML.
        using (var writer = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            write(writer);
        }
        stdout.Write("\n"u8);
    }

    public static string JsonString(Action<Utf8JsonWriter> write, bool indented = false)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            write(writer);
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>One line on stderr: "conduit: message", control characters escaped (<see cref="SafeText"/>).</summary>
    public static void Error(string message) => Console.Error.WriteLine($"conduit: {SafeText.Escape(FirstLine(message))}");

    public static void Warn(string message) => Console.Error.WriteLine($"conduit: warning: {SafeText.Escape(FirstLine(message))}");

    static string FirstLine(string message)
    {
        var i = message.IndexOfAny(['\r', '\n']);
        return i < 0 ? message : message[..i];
    }

    /// <summary>Asks y/N on a terminal; refuses (false) when stdin is not one.</summary>
    public static bool Confirm(string question)
    {
        if (!StdinIsTerminal) return false;
        Console.Error.Write($"{question} [y/N] ");
        var answer = Console.ReadLine();
        return answer is not null && answer.Trim().ToLowerInvariant() is "y" or "yes";
    }
}
