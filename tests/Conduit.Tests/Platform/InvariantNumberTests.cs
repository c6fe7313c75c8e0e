using Conduit.Platform;

namespace Conduit.Tests.Platform;

public class InvariantNumberTests
{
    [Theory]
    [InlineData("0", 0)]
    [InlineData("42", 42)]
    [InlineData("-1", -1)]
    [InlineData("2147483647", int.MaxValue)]
    [InlineData("-2147483648", int.MinValue)]
    public void Whole_numbers(string text, int expected)
    {
        Assert.True(InvariantNumber.TryParseInt(text, out var n));
        Assert.Equal(expected, n);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData("1,5")]
    [InlineData("1_000")]
    [InlineData(" 5")]
    [InlineData("5 ")]
    [InlineData("+5")]
    [InlineData("1.0")]
    [InlineData("1e3")]
    [InlineData("2147483648")]
    [InlineData("99999999999999999999")]
    [InlineData("٣")] // an Arabic-Indic digit
    public void Not_whole_numbers(string text) => Assert.False(InvariantNumber.TryParseInt(text, out _));

    [Theory]
    [InlineData("2", 2)]
    [InlineData("0.5", 0.5)]
    [InlineData(".5", 0.5)]
    [InlineData("-1", -1)]
    [InlineData("1024.25", 1024.25)]
    public void Decimals(string text, double expected)
    {
        Assert.True(InvariantNumber.TryParseDouble(text, out var d));
        Assert.Equal(expected, d);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("1.")]
    [InlineData("1,5")]
    [InlineData("1.2.3")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("∞")]
    [InlineData("1e999")]
    [InlineData("1e3")]
    [InlineData(" 1")]
    [InlineData("0x10")]
    public void Not_decimals(string text) => Assert.False(InvariantNumber.TryParseDouble(text, out _));
}
