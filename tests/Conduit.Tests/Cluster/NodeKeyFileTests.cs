using System.Text;
using Conduit.Cluster;

namespace Conduit.Tests.Cluster;

public class NodeKeyFileTests
{
    // RFC 8032 test 1 seed + public key, as the node writes it (unpadded).
    const string Vector = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2DXWpgBgrEKt9VL/tPJZAc6DuFy89qmIyWvAhpo9wdRGg";

    static string? Check(string json) => NodeKeyFile.Problem(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void UnpaddedAndPaddedKeysAreValid()
    {
        Assert.Null(Check($$"""{"mnemonic":"a b c","privateKeyBase64":"{{Vector}}"}"""));
        Assert.Null(Check($$"""{"privateKeyBase64":"{{Vector}}=="}"""));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("{not json", "not valid JSON")]
    [InlineData("[1,2]", "expected a JSON object")]
    [InlineData("{\"mnemonic\":\"x\"}", "no privateKeyBase64")]
    [InlineData("{\"privateKeyBase64\":42}", "must be a string")]
    [InlineData("{\"privateKeyBase64\":\"@@@@\"}", "not standard base64")]
    [InlineData("{\"privateKeyBase64\":\"AAAA\"}", "holds 3 bytes, expected 64")]
    public void InvalidKeysSayWhy(string json, string expected)
    {
        var problem = Check(json);
        Assert.NotNull(problem);
        Assert.Contains(expected, problem);
    }

    [Fact]
    public void SixtyThreeBytesIsNotAKey()
    {
        var short63 = Convert.ToBase64String(new byte[63]).TrimEnd('=');
        Assert.Contains("63 bytes", Check($$"""{"privateKeyBase64":"{{short63}}"}"""));
    }

    [Fact]
    public void ProblemsNeverEchoTheKey()
    {
        var problem = Check($$"""{"privateKeyBase64":"{{Vector[..80]}}"}""");
        Assert.NotNull(problem);
        Assert.DoesNotContain(Vector[..20], problem);
    }
}
