using Conduit.Platform;
using ConsoleAppFramework;

namespace Conduit.Cli;

// ConsoleAppFramework parses numbers with the framework defaults (group separators, NaN, Infinity, exponents
// accepted: "--cpus 1,5" was 15). Every numeric command parameter carries one of these instead; a convention
// test checks that none is left without.

/// <summary>A whole number, strictly (see <see cref="InvariantNumber"/>).</summary>
[AttributeUsage(AttributeTargets.Parameter)]
internal sealed class IntegerAttribute : Attribute, IArgumentParser<int>
{
    public static bool TryParse(ReadOnlySpan<char> s, out int result) => InvariantNumber.TryParseInt(s, out result);
}

/// <summary>A finite decimal number, strictly (see <see cref="InvariantNumber"/>).</summary>
[AttributeUsage(AttributeTargets.Parameter)]
internal sealed class RealAttribute : Attribute, IArgumentParser<double>
{
    public static bool TryParse(ReadOnlySpan<char> s, out double result) => InvariantNumber.TryParseDouble(s, out result);
}
