using Conduit.Platform;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Conduit.Ui;

/// <summary>Renders a view to plain text at a fixed size (snapshot tests, and output to a pipe).</summary>
internal static class Screen
{
    public static IAnsiConsole TextConsole(TextWriter writer, int width, int height, bool color = false)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = color ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = color ? ColorSystemSupport.Standard : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = width;
        console.Profile.Height = height;
        return console;
    }

    /// <summary>Width used when stdout is not a terminal (a pipe or file has none).</summary>
    public const int PipeWidth = 120;

    /// <summary>To a terminal through Spectre (colour, its width); to a pipe as plain text without padding.</summary>
    public static void Print(IRenderable view)
    {
        if (!Terminal.StdoutIsTerminal) Console.Out.Write(ToText(view, PipeWidth, 1000));
        else if (Terminal.UseColor) AnsiConsole.Console.Write(view);
        // Plain text at the terminal's size from the kernel: Spectre's own console asks System.Console, which
        // switches the terminal into keypad mode (ESC[?1h ESC=) for good; with NO_COLOR nothing but text is sent.
        else Console.Out.Write(ToText(view, StandardStreams.TerminalSize()?.Columns ?? PipeWidth, 1000));
    }

    public static string ToText(IRenderable view, int width, int height)
    {
        using var writer = new StringWriter { NewLine = "\n" };
        TextConsole(writer, width, height).Write(view);
        // Trailing blanks are padding, not content: trimmed so expected files stay readable.
        var lines = writer.ToString().Split('\n');
        for (var i = 0; i < lines.Length; i++) lines[i] = lines[i].TrimEnd();
        return string.Join('\n', lines).TrimEnd('\n') + "\n";
    }
}
