using System.Text;
using QRCoder;

namespace Conduit.Identity;

/// <summary>A QR code of some text, rendered for a terminal or as PNG (QRCoder; its SVG renderer is not AOT-safe).</summary>
public sealed class QrCode
{
    /// <summary>Modules of white border around the symbol, as the QR standard asks for.</summary>
    public const int QuietZone = 4;

    readonly QRCodeData _data;

    public QrCode(string text)
    {
        // Level M: the claim link fits in version 10-11 (65-69 columns with the quiet zone, narrower than 80).
        _data = QRCodeGenerator.GenerateQrCode(text, QRCodeGenerator.ECCLevel.M);
    }

    /// <summary>Modules per side, quiet zone included.</summary>
    public int Size => _data.ModuleMatrix.Count;

    /// <summary>True for a dark module (quiet zone included, so row/column 0..3 are light).</summary>
    public bool IsDark(int row, int column) => _data.ModuleMatrix[row][column];

    /// <summary>
    /// Two module rows per text line with half-block characters. With <paramref name="ansiColors"/> the colours are
    /// explicit (black on white) so any terminal theme works; without, light modules are drawn as blocks, which
    /// reads correctly on the usual light-text-on-dark terminal (the convention of qrencode's UTF8 output).
    /// </summary>
    public string ToTerminalText(bool ansiColors)
    {
        var sb = new StringBuilder((Size + 16) * (Size / 2 + 1));
        for (int row = 0; row < Size; row += 2)
        {
            if (ansiColors) sb.Append("\e[30;47m");
            for (int column = 0; column < Size; column++)
            {
                bool top = IsDark(row, column);
                bool bottom = row + 1 < Size && IsDark(row + 1, column);
                // Drawn cells are the foreground: black in colour mode (dark modules), the text colour otherwise.
                bool drawTop = ansiColors ? top : !top;
                bool drawBottom = ansiColors ? bottom : row + 1 < Size && !bottom;
                sb.Append((drawTop, drawBottom) switch
                {
                    (true, true) => '█',
                    (true, false) => '▀',
                    (false, true) => '▄',
                    _ => ' ',
                });
            }
            if (ansiColors) sb.Append("\e[0m");
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>PNG image, black on white, <paramref name="pixelsPerModule"/> pixels per module.</summary>
    public byte[] ToPng(int pixelsPerModule = 8) => new PngByteQRCode(_data).GetGraphic(pixelsPerModule);
}
