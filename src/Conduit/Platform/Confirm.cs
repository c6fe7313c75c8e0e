namespace Conduit.Platform;

/// <summary>
/// Asks the person at a front end one yes/no question before a destructive or secret-revealing step. Operations
/// decide when to ask and what a refusal means; front ends only decide how to ask (a terminal prompt, `--yes`,
/// a bot's confirm button).
/// </summary>
public delegate bool Confirm(string question);

public static class Confirmations
{
    /// <summary>The user already said yes (`--yes`, a confirmed bot command).</summary>
    public static readonly Confirm Given = _ => true;
    /// <summary>Nobody can be asked: destructive steps are refused.</summary>
    public static readonly Confirm Refused = _ => false;
}
