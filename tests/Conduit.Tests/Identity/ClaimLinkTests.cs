using System.Diagnostics;
using System.Text;
using Conduit.Identity;
using Conduit.Tests.Support;

namespace Conduit.Tests.Identity;

public class ClaimLinkTests
{
    static readonly NodeKey Key = NodeKey.FromBase64(TestKeys.PrivateKeyBase64, "vector");

    [Fact]
    public void TestVectorLinkMatchesByteForByte() =>
        Assert.Equal(TestKeys.ClaimLinkMyStation, ClaimLink.For(Key, "my-station"));

    [Fact]
    public void NamesAreEscapedAsGoDoesAndTheLinkIsBase64UrlWithPadding()
    {
        var link = ClaimLink.For(Key, "a\"b\\c<d>&é");
        var payload = link[ClaimLink.Prefix.Length..];
        Assert.DoesNotContain('+', payload);
        Assert.DoesNotContain('/', payload);
        Assert.Equal(0, payload.Length % 4);
        var json = Encoding.UTF8.GetString(Convert.FromBase64String(payload.Replace('-', '+').Replace('_', '/')));
        Assert.Equal($"{{\"data\":{{\"key\":\"{TestKeys.PrivateKeyBase64}\",\"name\":\"a\\\"b\\\\c\\u003cd\\u003e\\u0026é\"}},\"version\":1}}", json);
    }

    [Fact]
    public void PngDecodesBackToTheExactLink()
    {
        using var root = new TempRoot();
        var png = root.Combine("claim.png");
        File.WriteAllBytes(png, new QrCode(TestKeys.ClaimLinkMyStation).ToPng());
        Assert.Equal(TestKeys.ClaimLinkMyStation, ZbarImg(png));
    }

    [Fact]
    public void TerminalRenderingCarriesEveryModuleWithAQuietZone()
    {
        var qr = new QrCode(TestKeys.ClaimLinkMyStation);
        Assert.True(qr.Size <= 80, $"{qr.Size} columns do not fit an 80-column terminal");
        foreach (var colors in new[] { false, true })
        {
            var lines = qr.ToTerminalText(colors).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Replace("\e[30;47m", "").Replace("\e[0m", "")).ToArray();
            Assert.Equal((qr.Size + 1) / 2, lines.Length);
            for (int row = 0; row < qr.Size; row++)
            for (int column = 0; column < qr.Size; column++)
            {
                char c = lines[row / 2][column];
                bool drawn = row % 2 == 0 ? c is '█' or '▀' : c is '█' or '▄';
                // Colour mode draws dark modules; plain mode draws light ones (light text on a dark terminal).
                Assert.Equal(qr.IsDark(row, column), colors ? drawn : !drawn);
            }
        }
        for (int i = 0; i < QrCode.QuietZone; i++)
            Assert.False(qr.IsDark(i, qr.Size / 2) || qr.IsDark(qr.Size / 2, i) || qr.IsDark(qr.Size - 1 - i, qr.Size / 2));
    }

    internal static string ZbarImg(string png)
    {
        var psi = new ProcessStartInfo("zbarimg") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--raw", "-q", png }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(30_000), "zbarimg did not finish");
        Assert.True(p.ExitCode == 0, $"zbarimg exit {p.ExitCode}: {stderr.Result}");
        return stdout.Result.TrimEnd('\n');
    }
}
