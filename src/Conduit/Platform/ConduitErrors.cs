namespace Conduit.Platform;

/// <summary>Exit codes every front end maps failures to (the CLI exits with them).</summary>
public static class ExitCodes
{
    public const int Success = 0;
    /// <summary>Something went wrong while doing the work (daemon down, I/O error, check failed).</summary>
    public const int Failure = 1;
    /// <summary>The command line or a settings/key file is wrong: nothing was changed.</summary>
    public const int Usage = 2;
}

/// <summary>
/// An expected failure with a one-line message for the user, thrown by operations anywhere. Each front end
/// renders it its own way (the CLI prints the message on stderr and exits with <see cref="ExitCode"/>).
/// Messages must never contain secrets.
/// </summary>
public class ConduitException(string message, int exitCode = ExitCodes.Failure) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>Bad flags, values, settings or key files (exit 2): nothing was changed.</summary>
public sealed class UsageException(string message) : ConduitException(message, ExitCodes.Usage);
