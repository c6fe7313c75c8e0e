using System.Reflection;
using System.Reflection.Emit;

namespace Conduit.Tests;

/// <summary>
/// Front ends on top, nothing pointing back up: no type outside the front ends (Conduit.Cli, Conduit.Menu,
/// Conduit.Telegram, the composition root Program and the code ConsoleAppFramework generates for it) refers to a
/// front-end type, in a signature or in a method body.
/// </summary>
public class LayeringTests
{
    static readonly string[] FrontEnds = ["Conduit.Cli", "Conduit.Menu", "Conduit.Telegram"];

    static bool IsFrontEnd(Type t)
    {
        while (t.IsNested) t = t.DeclaringType!;
        var ns = t.Namespace;
        if (ns is null) return t.Name == "Program" || t.Name.StartsWith('<');
        return ns == "ConsoleAppFramework" || FrontEnds.Any(f => ns == f || ns.StartsWith(f + ".", StringComparison.Ordinal));
    }

    [Fact]
    public void Nothing_below_a_front_end_uses_one()
    {
        var assembly = typeof(Conduit.Cli.CliApp).Assembly;
        var uses = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in assembly.GetTypes().Where(t => !IsFrontEnd(t)))
            foreach (var used in TypesUsedBy(type).SelectMany(Parts))
                if (used.Assembly == assembly && IsFrontEnd(used) && used.Namespace is not null)
                    uses.Add($"{type.FullName} uses {used.FullName}");
        Assert.True(uses.Count == 0, string.Join("\n", uses));
    }

    [Fact]
    public void The_check_sees_uses_in_method_bodies()
    {
        // The front end itself uses front-end types in bodies: the IL walk must find them, or the test above proves nothing.
        // ErrorFilter.InvokeAsync reads CliApp in its async state machine (a nested type), and in a generic argument.
        var filter = typeof(Conduit.Cli.ErrorFilter);
        var used = filter.GetNestedTypes(All).Prepend(filter).SelectMany(TypesUsedBy).SelectMany(Parts);
        Assert.Contains(typeof(Conduit.Cli.CliApp), used);
    }

    /// <summary>A type and the types it is built from (List&lt;T&gt;, T[], ref T).</summary>
    static IEnumerable<Type> Parts(Type t)
    {
        if (t.HasElementType) return Parts(t.GetElementType()!);
        if (t.IsGenericType && !t.IsGenericTypeDefinition)
            return t.GetGenericArguments().SelectMany(Parts).Append(t.GetGenericTypeDefinition());
        return [t];
    }

    const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    static IEnumerable<Type> TypesUsedBy(Type type)
    {
        if (type.BaseType is { } b) yield return b;
        foreach (var i in type.GetInterfaces()) yield return i;
        foreach (var f in type.GetFields(All)) yield return f.FieldType;
        foreach (var p in type.GetProperties(All)) yield return p.PropertyType;
        foreach (var m in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
        {
            if (m is MethodInfo mi) yield return mi.ReturnType;
            foreach (var p in m.GetParameters()) yield return p.ParameterType;
            foreach (var t in TypesInBody(m)) yield return t;
        }
    }

    static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    /// <summary>Every type a method body names: the tokens of its IL instructions, resolved.</summary>
    static IEnumerable<Type> TypesInBody(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null) yield break;
        var module = method.Module;
        Type[]? typeArgs = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        Type[]? methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (int pos = 0; pos < il.Length;)
        {
            short value = il[pos] == 0xFE ? (short)(0xFE00 | il[pos + 1]) : il[pos];
            pos += il[pos] == 0xFE ? 2 : 1;
            var op = OpCodesByValue[value];
            switch (op.OperandType)
            {
                case OperandType.InlineNone: break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar: pos += 1; break;
                case OperandType.InlineVar: pos += 2; break;
                case OperandType.InlineI8 or OperandType.InlineR: pos += 8; break;
                case OperandType.InlineSwitch: pos += 4 + 4 * BitConverter.ToInt32(il, pos); break;
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineType or OperandType.InlineTok:
                    {
                        int token = BitConverter.ToInt32(il, pos);
                        pos += 4;
                        MemberInfo? member = null;
                        try { member = module.ResolveMember(token, typeArgs, methodArgs); }
                        catch (ArgumentException) { }
                        if (member is Type t) yield return t;
                        else if (member?.DeclaringType is { } owner) yield return owner;
                        if (member is FieldInfo fi) yield return fi.FieldType;
                        break;
                    }
                default: pos += 4; break;
            }
        }
    }
}
